/**
 * TURN credentials in coturn's `use-auth-secret` scheme (the TURN REST API draft): the username is
 * `<expiry>:<look>`, the password base64(HMAC-SHA1(secret, username)). coturn refuses them after
 * the expiry, so a credential lives no longer than the look it was minted for. Minted only for a
 * request whose token the device has accepted; never announced to anyone else.
 */
import { createHmac } from 'node:crypto';
import type { RelayIceServer } from '../../protocol/index.ts';

export interface TurnMinterDeps {
  urls: readonly string[];
  secret: Buffer;
  ttlSeconds: number;
  now: () => number;
}

export class TurnMinter {
  readonly #d: TurnMinterDeps;

  constructor(deps: TurnMinterDeps) {
    this.#d = deps;
  }

  /** One credential for one look, expiring at the earlier of the ttl and `notAfterMs` (the token's end). */
  mint(look: string, notAfterMs?: number): RelayIceServer {
    const now = this.#d.now();
    const cap = now + this.#d.ttlSeconds * 1000;
    const expiryMs = notAfterMs === undefined ? cap : Math.max(now, Math.min(cap, notAfterMs));
    const username = `${Math.floor(expiryMs / 1000)}:${look}`;
    const credential = createHmac('sha1', this.#d.secret).update(username).digest('base64');
    return { urls: [...this.#d.urls], username, credential };
  }
}
