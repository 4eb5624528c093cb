/**
 * The service unit's sandbox, as systemd itself scores and parses it (issue 5): exposure at most 2.0,
 * only camera, media, DMA-heap, VCHIQ and GPIO devices, never sound.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const UNIT = path.resolve('systemd/nattsyn.service');

async function analyze(unit: string): Promise<{ exposure: number; table: string }> {
  const { stdout } = await run('systemd-analyze', ['security', '--offline=true', '--no-pager', unit], {
    env: { ...process.env, SYSTEMD_COLORS: '0' },
  }).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }));
  const m = /Overall exposure level for \S+: (\d+(?:\.\d+)?)/.exec(stdout);
  if (!m) throw new Error(`no exposure line in systemd-analyze output:\n${stdout}`);
  return { exposure: Number(m[1]), table: stdout };
}

/** The devices systemd's own parser put in the unit's ACL, e.g. ["char-video4linux:rw", ...]. */
function deviceAcl(table: string): string[] {
  const row = table.split('\n').find((l) => /^\S+\s+DeviceAllow=/.test(l));
  const m = row && /special devices: (.*?)\s+\d+(\.\d+)?\s*$/.exec(row);
  return m ? m[1]!.split(/\s+/) : [];
}

const directives = (text: string, key: string): string[] =>
  text
    .split('\n')
    .filter((l) => l.startsWith(`${key}=`))
    .map((l) => l.slice(key.length + 1).trim());

describe('systemd/nattsyn.service', () => {
  it('scores an exposure of 2.0 or lower in systemd-analyze security', async () => {
    const { exposure } = await analyze(UNIT);
    expect(exposure).toBeLessThanOrEqual(2.0);
  });

  it('is scored as unsafe when the sandbox is missing, so the score check can fail', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'nattsyn-unit-'));
    try {
      const bare = path.join(dir, 'bare.service');
      await writeFile(bare, '[Service]\nExecStart=/opt/nattsyn/node/bin/node /opt/nattsyn/src/cli.ts run\n');
      expect((await analyze(bare)).exposure).toBeGreaterThan(2.0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('allows only camera, media, DMA-heap, VCHIQ and GPIO devices and never a sound device', async () => {
    const { table } = await analyze(UNIT);
    const acl = deviceAcl(table);
    expect(acl).toContain('char-video4linux:rw');
    expect(acl).toContain('char-gpiochip:rw');
    const allowed = /^(char-(video4linux|media|dma_heap|vchiq|gpiochip|rtc)|\/dev\/vchiq):r?w?$/;
    expect(acl.filter((d) => !allowed.test(d))).toEqual([]);
    const text = await readFile(UNIT, 'utf8');
    const settings = text.split('\n').filter((l) => !l.startsWith('#'));
    expect(settings.filter((l) => /snd|sound|alsa/i.test(l))).toEqual([]);
    expect(directives(text, 'DevicePolicy')).toEqual(['closed']);
  });

  it('does not restart on a config error (exit 2), so an unregistered device keeps its start limit', async () => {
    const text = await readFile(UNIT, 'utf8');
    expect(directives(text, 'RestartPreventExitStatus').flatMap((v) => v.split(/\s+/))).toContain('2');
  });

  it('keeps what V8 and the camera need: no MemoryDenyWriteExecute, no PrivateDevices', async () => {
    const text = await readFile(UNIT, 'utf8');
    expect(directives(text, 'MemoryDenyWriteExecute')).toEqual([]);
    expect(directives(text, 'PrivateDevices')).toEqual([]);
  });

  it('runs the TypeScript sources as the nattsyn user under the notify watchdog, restarted with a limit', async () => {
    const text = await readFile(UNIT, 'utf8');
    expect(directives(text, 'Type')).toEqual(['notify']);
    expect(directives(text, 'WatchdogSec')).toHaveLength(1);
    expect(directives(text, 'Restart')).toEqual(['always']);
    expect(directives(text, 'StartLimitBurst')).toHaveLength(1);
    expect(directives(text, 'User')).toEqual(['nattsyn']);
    expect(directives(text, 'SupplementaryGroups')).toEqual(['video gpio']);
    expect(directives(text, 'CapabilityBoundingSet')).toEqual(['']);
    expect(directives(text, 'ExecStart')).toEqual([
      '/opt/nattsyn/node/bin/node --max-semi-space-size=1 --v8-pool-size=1 /opt/nattsyn/dist/nattsyn.mjs run --config /etc/nattsyn/config.json',
    ]);
    expect(directives(text, 'Environment')).toContain('MALLOC_ARENA_MAX=2');
  });
});

describe('systemd/nattsyn-centre.service', () => {
  const CENTRE = path.resolve('systemd/nattsyn-centre.service');

  it('scores an exposure of 2.0 or lower in systemd-analyze security', async () => {
    const { exposure } = await analyze(CENTRE);
    expect(exposure).toBeLessThanOrEqual(2.0);
  });

  it('runs the centre verb with no device at all, no capabilities and no restart on a config error', async () => {
    const text = await readFile(CENTRE, 'utf8');
    expect(directives(text, 'ExecStart')).toEqual([
      '/opt/nattsyn/node/bin/node /opt/nattsyn/dist/nattsyn.mjs centre --config /etc/nattsyn/centre.json',
    ]);
    expect(directives(text, 'PrivateDevices')).toEqual(['yes']);
    expect(directives(text, 'CapabilityBoundingSet')).toEqual(['']);
    expect(directives(text, 'RestartPreventExitStatus')).toContain('2');
    expect(directives(text, 'MemoryDenyWriteExecute')).toEqual([]);
  });
});
