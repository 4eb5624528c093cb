/**
 * The storage port (a durable folder of named text files) and the one durable append log over it,
 * under both the audit log (policy/audit/log.ts: hash-chained, rotated in segments) and the event
 * queue (health/events.ts: one file, compacted): JSON lines numbered by `seq`, appended one at a time and fsynced before the append resolves, a torn last line (a crash
 * mid-write) cut off on recovery and never counted, an append that failed cut back out, and a
 * durable cursor of the last record the centre acknowledged. What a record holds, how files are
 * named, rotated and trimmed is each user's.
 */
import { Emitter } from './emitter.ts';

/**
 * The storage port: a small durable folder of named text files, appended to or replaced atomically.
 * `append` and `writeAtomic` resolve only once the data is on stable storage (fsync). FsStore
 * (fsStore.ts) is the real one; tests use an in-memory store and a fault-injecting wrapper.
 */
export interface DurableStore {
  /** File names in the folder that start with `prefix`, sorted. */
  list(prefix: string): Promise<string[]>;
  /** The whole file, or undefined when it does not exist. */
  read(name: string): Promise<string | undefined>;
  append(name: string, text: string): Promise<void>;
  /** Cuts a file to `bytes` bytes (crash recovery, and undoing a failed append). */
  truncate(name: string, bytes: number): Promise<void>;
  /** Replaces a file atomically: temp file, fsync, rename, fsync of the folder. */
  writeAtomic(name: string, text: string): Promise<void>;
  remove(name: string): Promise<void>;
}

export interface Sequenced {
  seq: number;
}

const encoder = new TextEncoder();
export const utf8Length = (text: string): number => encoder.encode(text).length;

/** Complete lines of a file; a last line without its newline is a torn write, never committed. */
export function splitLines(text: string): { lines: string[]; tornBytes: number } {
  const end = text.lastIndexOf('\n') + 1;
  const lines = text.slice(0, end).split('\n');
  lines.pop();
  return { lines, tornBytes: utf8Length(text.slice(end)) };
}

export class AppendLog<R extends Sequenced> {
  readonly store: DurableStore;
  readonly #cursorFile: string;
  readonly #appended = new Emitter<[R]>();
  #queue: Promise<unknown> = Promise.resolve();

  constructor(store: DurableStore, cursorFile: string) {
    this.store = store;
    this.#cursorFile = cursorFile;
  }

  /** Runs steps one at a time, in call order (appends never interleave); a failure stays the caller's. */
  serial<T>(step: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(step);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** A file's committed records and byte length, a torn last line cut off the file first. */
  async recover(file: string): Promise<{ records: R[]; bytes: number; tornBytes: number }> {
    const text = (await this.store.read(file)) ?? '';
    const { lines, tornBytes } = splitLines(text);
    const bytes = utf8Length(text) - tornBytes;
    if (tornBytes > 0) await this.store.truncate(file, bytes);
    return { records: lines.map((l) => JSON.parse(l) as R), bytes, tornBytes };
  }

  /** The committed records of a file (a torn last line is left for `recover`). */
  async read(file: string): Promise<R[]> {
    return splitLines((await this.store.read(file)) ?? '').lines.map((l) => JSON.parse(l) as R);
  }

  /** Appends one record as a line, durable when this resolves; returns the line's bytes. */
  async append(file: string, record: R): Promise<number> {
    const line = `${JSON.stringify(record)}\n`;
    await this.store.append(file, line);
    return utf8Length(line);
  }

  /** After a failed write: cuts the file back to what was committed (best effort: recovery repeats it). */
  async undo(file: string, bytes: number): Promise<void> {
    await this.store.truncate(file, bytes).catch(() => undefined);
  }

  /** Called after every durable append (the outbox listens). Returns an unsubscribe. */
  onAppend(listener: (record: R) => void): () => void {
    return this.#appended.on(listener);
  }

  announce(record: R): void {
    this.#appended.emit(record);
  }

  /** The last `seq` the monitoring centre acknowledged (0 when none). */
  async deliveredSeq(): Promise<number> {
    const text = await this.store.read(this.#cursorFile);
    return text === undefined ? 0 : Number((JSON.parse(text) as Partial<Sequenced>).seq) || 0;
  }

  /** Moves the durable cursor; `point` may carry more than `seq` (the audit log keeps the hash). */
  async markDelivered(point: Sequenced & Record<string, unknown>): Promise<void> {
    await this.store.writeAtomic(this.#cursorFile, JSON.stringify(point));
  }
}
