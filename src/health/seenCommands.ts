/**
 * The ids of signed commands already acted on, each kept until its command expires, in the state
 * directory: a command replayed after a restart within its lifetime is refused as `cmd_replayed`,
 * as it is before one (issue 13, item 8). An id is stored (fsync) before its command runs, so a
 * crash mid-command cannot make it runnable again. A file that cannot be read counts every id as
 * seen (a replayed `resume` must not undo a resident's pause) until every command it could have
 * held has expired; then it starts afresh.
 */
import type { DurableStore } from '../policy/index.ts';
import { COMMAND_SKEW_MS, MAX_COMMAND_LIFETIME_MS } from './commands.ts';

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
