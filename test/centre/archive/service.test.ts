/**
 * The device exactly as `nattsyn run` starts it (startService: composition root, config file,
 * identity key, synthetic camera idle for want of a policy) delivering its audit trail into the
 * archive through faults: the broker restarted while records are appended, the archive killed with
 * SIGKILL and restarted, the device itself stopped and started again. Afterwards the archive holds
 * every record once, verified, nothing suspect; the device's cursor names the last one; and
 * `nattsyn audit verify` passes the device's log against the checkpoint it signed on the way out.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareDemoState } from '../../../src/cli/demoState.ts';
import { main } from '../../../src/cli.ts';
import { configSchema, loadConfig } from '../../../src/config.ts';
import { silentLogger } from '../../../src/log.ts';
import { type RunningService, startService } from '../../../src/main.ts';
import { DATABASE_KINDS, type DatabaseFixture, databaseFixture } from '../../support/archiveDb.ts';
import { type Child, startChild } from '../../support/child.ts';
import { type Broker, startMosquitto } from '../../support/mosquitto.ts';
import { until } from '../../support/until.ts';
import { archiveConfig, chainOf, range, reader } from './harness.ts';

const ARCHIVE_CHILD = 'test/support/archiveChild.ts';

describe.each(DATABASE_KINDS)(
  'the device as nattsyn run starts it, into the archive on %s through faults',
  (kind) => {
    let broker: Broker;
    let fixture: DatabaseFixture;
    let stateDir: string;
    const cleanups: Array<() => Promise<unknown>> = [];

    beforeAll(async () => {
      broker = await startMosquitto({ persistence: true });
      fixture = await databaseFixture(kind);
      stateDir = await mkdtemp(join(tmpdir(), 'nattsyn-run-archive-'));
    });
    afterAll(async () => {
      for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
      await broker.dispose();
      await fixture.dispose();
      await rm(stateDir, { recursive: true, force: true });
    });

    it('loses_no_record_and_stores_none_twice_through_broker_restart_archive_kill_and_device_restart', async () => {
      // A registered device: its identity key signs the audit checkpoints.
      const { privateKey } = generateKeyPairSync('ed25519');
      await writeFile(join(stateDir, 'identity.key'), privateKey.export({ type: 'pkcs8', format: 'pem' }), {
        mode: 0o600,
      });
      const demo = await prepareDemoState(stateDir, new Date(), {
        mqtt: { url: broker.url, backoff: { initialMs: 100, maxMs: 400 }, auditAckWaitMs: 1000 },
        stream: { port: 0 },
        log: { level: 'silent' },
      });
      const database = await fixture.fresh();
      const archive = (): Child => {
        const child = startChild(ARCHIVE_CHILD, {
          url: broker.url,
          config: archiveConfig(database, { clientId: 'archive-run' }),
        });
        cleanups.push(() => child.kill9());
        return child;
      };
      const start = async () => startService(await loadConfig(demo.configFile, configSchema), silentLogger);
      let first = archive();
      await first.line(/^ready$/);
      let service: RunningService = await start();
      cleanups.push(() => service.stop());
      const append = async (n: number) => {
        for (let i = 0; i < n; i++)
          await service.audit.append({ type: 'deny', actor: `staff-${i % 7}`, code: 'outside_window' });
      };
      const db = await reader(database);
      cleanups.push(() => db.close());
      const verifiedSeq = async () => (await chainOf(db, demo.deviceId)).verifiedSeq;

      await append(300);
      await broker.stop();
      await append(300);
      const restarted = performance.now();
      await broker.start();
      await until(async () => (await verifiedSeq()) === service.audit.last.seq, 'complete after the restart');
      const brokerRestartToCompleteMs = Math.round(performance.now() - restarted);

      const appending = append(600);
      await until(async () => (await verifiedSeq()) >= 800, 'records archived');
      await first.kill9();
      await appending;
      first = archive();
      await first.line(/^ready$/);
      await until(async () => (await verifiedSeq()) === service.audit.last.seq, 'complete after the kill');

      await service.stop();
      service = await start();
      await append(100);
      const last = service.audit.last.seq;
      await until(async () => (await verifiedSeq()) === last, 'complete after the device restart');
      await until(
        async () =>
          Number(JSON.parse(await readFile(join(stateDir, 'audit.cursor.json'), 'utf8')).seq) === last,
        'the device holding the last ack',
      );
      await service.stop();

      const chain = await chainOf(db, demo.deviceId);
      const figures = {
        appended: last,
        archived: chain.seqs.length,
        lost: last - chain.verified,
        suspects: chain.suspects,
        brokerRestartToCompleteMs,
        database: kind,
      };
      console.log(JSON.stringify(figures));
      expect(chain.seqs).toEqual(range(last));
      expect(chain).toMatchObject({ verified: last, verifiedSeq: last, suspects: 0, alarms: 0 });
      expect(figures.lost).toBe(0);

      const out: string[] = [];
      const io = { out: (t: string) => out.push(t), err: (t: string) => out.push(t) };
      expect(await main(['audit', 'verify', '--state', stateDir], io)).toBe(0);
      expect(out.join('')).toContain(`signed checkpoint at seq ${last}`);
    }, 240_000);
  },
);
