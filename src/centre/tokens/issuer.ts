/**
 * Mints the staff token for one look, at the tap: `sub` the staff id from the IdP, `aud` the one
 * device, a fresh `jti`, and a lifetime that ends at the window's end and lasts at most 10 min.
 * The token goes with the relayed request and never to the browser; the browser gets a look handle
 * from which any centre instance re-mints the same token for the look's PATCH and DELETE.
 */
import { type CryptoKey, importPKCS8, type KeyObject } from 'jose';
import { NattsynError, UsageError } from '../../errors.ts';
import { nodeSecretFs, readSecretFile, type SecretFs } from '../../platform/startupFiles.ts';
import type { CentreKey } from '../keys/index.ts';
import type { StaffTokensConfig } from './lookToken.ts';
import { type LookClaims, LookHandles, type LookScope, type SigningKey, signLookToken } from './lookToken.ts';

export interface StaffTokenIssuerOptions {
  config: StaffTokensConfig;
  centreKey: CentreKey;
  now: () => number;
  randomId: () => string;
  fs?: SecretFs;
}

export interface LookRequest {
  staffId: string;
  deviceId: string;
  scope: LookScope;
  /** Required for `emergency`: why the look is needed. */
  reason?: string | undefined;
  /** The end of the window the look falls in (epoch ms); the token ends no later. */
  until: number;
}

export interface MintedLook {
  token: string;
  handle: string;
  claims: LookClaims;
}

const MAX_REASON = 200;

export class StaffTokenIssuer {
  readonly #o: StaffTokenIssuerOptions;
  readonly #handles: LookHandles;
  #key: SigningKey | undefined;

  constructor(options: StaffTokenIssuerOptions) {
    this.#o = options;
    this.#handles = new LookHandles(options.centreKey);
  }

  /** Reads the issuer key; refused unless its file mode is 0600 or stricter and it is Ed25519. */
  async start(): Promise<void> {
    const { privateKeyFile, issuer, keyId } = this.#o.config;
    const pem = (await readSecretFile(privateKeyFile, 'owner-only', this.#o.fs ?? nodeSecretFs)).toString(
      'utf8',
    );
    let privateKey: KeyObject | CryptoKey;
    try {
      privateKey = await importPKCS8(pem, 'EdDSA');
    } catch {
      throw new UsageError(`${privateKeyFile}: not an Ed25519 private key (PKCS#8 PEM)`);
    }
    this.#key = { issuer, keyId, privateKey };
  }

  async stop(): Promise<void> {
    this.#key = undefined;
  }

  async mint(look: LookRequest): Promise<MintedLook> {
    const key = this.#signingKey();
    const iat = Math.floor(this.#o.now() / 1000);
    const exp = Math.min(iat + this.#o.config.maxLifetimeSeconds, Math.floor(look.until / 1000));
    if (exp <= iat) throw new NattsynError('outside_window', 'The window has closed.');
    const reason = look.reason?.trim() || undefined;
    if (look.scope === 'emergency' && !reason)
      throw new NattsynError('reason_required', 'An emergency look needs a reason.');
    if (reason && reason.length > MAX_REASON)
      throw new NattsynError('reason_too_long', `A reason has at most ${MAX_REASON} characters.`, {});
    const claims: LookClaims = {
      sub: look.staffId,
      aud: look.deviceId,
      jti: this.#o.randomId(),
      iat,
      exp,
      scope: look.scope,
      ...(reason ? { reason } : {}),
    };
    const token = await signLookToken(claims, key);
    return { token, handle: await this.#handles.sign(claims, key.keyId), claims };
  }

  /**
   * The token of a look the centre minted earlier (byte-identical), for the same staff and device.
   * `graceMs` lets a look's status and outcome be asked a while after its token ended (a look cut
   * at the window's end is asked why, then given its outcome); the device applies its own limit.
   */
  async remint(
    handle: string,
    expected: { staffId: string; deviceId: string },
    options: { graceMs?: number } = {},
  ): Promise<string> {
    const key = this.#signingKey();
    const opened = await this.#handles.open(handle);
    if (!opened || opened.claims.sub !== expected.staffId || opened.claims.aud !== expected.deviceId) {
      throw new NattsynError('look_handle_invalid', 'This look does not belong to you or this device.', {});
    }
    if (opened.keyId !== key.keyId)
      throw new NattsynError('look_handle_stale', 'The issuer key has changed; start a new look.', {});
    if (opened.claims.exp * 1000 + (options.graceMs ?? 0) <= this.#o.now())
      throw new NattsynError('token_expired', 'The look has ended.');
    return signLookToken(opened.claims, key);
  }

  #signingKey(): SigningKey {
    if (!this.#key) throw new NattsynError('not_started', 'The token issuer has not started.');
    return this.#key;
  }
}
