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
