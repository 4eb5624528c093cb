/**
 * What the policy core needs from the world, as interfaces: hashing, storage, and the time port's
 * branded units. The composition root passes the real implementations (src/platform), tests pass
 * in-memory ones.
 */

/** SHA-256 of UTF-8 text, lower-case hex. */
export type Sha256Hex = (text: string) => string;

/** The storage port the audit log writes through (one definition, in platform/appendLog.ts). */
export type { DurableStore } from '../platform/appendLog.ts';

/** Instants and durations in the policy core: the branded units of the one time port. */
export {
  type Clock,
  type EpochMillis,
  epochMillis,
  type Millis,
  type MonoMillis,
  millis,
  minutes,
  monoMillis,
  seconds,
} from '../platform/time.ts';
