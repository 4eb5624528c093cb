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
