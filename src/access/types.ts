/**
 * The access controller's contract: the stateful side of the policy core. It holds the policy in
 * force, the live sessions and the audit log, and is the only way in for the stream (WHEP), health
 * (inbound policies, pause) and the installer verbs. Implemented in ./controller.ts.
 */

import type {
  DenyCode,
  EpochMillis,
  MonoMillis,
  PolicyVerdict,
  Scope,
  WindowOccurrence,
} from '../policy/index.ts';
import type { ReasonCode } from '../reasons.ts';

import type { FollowUpRefusal, LookStatus } from './followUp.ts';
import type { PauseSource, PauseState } from './pause.ts';

/** Why a session ended: stable codes, audited with the session's duration. */
export const SESSION_END_CODES = [
  'closed_by_viewer',
  'window_end',
  'token_expired',
  'max_session',
  'ice_failed',
  'policy_changed',
  'paused',
  'revoked',
  'camera_fault',
  'shutdown',
  // The camera's H.264 profile, first seen after the grant, is one the viewer's browser cannot play.
  'sdp_h264_profile_unsupported',
] as const satisfies readonly ReasonCode[];
export type SessionEndCode = (typeof SESSION_END_CODES)[number];

export interface SessionTicket {
  /** ≥ 128 random bits, base64url: also the secret part of the WHEP resource URL. */
  sessionId: string;
  staffId: string;
  tokenId: string;
  scope: Scope;
  emergency: boolean;
  windowId: string | undefined;
  /** Wall-clock end of the grant. */
  until: EpochMillis;
  /** Monotonic start, for the audited duration. */
  startedAt: MonoMillis;
}

/** A refusal as every caller answers it: the code, the status the reason registry gives it, a sentence. */
export interface Refusal {
  ok: false;
  code: DenyCode;
  status: number;
  message: string;
}

export type Admission = { ok: true; session: SessionTicket } | Refusal;

/** A verified token's holder and scope, without any session (the viewer page's state endpoint). */
export type TokenCheck = { ok: true; staffId: string; scope: Scope } | Refusal;

/** Who pauses (by default the centre when the actor is `centre`, else the resident) and until when. */
export interface PauseOptions {
  by?: Exclude<PauseSource, 'policy'>;
  until?: EpochMillis | undefined;
}

export interface CameraSchedule {
  wanted: boolean;
  recheckAt: EpochMillis | undefined;
}

/**
 * Who asked, over which transport (the device's HTTP route or the centre's relay), and how the
 * picture would travel (WebRTC, or the MPEG-1 fallback over a WebSocket): all audited.
 */
export interface RequestOrigin {
  remote: string;
  transport: 'http' | 'relay';
  media?: 'webrtc' | 'mpeg1';
}

export interface WindowState {
  open: WindowOccurrence | undefined;
  next: WindowOccurrence | undefined;
  paused: boolean;
  /** The pause in force: by whom (resident, centre or policy), since and until when. */
  pause?: PauseState | undefined;
  policyVersion: number | undefined;
  /** The resident's IANA time zone from the policy in force. */
  timeZone: string | undefined;
  clockSynced: boolean;
  /** End of the installer's aiming preview while one is open (install-scope tokens only). */
  installPreviewUntil: EpochMillis | undefined;
  /** Who paused, while paused: the resident, the centre for them, or the policy (`pause.by`). */
  pausedBy: PauseSource | undefined;
}

/** The supervision plan the centre's round shows: windows ahead and which looks are allowed. */
export interface LookPlan {
  /** Windows not ended by now and starting before the horizon, in start order. */
  windows: WindowOccurrence[];
  emergencyAllowed: boolean;
  maxSessionSeconds: number | undefined;
}

export interface AccessControl {
  /**
   * Verifies a token only, no session: the viewer page's window-state endpoint (no audit), and the
   * HTTP face's check from the headers before a body is read (with `origin`: a refusal is audited).
   */
  checkToken(token: string | undefined, origin?: RequestOrigin): Promise<TokenCheck>;
  /** Verifies the token, asks the gate, audits the decision (fsync) and registers the session on a grant. */
  admit(token: string | undefined, context: RequestOrigin): Promise<Admission>;
  /**
   * Checks that a token may act on an existing session (PATCH, DELETE): same token id, still valid.
   * A refusal is audited like any other denial.
   */
  authenticateFor(token: string | undefined, sessionId: string, context: RequestOrigin): Promise<Admission>;
  /**
   * Why a look ended, or that it is live, for the token that opened it, up to 15 minutes after its
   * end (access/followUp.ts).
   */
  sessionStatus(
    token: string | undefined,
    sessionId: string,
  ): Promise<{ ok: true; status: LookStatus } | FollowUpRefusal>;
  /** The look's one-tap outcome, appended (fsync) as a `look_outcome` record linked to the session. */
  recordOutcome(
    token: string | undefined,
    sessionId: string,
    outcome: string,
    origin: RequestOrigin,
  ): Promise<{ ok: true; seq: number } | FollowUpRefusal>;
  /** Ends a session (idempotent) and audits it with its duration. */
  end(sessionId: string, code: SessionEndCode): Promise<void>;
  sessions(): readonly SessionTicket[];
  /** Fired after a session ended for any reason (also the controller's own cuts at `until`). */
  onSessionEnded(listener: (sessionId: string, code: SessionEndCode) => void): () => void;
  /** Fired when the set of live sessions changes (privacy LED). */
  onSessionsChanged(listener: (count: number) => void): () => void;
  /**
   * Fired when anything the window state or the camera's schedule depends on changed: the policy,
   * the pause, the install preview, the live sessions, the clock's sync.
   */
  onChange(listener: () => void): () => void;
  windowState(): WindowState;
  /** The windows up to `horizon` and the look rules of the policy in force (empty without one). */
  plan(horizon: EpochMillis): LookPlan;
  /** Verifies, applies, persists (atomically) and audits a signed policy; cuts sessions it closes. */
  applyPolicy(jws: string, actor: string): Promise<PolicyVerdict>;
  /**
   * The resident's pause (their button, or the centre on their behalf); pausing cuts live sessions
   * and holds until resumed or until `options.until`. Audited with who paused and until when.
   */
  setPaused(paused: boolean, actor: string, options?: PauseOptions): Promise<void>;
  /** The camera should run: a window opens within `leadMs`, is open, or a session lives. */
  cameraWanted(leadMs: number): boolean;
  /** `cameraWanted` now, and the next instant the answer can change by time alone (none: only by `onChange`). */
  cameraSchedule(leadMs: number): CameraSchedule;
}
