/**
 * What the policy core needs from the world, as interfaces: the composition root passes the real
 * implementations (src/platform), tests pass in-memory ones.
 */

/** SHA-256 of UTF-8 text, lower-case hex. */
export type Sha256Hex = (text: string) => string;

/**
 * A small durable folder for the audit log: named text files, appended to or replaced atomically.
 * `append` and `writeAtomic` resolve only once the data is on stable storage (fsync).
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
