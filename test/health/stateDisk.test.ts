/**
 * The device's state directory on a real file system that fills up or turns read-only (issue 9
 * items 1 and 3): a small tmpfs mounted by the test (we run as root) under the device's real health
 * service, a real mosquitto, and the device's clock driven by the test. Whatever the disk refuses,
 * health still goes out and names the problem, and the link keeps reconnecting.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { generateKeyPair } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { healthConfigSchema, mqttConfigSchema } from '../../src/health/config.ts';
import { HealthService } from '../../src/health/service.ts';
import { FsStore } from '../../src/platform/fsStore.ts';
import { sha256Hex } from '../../src/platform/system.ts';
import { AuditLog } from '../../src/policy/index.ts';
import { FakeAccess } from '../fixtures/access.ts';
import { ManualTime, settle } from '../fixtures/time.ts';
import { type Broker, startMosquitto } from '../support/mosquitto.ts';
import { until } from '../support/until.ts';
import { type Centre, startCentre } from './fixtures/centre.ts';

const run = promisify(execFile);
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

/** A 1 MiB tmpfs of the test's own, unmounted after the test. */
async function smallDisk(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'nattsyn-disk-'));
  await run('mount', ['-t', 'tmpfs', '-o', 'size=1m,mode=0700', 'tmpfs', dir]);
  cleanups.push(async () => {
    await run('umount', [dir]);
    await rm(dir, { recursive: true, force: true });
  });
  return dir;
}

/** Writes until the file system says ENOSPC; returns the filler's path. */
async function fill(dir: string): Promise<string> {
  const file = join(dir, 'filler');
  const handle = await open(file, 'w');
  const chunk = Buffer.alloc(4096, 1);
  try {
    for (;;) await handle.write(chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    await handle.close();
  }
  return file;
}

async function device(stateDir: string, broker: Broker, time: ManualTime) {
  const store = new FsStore(stateDir);
  const audit = new AuditLog({ store, sha256: sha256Hex, time });
  await audit.open();
  const keys = await generateKeyPair('EdDSA');
  const service = new HealthService({
    deviceId: 'dev-disk',
    softwareVersion: '0.1.0-test',
    mqtt: mqttConfigSchema.parse({ url: broker.url, backoff: { initialMs: 100, maxMs: 400 } }),
    health: healthConfigSchema.parse({ diskLowBytes: 256 * 1024 }),
    store,
    stateDir,
    audit,
    access: new FakeAccess({ deviceId: 'dev-disk', policyKey: keys.publicKey, audit, time }),
    policyKey: keys.publicKey,
    assumeClockSynced: true,
    inventory: async () => ({
      model: 'test board',
      serial: 'unknown',
      os: { distro: 'Debian', release: '12', kernel: '6.1', arch: 'x64' },
      memoryBytes: 1 << 30,
      network: [],
    }),
    random: () => 0,
    time,
  });
  await service.start();
  cleanups.push(() => service.stop());
  await until(() => service.link.online, 'online');
  return { service, audit };
}

async function world() {
  const broker = await startMosquitto();
  cleanups.push(() => broker.dispose());
  const centre: Centre = await startCentre(broker.url);
  cleanups.push(() => centre.stop());
  const disk = await smallDisk();
  const stateDir = join(disk, 'state');
  await mkdir(stateDir, { mode: 0o700 });
  const time = new ManualTime();
  return { broker, centre, disk, stateDir, time, ...(await device(stateDir, broker, time)) };
}

type Health = { problems: string[]; audit: { writable: boolean } };
const lastHealth = (centre: Centre) => centre.json('dev-disk/health').at(-1) as Health | undefined;

/** Lets the reconnect back-off run on the device's clock until the link is online again. */
async function reconnect(time: ManualTime, online: () => boolean): Promise<void> {
  while (!online()) {
    const next = await Promise.race([time.next('mqtt-reconnect'), settle(50).then(() => undefined)]);
    if (next && !online()) time.advance(next.inMs);
  }
}

describe('a state directory that fills up or turns read-only', () => {
  it('still_publishes_health_naming_disk_low_and_audit_unwritable_when_the_disk_is_full', async () => {
    const { centre, disk, time, audit } = await world();
    const filler = await fill(disk);
    await expect(audit.append({ type: 'deny', actor: 'staff-1', code: 'paused' })).rejects.toThrow();
    expect(audit.writable).toBe(false);
    await time.run(10_000);
    await centre.waitFor(() => lastHealth(centre)?.problems.includes('audit_unwritable') === true, 5000);
    expect(lastHealth(centre)).toMatchObject({
      problems: expect.arrayContaining(['disk_low', 'audit_unwritable']),
      audit: { writable: false },
    });
    // Space back: the next record is written and the problem clears.
    await rm(filler);
    await audit.append({ type: 'deny', actor: 'staff-1', code: 'paused' });
    await time.run(10_000);
    await centre.waitFor(() => lastHealth(centre)?.audit.writable === true, 5000);
    expect(lastHealth(centre)?.problems).not.toContain('audit_unwritable');
    expect(lastHealth(centre)?.problems).not.toContain('disk_low');
  });

  it('reconnects_after_a_broker_restart_while_the_disk_is_full_and_delivers_what_it_holds', async () => {
    const { broker, centre, disk, time, service, audit } = await world();
    await audit.append({ type: 'grant', actor: 'staff-1', sessionId: 's-1' });
    await fill(disk);
    await broker.stop();
    await broker.start();
    await reconnect(time, () => service.link.online);
    await centre.waitFor(
      (m) =>
        m.filter((x) => x.topic === 'nattsyn/v1/dev-disk/status' && x.text.includes('online')).length >= 2,
      5000,
    );
    await centre.waitFor((m) => m.some((x) => x.topic === 'nattsyn/v1/dev-disk/audit'), 5000);
  });

  it('names_audit_unwritable_on_a_read_only_state_directory_and_keeps_reconnecting', async () => {
    const { broker, centre, disk, time, service, audit } = await world();
    await run('mount', ['-o', 'remount,ro', disk]);
    await expect(audit.append({ type: 'deny', actor: 'staff-1', code: 'paused' })).rejects.toThrow();
    await time.run(10_000);
    await centre.waitFor(() => lastHealth(centre)?.problems.includes('audit_unwritable') === true, 5000);
    await broker.stop();
    await broker.start();
    await reconnect(time, () => service.link.online);
    await centre.waitFor(
      (m) =>
        m.filter((x) => x.topic === 'nattsyn/v1/dev-disk/status' && x.text.includes('online')).length >= 2,
      5000,
    );
    await run('mount', ['-o', 'remount,rw', disk]);
  });
});
