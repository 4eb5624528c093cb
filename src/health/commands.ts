/**
 * Signed commands from the centre on `cmd/<name>`: a compact JWS by the pinned policy key with its
 * own `typ` (RFC 8725 §3.11, so neither a policy nor a staff token can pass for one), for this
 * device, unexpired, not seen before. Owns verification, the handler registry and the durable
 * memory of commands already acted on; a retained command is never acted on (a stale order must not
 * run on every reconnect).
 */
import type { KeyObject } from 'jose';
import { type DurableStore, signJson, verifySignedJson } from '../policy/index.ts';
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

/**
 * The ids of signed commands already acted on, each kept until its command expires, in the state
 * directory: a command replayed after a restart within its lifetime is refused as `cmd_replayed`,
 * as it is before one (issue 13, item 8). An id is stored (fsync) before its command runs, so a
 * crash mid-command cannot make it runnable again. A file that cannot be read counts every id as
 * seen (a replayed `resume` must not undo a resident's pause) until every command it could have
 * held has expired; then it starts afresh.
 */
export const SEEN_COMMANDS_FILE = 'commands.seen.json';

/** After this long, no command stored before the file became unreadable can still be valid. */
const FORGET_UNREADABLE_MS = MAX_COMMAND_LIFETIME_MS + COMMAND_SKEW_MS;

export class SeenCommands {
  readonly #store: DurableStore | undefined;
  #ids: Map<string, number> | undefined;
  #unreadableSince: number | undefined;

  /** Without a store (tests of the inbound path alone) ids live in memory only. */
  constructor(store: DurableStore | undefined) {
    this.#store = store;
  }

  /** Whether `id` was acted on and has not expired at `now` (always, while the file is unreadable). */
  async has(id: string, now: number): Promise<boolean> {
    const ids = await this.#load(now);
    if (!ids) return true;
    const expiry = ids.get(id);
    return expiry !== undefined && expiry > now;
  }

  /** Remembers `id` until `expiry` (epoch ms), durably before it resolves; forgets expired ids. */
  async remember(id: string, expiry: number, now: number): Promise<void> {
    const ids = (await this.#load(now)) ?? new Map<string, number>();
    for (const [seen, until] of ids) if (until <= now) ids.delete(seen);
    ids.set(id, expiry);
    await this.#store?.writeAtomic(SEEN_COMMANDS_FILE, JSON.stringify(Object.fromEntries(ids)));
    this.#ids = ids;
    this.#unreadableSince = undefined;
  }

  async #load(now: number): Promise<Map<string, number> | undefined> {
    if (this.#ids) return this.#ids;
    try {
      this.#ids = parse(await this.#store?.read(SEEN_COMMANDS_FILE));
      this.#unreadableSince = undefined;
      return this.#ids;
    } catch {
      this.#unreadableSince ??= now;
      return now - this.#unreadableSince >= FORGET_UNREADABLE_MS ? new Map() : undefined;
    }
  }
}

function parse(text: string | undefined): Map<string, number> {
  const stored: unknown = text === undefined ? {} : JSON.parse(text);
  if (typeof stored !== 'object' || stored === null || Array.isArray(stored)) {
    throw new TypeError('the seen-commands file is not a map');
  }
  return new Map(Object.entries(stored).filter((e): e is [string, number] => typeof e[1] === 'number'));
}
