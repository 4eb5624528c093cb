/**
 * The device as the archive's tests and bench meet it: the device's own health service (its MQTT
 * link, outbox, audit delivery, event queue, reporter and inbound handler, exactly as `nattsyn run`
 * assembles them) over its real AuditLog on a real FsStore, speaking MQTT 5 to a real broker. Only
 * access control is the suite's stand-in (FakeAccess) and the inventory a fixed one, neither of
 * which takes part in delivery. What the archive relies on (docs/centre.md, "What the device does")
 * is therefore the product's behaviour, not a test double's:
 * - every record stays until the archive's `audit/ack` names it with this device's own hash;
 * - after every (re)connect the device sends again from the ack;
 * - on `audit/resend {fromSeq}` it sends again from there (never below the ack);
 * - when records went out but no ack moved for a while, it sends again from the ack, waiting longer
 *   each time until an ack moves.
 */

import { EventEmitter } from 'node:events';
import { generateKeyPair } from 'jose';
import { healthConfigSchema, mqttConfigSchema } from '../../src/health/config.ts';
import type { Inventory } from '../../src/health/inventory.ts';
import { HealthService } from '../../src/health/service.ts';
import { FsStore } from '../../src/platform/fsStore.ts';
import { sha256Hex } from '../../src/platform/system.ts';
import { systemTime } from '../../src/platform/time.ts';
import { AuditLog } from '../../src/policy/index.ts';
import { FakeAccess } from '../fixtures/access.ts';
import { nightEntry } from './auditRecords.ts';
import { until } from './until.ts';

export interface AuditDeviceOptions {
  deviceId: string;
  url: string;
  stateDir: string;
  /** First wait for an ack before sending again; doubles up to 8× while no ack moves. */
  ackTimeoutMs: number;
  maxSegmentBytes?: number;
  keepSegments?: number;
}

const INVENTORY: Inventory = {
  model: 'test board',
  serial: 'unknown',
  os: { distro: 'Debian', release: '12', kernel: '6.1', arch: 'x64' },
  memoryBytes: 1 << 30,
  network: [],
};

export class AuditDevice extends EventEmitter {
  readonly log: AuditLog;
  readonly #o: AuditDeviceOptions;
  #service: HealthService | undefined;
  #acked = 0;
  #watch: ReturnType<typeof setInterval> | undefined;

  constructor(options: AuditDeviceOptions) {
    super();
    this.#o = options;
    this.log = new AuditLog(
      { store: new FsStore(options.stateDir), sha256: sha256Hex, time: systemTime },
      { maxSegmentBytes: options.maxSegmentBytes ?? 1 << 20, keepSegments: options.keepSegments ?? 32 },
    );
  }

  get service(): HealthService {
    if (!this.#service) throw new Error('the device is not started');
    return this.#service;
  }

  /** The acknowledgement as the device holds it: its durable cursor, read from the state directory. */
  get acked(): number {
    return this.#acked;
  }

  get retransmits(): number {
    return this.service.parts.outbox.audit.retransmits ?? 0;
  }

  get resendRequests(): number {
    return this.service.parts.outbox.audit.resendRequests ?? 0;
  }

  async start(): Promise<void> {
    await this.log.open();
    const { deviceId, stateDir, url, ackTimeoutMs } = this.#o;
    const policyKey = (await generateKeyPair('EdDSA')).publicKey;
    const service = new HealthService({
      deviceId,
      softwareVersion: '0.1.0-test',
      mqtt: mqttConfigSchema.parse({
        url,
        backoff: { initialMs: 100, maxMs: 400 },
        auditAckWaitMs: ackTimeoutMs,
        auditAckWaitMaxMs: 8 * ackTimeoutMs,
      }),
      health: healthConfigSchema.parse({}),
      store: new FsStore(stateDir),
      stateDir,
      audit: this.log,
      access: new FakeAccess({ deviceId, policyKey, audit: this.log }),
      policyKey,
      assumeClockSynced: true,
      inventory: async () => INVENTORY,
    });
    this.#service = service;
    await service.start();
    this.#acked = await this.log.deliveredSeq();
    // What the device keeps on disk, not what it says in memory: read the cursor file as it moves.
    this.#watch = setInterval(() => {
      void this.log.deliveredSeq().then(
        (seq) => {
          if (seq <= this.#acked) return;
          this.#acked = seq;
          this.emit('ack', seq);
        },
        () => undefined,
      );
    }, 50);
    await until(() => service.link.online, `${deviceId} online`, 15_000);
  }

  /** Appends `count` records, each fsynced; the device sends them as it does any record. */
  async append(count: number, paceMs = 0): Promise<void> {
    for (let i = 0; i < count; i++) {
      await this.log.append(nightEntry(this.log.last.seq));
      if (paceMs > 0) await new Promise((resolve) => setTimeout(resolve, paceMs));
    }
  }

  async stop(): Promise<void> {
    if (this.#watch) clearInterval(this.#watch);
    this.#watch = undefined;
    const service = this.#service;
    this.#service = undefined;
    await service?.stop();
  }
}
