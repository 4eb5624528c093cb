/** The real hash and NTP-sync probe behind the policy core's interfaces (the real time: time.ts). */
import { createHash } from 'node:crypto';
import { access, readFile } from 'node:fs/promises';

/** SHA-256 of UTF-8 text, lower-case hex (the policy core's `Sha256Hex`). */
export const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

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

/** The software version, from package.json (announced in `info`). */
export async function softwareVersion(): Promise<string> {
  const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}
