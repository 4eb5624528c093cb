/** The real clock, hash and NTP-sync probe behind the policy core's interfaces. */
import { createHash } from 'node:crypto';
import { access } from 'node:fs/promises';
import type { Clock, EpochMillis, Millis, Sha256Hex } from '../policy/index.ts';

export const systemClock: Clock = {
  now: () => Date.now() as EpochMillis,
  monotonic: () => performance.now() as Millis,
};

export const sha256Hex: Sha256Hex = (text) => createHash('sha256').update(text, 'utf8').digest('hex');

/** systemd-timesyncd creates this file once the clock has been synchronised (the Pi has no RTC). */
export const TIMESYNC_FLAG = '/run/systemd/timesync/synchronized';

/** Reads whether the clock is synced. `assume` overrides for machines without timesyncd (demo, CI). */
export function timesyncProbe(flagFile: string): () => Promise<boolean> {
  return () =>
    access(flagFile).then(
      () => true,
      () => false,
    );
}
