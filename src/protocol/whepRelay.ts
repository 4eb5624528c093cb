/**
 * WHEP over MQTT 5 request/response: the envelope the centre publishes on a device's
 * `whep/req` topic and the reply the device publishes on the response topic it was given.
 *
 * The request is a compact JWS (EdDSA, `typ` below) by the centre's relay key, which the device
 * pins: a message on the request topic that the centre did not sign is refused and audited even
 * when the broker's ACL is wrong. `id` is also the MQTT correlation data; together with `issuedAt`
 * and the message expiry it lets the device refuse a replayed, stale or retained request. The staff
 * token travels exactly as the viewer sent it; the device alone decides.
 */
import { z } from 'zod';
import { TOPIC_ID } from './topics.ts';

export const WHEP_RELAY_JWS_TYPE = 'nattsyn-whep-relay+json';

/** The longest a relayed request may wait in the broker (MQTT 5 message expiry, seconds). */
export const RELAY_MAX_EXPIRY_SECONDS = 10;
/** Skew tolerated between the centre's and the device's clocks on `issuedAt`. */
export const RELAY_CLOCK_SKEW_MS = 5_000;
/** Upper bound of a relayed body (an offer, a trickle fragment, an answer). */
export const RELAY_MAX_BODY_BYTES = 32_768;

/**
 * What a relayed request asks of the device's WHEP service, one name per route of its local HTTP
 * face: `state` = GET /api/state (the viewer page's window state), `offer` = POST /whep, `trickle` =
 * PATCH and `end` = DELETE on /whep/<session>, `status` = GET /whep/<session> (live, or why it
 * ended), `outcome` = POST /whep/<session>/outcome (what the staff member saw on the look),
 * `fallback` = POST /fallback (the MPEG-1 fallback: the device admits the viewer, answers a one-time
 * ticket, and dials the centre's `mediaUrl` with its client certificate to carry the picture).
 */
export const RELAY_ROUTES = ['state', 'offer', 'trickle', 'end', 'status', 'outcome', 'fallback'] as const;
export type RelayRoute = (typeof RELAY_ROUTES)[number];

/** 128 random bits or more, base64url: request ids and WHEP session ids alike. */
export const opaqueIdSchema = z.string().regex(/^[A-Za-z0-9_-]{22,64}$/, 'expected an opaque id');

export const relayIceServerSchema = z.strictObject({
  urls: z
    .array(z.string().regex(/^(stun|turns?):[^\s<>"]{1,200}$/, 'expected a stun:, turn: or turns: URL'))
    .min(1)
    .max(4),
  username: z.string().max(128).optional(),
  credential: z.string().max(128).optional(),
});
export type RelayIceServer = z.infer<typeof relayIceServerSchema>;

export const whepRelayRequestSchema = z.strictObject({
  /** Also the MQTT correlation data. */
  id: opaqueIdSchema,
  /** The device this request is for: a request copied onto another device's topic is refused. */
  deviceId: z.string().regex(TOPIC_ID),
  /** The centre instance that waits for the answer (the last level of the response topic). */
  instanceId: z.string().regex(TOPIC_ID),
  /** Epoch milliseconds on the centre's clock. */
  issuedAt: z.number().int().positive(),
  route: z.enum(RELAY_ROUTES),
  /** The WHEP session a trickle, end or outcome acts on. */
  sessionId: opaqueIdSchema.optional(),
  contentType: z.string().max(128).optional(),
  ifMatch: z.string().max(128).optional(),
  body: z.string().max(RELAY_MAX_BODY_BYTES),
  /** The staff token exactly as the viewer presented it (or as the centre minted it for a look). */
  token: z.string().max(8192).optional(),
  /** TURN servers with credentials minted for this look: the device gathers relay candidates too. */
  iceServers: z.array(relayIceServerSchema).max(4).optional(),
  /**
   * `fallback` only: the WebSocket the device dials out to with its client certificate (this
   * centre instance's device-facing listener), so the picture reaches the instance the viewer is on.
   */
  mediaUrl: z
    .string()
    .regex(/^wss:\/\/[^\s<>"]{1,200}$/, 'expected a wss:// URL')
    .optional(),
});
export type WhepRelayRequest = z.infer<typeof whepRelayRequestSchema>;

/** Reply headers that cross the relay; anything else the device sets stays on the device. */
export const RELAY_REPLY_HEADERS = [
  'content-type',
  'location',
  'etag',
  'link',
  'retry-after',
  'www-authenticate',
  'nattsyn-session-until',
  'nattsyn-session-remaining-ms',
] as const;
export type RelayReplyHeader = (typeof RELAY_REPLY_HEADERS)[number];

export const whepRelayResponseSchema = z.strictObject({
  id: opaqueIdSchema,
  status: z.number().int().min(200).max(599),
  headers: z.partialRecord(z.enum(RELAY_REPLY_HEADERS), z.string().max(4096)),
  body: z.string().max(RELAY_MAX_BODY_BYTES),
});
export type WhepRelayResponse = z.infer<typeof whepRelayResponseSchema>;

/** Why a device refused a relayed request before it reached the WHEP service (audited). */
export const RELAY_REFUSAL_CODES = [
  'relay_unsigned',
  'relay_malformed',
  'relay_wrong_device',
  'relay_expired',
  'relay_replayed',
  'relay_retained',
  'relay_bad_response_topic',
] as const;
export type RelayRefusalCode = (typeof RELAY_REFUSAL_CODES)[number];
