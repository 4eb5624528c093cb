/** Instants and durations in the policy core: plain numbers, branded so they are never mixed up. */
export type EpochMillis = number & { readonly __unit: 'epoch-ms' };
export type Millis = number & { readonly __unit: 'ms' };

export const epochMillis = (n: number): EpochMillis => n as EpochMillis;
export const millis = (n: number): Millis => n as Millis;
export const seconds = (n: number): Millis => (n * 1000) as Millis;
export const minutes = (n: number): Millis => (n * 60_000) as Millis;

/** Wall-clock source. Injected everywhere so tests drive time. */
export interface Clock {
  /** Wall-clock time (may jump when NTP steps it). */
  now(): EpochMillis;
  /** Monotonic milliseconds, for measuring durations and cutting sessions. */
  monotonic(): Millis;
}
