/**
 * Signed commands from the centre on `cmd/<name>`: a compact JWS by the pinned policy key with its
 * own `typ` (RFC 8725 §3.11, so neither a policy nor a staff token can pass for one), for this
 * device, unexpired, not seen before. Owns verification and the handler registry; a retained
 * command is never acted on (a stale order must not run on every reconnect).
 */
import type { KeyObject } from 'jose';
import { signJson, verifySignedJson } from '../policy/index.ts';
import type { ReasonCode } from '../reasons.ts';
import { type CommandBody, commandBodySchema } from './payloads.ts';

export const COMMAND_JWS_TYPE = 'nattsyn-cmd+json';
/** The longest a command may live, and the clock skew tolerated on `issuedAt`. */
export const MAX_COMMAND_LIFETIME_MS = 10 * 60_000;
export const COMMAND_SKEW_MS = 60_000;

export const COMMAND_REJECT_CODES = [
  'cmd_bad_signature',
  'cmd_malformed',
  'cmd_wrong_device',
  'cmd_wrong_name',
  'cmd_expired',
  'cmd_replayed',
  'cmd_unknown',
  'cmd_failed',
] as const satisfies readonly ReasonCode[];
export type CommandRejectCode = (typeof COMMAND_REJECT_CODES)[number];

export type CommandResult = Record<string, string | number | boolean>;
export type CommandHandler = (command: CommandBody) => Promise<CommandResult>;

export type CommandVerdict =
  | { ok: true; command: CommandBody }
  | { ok: false; code: CommandRejectCode; id?: string };

export interface CommandTrust {
  publicKey: KeyObject | CryptoKey;
  deviceId: string;
  now: number;
}

export async function verifyCommand(jws: string, name: string, trust: CommandTrust): Promise<CommandVerdict> {
  const parsed = await verifySignedJson(jws, {
    typ: COMMAND_JWS_TYPE,
    key: trust.publicKey,
    schema: commandBodySchema,
  });
  // an unparsable and a schema-refused command are the same to the centre: cmd_malformed
  if (!parsed.ok)
    return { ok: false, code: parsed.reason === 'bad_signature' ? 'cmd_bad_signature' : 'cmd_malformed' };
  const c = parsed.value;
  if (c.deviceId !== trust.deviceId) return { ok: false, code: 'cmd_wrong_device', id: c.id };
  if (c.name !== name) return { ok: false, code: 'cmd_wrong_name', id: c.id };
  const issued = Date.parse(c.issuedAt);
  const expiry = Date.parse(c.expiry);
  if (
    expiry <= trust.now ||
    issued > trust.now + COMMAND_SKEW_MS ||
    expiry - issued > MAX_COMMAND_LIFETIME_MS ||
    expiry < issued
  ) {
    return { ok: false, code: 'cmd_expired', id: c.id };
  }
  return { ok: true, command: c };
}

export async function signCommand(body: CommandBody, privateKey: KeyObject | CryptoKey): Promise<string> {
  return signJson(commandBodySchema.parse(body), COMMAND_JWS_TYPE, privateKey);
}

/** Handlers by command name; `ping` ships here, `selftest` is registered by the composition root. */
export class CommandRegistry {
  readonly #handlers = new Map<string, CommandHandler>();

  constructor() {
    this.register('ping', async () => ({ pong: true }));
  }

  register(name: string, handler: CommandHandler): () => void {
    this.#handlers.set(name, handler);
    return () => this.#handlers.delete(name);
  }

  get(name: string): CommandHandler | undefined {
    return this.#handlers.get(name);
  }

  names(): string[] {
    return [...this.#handlers.keys()].sort();
  }
}
