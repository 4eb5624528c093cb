/**
 * The one registry of nattsyn's stable reason codes (docs/architecture.md, "Reason codes"). They
 * travel in HTTP bodies, audit records, MQTT events and command results, and the centre, the
 * viewer page and the follow-up exports depend on them: add codes, never rename one. Each code
 * maps to the HTTP status it is answered with, or `null` where it never reaches HTTP (audited or
 * published only). `NattsynError` and every reply take their status from here, nowhere else.
 * Folders keep their own lists (DENY_CODES, SDP_REJECT_CODES, …) as subsets checked against this.
 */
export const REASONS = {
  // A staff token that does not verify: authentication (RFC 6750 §3.1).
  no_token: 401,
  bad_token: 401,
  token_expired: 401,
  token_not_yet_valid: 401,
  token_lifetime_exceeded: 401,
  wrong_issuer: 401,
  // A verified token the gate refuses: authorization.
  wrong_device: 403,
  wrong_scope: 403,
  reason_required: 403,
  revoked: 403,
  outside_window: 403,
  paused: 403,
  clock_unsynced: 403,
  no_policy: 403,
  token_in_use: 403,
  emergency_not_allowed: 403,
  too_many_viewers: 503,
  audit_unavailable: 503,
  unknown_session: 404,
  // Refusals naming nobody past the audit budget, written as one record per interval (access/refusals.ts).
  refusals_aggregated: null,
  // A WHEP request the device cannot take as it is.
  token_in_query: 400,
  bad_request: 400,
  not_found: 404,
  unsupported_media_type: 415,
  body_too_large: 413,
  rate_limited: 429,
  too_many_candidates: 429,
  precondition_required: 428,
  precondition_failed: 412,
  ice_restart_unsupported: 422,
  no_frames: 409,
  session_ended: 409,
  not_keyframe: 409,
  sdp_malformed: 422,
  sdp_no_video: 422,
  sdp_multiple_video: 422,
  sdp_no_h264: 422,
  sdp_h264_profile_unsupported: 422,
  sdp_viewer_sends_media: 422,
  // The MPEG-1 fallback's WebSocket presented no live one-time ticket (its close reason, 4401).
  ticket_invalid: 401,
  // The device cannot send the fallback picture through the centre (no client certificate to dial with).
  fallback_unavailable: 503,
  // Why a session ended (audited with its duration).
  closed_by_viewer: null,
  window_end: null,
  max_session: null,
  ice_failed: null,
  policy_changed: null,
  camera_fault: null,
  shutdown: null,
  // A signed policy or command from the centre that is not applied (answered over MQTT).
  policy_malformed: null,
  policy_bad_signature: null,
  policy_wrong_device: null,
  policy_rollback: null,
  policy_invalid: null,
  state_unwritable: 503,
  // The state directory is writable by other users or holds a symbolic link: the service does not start.
  state_insecure: null,
  cmd_bad_signature: null,
  cmd_malformed: null,
  cmd_wrong_device: null,
  cmd_wrong_name: null,
  cmd_expired: null,
  cmd_replayed: null,
  cmd_unknown: null,
  cmd_failed: null,
  cmd_rate_limited: null,
  // The device's own faults (camera status, events, health problems).
  camera_missing: null,
  camera_stalled: null,
  camera_exited: null,
  camera_covered: null,
  camera_frozen: null,
  camera_moved: null,
  frame_decode_failed: null,
  gpio_missing: null,
  undervoltage: null,
  throttled: null,
  overheating: null,
  disk_low: null,
  audit_unwritable: null,
  audit_backlog: null,
  audit_tail_lost: null,
  mqtt_offline: 503,
  // What else events and command records say (not refusals, but the same vocabulary).
  ok: null,
  policy_updated: null,
  policy_rejected: null,
  window_ready: null,
  window_at_risk: null,
  decommissioned: null,
  // Installer and operations verbs (CLI exit 1, or 2 for `usage`).
  usage: 400,
  registration_invalid: null,
  certificate_invalid: null,
  certificate_untrusted: null,
  certificate_expired: null,
  certificate_mismatch: null,
  openssl_failed: null,
  broker_unreachable: null,
  service_running: 409,
  audit_undelivered: 409,
  events_undelivered: 409,
  export_failed: null,
  // A device refusing a request relayed by the centre before it reaches the WHEP service (audited).
  relay_unsigned: 401,
  relay_malformed: 400,
  relay_wrong_device: 400,
  relay_expired: 400,
  relay_replayed: 400,
  relay_retained: 400,
  relay_bad_response_topic: 400,
  // A look's outcome the device does not take.
  bad_outcome: 400,
  outcome_recorded: 409,
  outcome_too_late: 410,
  // The centre: reaching a device through the broker.
  device_offline: 503,
  device_timeout: 504,
  device_bad_reply: 502,
  broker_unavailable: 503,
  centre_stopping: 503,
  // The centre: staff sign-in, the roster and looks.
  not_signed_in: 401,
  session_expired: 401,
  signed_out: 401,
  sign_in_expired: 400,
  sign_in_failed: 400,
  idp_unavailable: 503,
  staff_id_missing: 403,
  too_many_groups: 403,
  not_on_roster: 403,
  look_handle_invalid: 403,
  look_handle_stale: 409,
  reason_too_long: 400,
  // The audit archive (alarms and the monitor).
  audit_chain_broken: null,
  // Programming or start-up faults: never a client's doing.
  internal: 500,
  not_started: 500,
} as const satisfies Record<string, number | null>;

export type ReasonCode = keyof typeof REASONS;

/** The refusals the staff token itself causes: it does not verify, or names another device, scope or reason. */
export const TOKEN_REFUSALS = [
  'no_token',
  'bad_token',
  'token_expired',
  'token_not_yet_valid',
  'token_lifetime_exceeded',
  'wrong_issuer',
  'wrong_device',
  'wrong_scope',
  'reason_required',
  'revoked',
] as const satisfies readonly ReasonCode[];

export const REASON_CODES = Object.keys(REASONS) as ReasonCode[];

export function isReasonCode(value: string): value is ReasonCode {
  return Object.hasOwn(REASONS, value);
}

/** The HTTP status a code is answered with; 500 for a code that should never reach HTTP. */
export function httpStatusOf(code: ReasonCode): number {
  return REASONS[code] ?? 500;
}
