/**
 * WHEP resource URLs handed out by the centre: `<face>/whep/<sessionId>.<tag>`, where the face is
 * `/d/<deviceId>` (a token-holding viewer) or `/round/look/<deviceId>` (the round). The tag
 * (HMAC with a key every instance derives from the shared secret) binds the device's session id to
 * the device, so any instance can route a PATCH or DELETE without remembering anything, and a
 * forged or altered URL is answered 404 without disturbing the device.
 */
import { opaqueIdSchema } from '../../protocol/index.ts';
import type { Tagger } from '../keys/index.ts';

export class SessionUrls {
  readonly #tagger: Tagger;

  constructor(tagger: Tagger) {
    this.#tagger = tagger;
  }

  /**
   * The last segment of the centre's Location for the device's `/whep/<sessionId>`:
   * `<sessionId>.<tag>`; undefined for anything else.
   */
  handleFor(deviceId: string, deviceLocation: string | undefined): string | undefined {
    const m = /^\/whep\/([A-Za-z0-9_-]+)$/.exec(deviceLocation ?? '');
    const sessionId = m?.[1];
    if (sessionId === undefined || !opaqueIdSchema.safeParse(sessionId).success) return undefined;
    return `${sessionId}.${this.#tagger.tag(deviceId, sessionId)}`;
  }

  /** The device's session id behind a handle this centre issued for this device. */
  open(deviceId: string, handle: string): string | undefined {
    const dot = handle.lastIndexOf('.');
    if (dot < 0) return undefined;
    const sessionId = handle.slice(0, dot);
    if (!opaqueIdSchema.safeParse(sessionId).success) return undefined;
    return this.#tagger.verify(handle.slice(dot + 1), deviceId, sessionId) ? sessionId : undefined;
  }
}
