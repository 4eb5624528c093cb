/**
 * A WHEP request and reply as plain values, so the session manager (whepService.ts) is the same
 * whatever carried them: the device's HTTP route or the centre's MQTT relay. Also the small pieces
 * both need: the JSON error body, ICE server `Link` values, content-type matching.
 */
import { httpStatusOf, type ReasonCode } from '../reasons.ts';
import type { IceServerConfig } from './config.ts';

export type IceServer = IceServerConfig;

export interface WhepRequest {
  method: 'POST' | 'PATCH' | 'DELETE';
  /** The resource id from `/whep/<id>`; absent on POST. */
  sessionId?: string | undefined;
  contentType?: string | undefined;
  ifMatch?: string | undefined;
  /** SDP offer (POST), trickle fragment (PATCH), empty (DELETE). */
  body: string;
  /** The staff token from the Authorization header (HTTP) or the relay envelope; never a URL. */
  token: string | undefined;
  /** Who asked, and how it reached the device: audited with every grant and denial. */
  origin: { transport: 'http' | 'relay'; remote: string };
  /**
   * ICE servers for this session only (TURN credentials minted for it by the centre): used for
   * this peer and announced in its 201 instead of the configured ones.
   */
  iceServers?: IceServer[] | undefined;
}

/** A question about a session after its offer: its status, or the look's outcome. */
export interface FollowUpRequest {
  sessionId: string;
  token: string | undefined;
  /** Empty for a status; `{"outcome": …}` for an outcome. */
  body: string;
  origin: WhepRequest['origin'];
}

export interface WhepReply {
  status: number;
  /** Location, ETag, Link, Retry-After, WWW-Authenticate, Nattsyn-Session-*, Content-Type. */
  headers: Record<string, string | string[]>;
  /** The SDP answer, the JSON error `{ code, message }`, or empty. */
  body: string;
  /** The stable reason code of a refusal. */
  code?: ReasonCode;
}

/** A refusal: the JSON error body, with the status the reason registry gives the code. */
export function errorReply(
  code: ReasonCode,
  message: string,
  headers: Record<string, string | string[]> = {},
): WhepReply {
  return {
    status: httpStatusOf(code),
    code,
    headers: { ...headers, 'Content-Type': 'application/json' },
    body: JSON.stringify({ code, message }),
  };
}

/** A JSON answer. */
export function jsonReply(status: number, body: unknown): WhepReply {
  return { status, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) };
}

const quote = (s: string) => `"${s.replace(/["\\]/g, '')}"`;

/** `Link: <stun:…>; rel="ice-server"` values (RFC 9725 §4.6), one per URL. */
export function iceServerLinks(servers: readonly IceServer[]): string[] {
  return servers.flatMap((s) =>
    (Array.isArray(s.urls) ? s.urls : [s.urls]).map((url) => {
      let link = `<${url}>; rel="ice-server"`;
      if (s.username !== undefined) link += `; username=${quote(s.username)}`;
      if (s.credential !== undefined)
        link += `; credential=${quote(s.credential)}; credential-type="password"`;
      return link;
    }),
  );
}

/** The media type of a Content-Type value, compared without parameters or case. */
export function isType(contentType: string | undefined, type: string): boolean {
  return contentType?.split(';')[0]?.trim().toLowerCase() === type;
}

/**
 * The `sub` of a staff token, read without verifying it: only for keying a rate limit (the relay's
 * seam, `WhepServiceDeps.limit`). Access is decided by access control's verification, never here.
 */
export function staffSubjectOf(token: string | undefined): string {
  try {
    const payload = JSON.parse(Buffer.from(token?.split('.')[1] ?? '', 'base64url').toString('utf8'));
    return typeof payload.sub === 'string' ? `sub:${payload.sub}` : 'anonymous';
  } catch {
    return 'anonymous';
  }
}
