/** The real hash and NTP-sync probe behind the policy core's interfaces (the real time: systemTime.ts). */
import { createHash } from 'node:crypto';
import { access } from 'node:fs/promises';
import type { Sha256Hex } from '../policy/index.ts';

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
