/** One archive test's world: a real mosquitto, a real database, archives and device-like publishers. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type ArchiveDatabaseConfig,
  AuditArchive,
  archiveConfigSchema,
  openDatabase,
  type SqlDatabase,
} from '../../../src/centre/archive/index.ts';
import { silentLogger } from '../../../src/platform/ports.ts';
import { AuditDevice } from '../../support/auditDevice.ts';
import type { Broker } from '../../support/mosquitto.ts';

export interface ArchiveOptions {
  clientId?: string;
  sessionExpirySeconds?: number;
}

export function archiveConfig(database: ArchiveDatabaseConfig, o: ArchiveOptions = {}) {
  return {
    database,
    mqtt: {
      clientId: o.clientId ?? 'archive-a',
      sessionExpirySeconds: o.sessionExpirySeconds ?? 600,
      reconnectMs: 200,
    },
    gapGraceMs: 200,
    resendIntervalMs: 500,
  };
}

export async function startArchive(broker: Broker, database: ArchiveDatabaseConfig, o: ArchiveOptions = {}) {
  const archive = new AuditArchive({
    config: archiveConfigSchema.parse(archiveConfig(database, o)),
    mqtt: { url: broker.url },
    log: silentLogger,
    clock: { now: () => Date.now() },
  });
  await archive.start();
  await archive.ready();
  return archive;
}

export class DeviceFarm {
  readonly #dirs: string[] = [];
  readonly #devices: AuditDevice[] = [];

  async stateDir(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'nattsyn-device-'));
    this.#dirs.push(dir);
    return dir;
  }

  async device(
    broker: Broker,
    deviceId: string,
    options: { ackTimeoutMs?: number; maxSegmentBytes?: number } = {},
  ) {
    const device = new AuditDevice({
      deviceId,
      url: broker.url,
      stateDir: await this.stateDir(),
      ackTimeoutMs: options.ackTimeoutMs ?? 1000,
      maxSegmentBytes: options.maxSegmentBytes ?? 16_384,
      keepSegments: 2,
    });
    await device.start();
    this.#devices.push(device);
    return device;
  }

  async dispose(): Promise<void> {
    for (const d of this.#devices) await d.stop();
    for (const dir of this.#dirs) await rm(dir, { recursive: true, force: true });
  }
}

/** A second connection to the archive's database, for the test's own reads. */
export async function reader(database: ArchiveDatabaseConfig): Promise<SqlDatabase> {
  return openDatabase(database);
}

export async function chainOf(db: SqlDatabase, deviceId: string) {
  const rows = await db.all('SELECT seq, status FROM audit_records WHERE device_id = ? ORDER BY seq', [
    deviceId,
  ]);
  const device = (await db.all('SELECT * FROM archive_devices WHERE device_id = ?', [deviceId]))[0];
  const suspects = Number((await db.all('SELECT COUNT(*) AS n FROM audit_suspects'))[0]?.n);
  const alarms = Number((await db.all('SELECT COUNT(*) AS n FROM archive_alarms'))[0]?.n);
  return {
    seqs: rows.map((r) => Number(r.seq)),
    verified: rows.filter((r) => r.status === 'verified').length,
    verifiedSeq: Number(device?.verified_seq ?? 0),
    suspects,
    alarms,
  };
}

export const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
