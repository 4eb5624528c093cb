/**
 * TURN credentials per look (coturn `use-auth-secret`; the scheme lives in src/protocol/turn.ts).
 * coturn refuses them after their expiry, so a credential lives no longer than the look it was
 * minted for. Minted only for a request whose token the device has accepted; never announced to
 * anyone else.
 */
import { createHmac } from 'node:crypto';
import { mintTurnCredential } from '../../protocol/turn.ts';
import type { RelayIceServer } from '../../protocol/whepRelay.ts';

export interface TurnMinterDeps {
  urls: readonly string[];
  /** coturn's `static-auth-secret`, as its file holds it. */
  secret: string;
  ttlSeconds: number;
  now: () => number;
}

const hmacSha1Base64 = (secret: string, message: string) =>
  createHmac('sha1', secret).update(message).digest('base64');

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
    const { username, credential } = mintTurnCredential(
      { session: look, expiresAt: Math.ceil(expiryMs / 1000) },
      this.#d.secret,
      hmacSha1Base64,
    );
    return { urls: [...this.#d.urls], username, credential };
  }
}
