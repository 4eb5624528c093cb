/**
 * A device-like publisher for the archive's tests: the device's real AuditLog on a real FsStore,
 * published over MQTT 5 following the contract the device must meet (docs/centre.md):
 * - keep every record until the archive's `audit/ack` names it (the log prunes only up to the
 *   acknowledged cursor, which is written only from an ack whose hash matches our own record);
 * - after every (re)connect, send again from the last acknowledgement;
 * - on `audit/resend {fromSeq}`, send again from there;
 * - when records went out but no ack moved for a while, send again from the ack (the broker may
 *   have dropped them past its queue), waiting longer each time until an ack moves.
 */

import { EventEmitter } from 'node:events';
import mqtt, { type MqttClient } from 'mqtt';
import { FsStore } from '../../src/platform/fsStore.ts';
import { sha256Hex } from '../../src/platform/system.ts';
import { systemTime } from '../../src/platform/time.ts';
import { AuditLog } from '../../src/policy/index.ts';
import { auditAckSchema, auditResendSchema, deviceTopics } from '../../src/protocol/index.ts';
import { nightEntry } from './auditRecords.ts';

export interface AuditDeviceOptions {
  deviceId: string;
  url: string;
  stateDir: string;
  /** First wait for an ack before sending again; doubles up to 8× while no ack moves. */
  ackTimeoutMs: number;
  /** Records published before awaiting their PUBACKs. */
  window?: number;
  maxSegmentBytes?: number;
  keepSegments?: number;
}

export class AuditDevice extends EventEmitter {
  readonly log: AuditLog;
  readonly #o: AuditDeviceOptions;
  #client: MqttClient | undefined;
  #acked = 0;
  #sent = 0;
  #pumping: Promise<void> | undefined;
  #again = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #wait: number;
  retransmits = 0;
  resendRequests = 0;

  constructor(options: AuditDeviceOptions) {
    super();
    this.#o = options;
    this.#wait = options.ackTimeoutMs;
    this.log = new AuditLog(
      { store: new FsStore(options.stateDir), sha256: sha256Hex, time: systemTime },
      { maxSegmentBytes: options.maxSegmentBytes ?? 1 << 20, keepSegments: options.keepSegments ?? 32 },
    );
  }

  get acked(): number {
    return this.#acked;
  }

  async start(): Promise<void> {
    await this.log.open();
    this.#acked = await this.log.deliveredSeq();
    const { deviceId } = this.#o;
    const client = mqtt.connect(this.#o.url, {
      protocolVersion: 5,
      clientId: deviceId,
      clean: true,
      reconnectPeriod: 200,
    });
    this.#client = client;
    client.on('error', () => undefined);
    client.on('message', (topic, payload) => void this.#onMessage(topic, payload.toString()));
    client.on('connect', () => {
      void client
        .subscribeAsync([deviceTopics(deviceId).auditAck, deviceTopics(deviceId).auditResend], { qos: 1 })
        .then(() => {
          this.#sent = this.#acked;
          this.#kick();
        });
    });
    await new Promise<void>((resolve) => client.once('connect', () => resolve()));
    this.#arm();
  }

  /** Appends `count` records (each fsynced) and sends them. */
  async append(count: number, paceMs = 0): Promise<void> {
    for (let i = 0; i < count; i++) {
      await this.log.append(nightEntry(this.log.last.seq));
      this.#kick();
      if (paceMs > 0) await new Promise((resolve) => setTimeout(resolve, paceMs));
    }
  }

  async stop(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    const client = this.#client;
    this.#client = undefined;
    await this.#pumping?.catch(() => undefined);
    if (client) await client.endAsync();
  }

  async #onMessage(topic: string, text: string): Promise<void> {
    const { deviceId } = this.#o;
    if (topic === deviceTopics(deviceId).auditAck) {
      const ack = auditAckSchema.safeParse(JSON.parse(text));
      if (!ack.success || ack.data.seq <= this.#acked) return;
      const [own] = await this.log.readAfter(ack.data.seq - 1, 1);
      if (own?.seq !== ack.data.seq || own.hash !== ack.data.hash) return;
      if (ack.data.seq <= this.#acked) return;
      this.#acked = ack.data.seq;
      await this.log.markDelivered({ seq: ack.data.seq, hash: ack.data.hash });
      this.#wait = this.#o.ackTimeoutMs;
      this.#arm();
      this.emit('ack', ack.data.seq);
    } else if (topic === deviceTopics(deviceId).auditResend) {
      const request = auditResendSchema.safeParse(JSON.parse(text));
      if (!request.success) return;
      this.resendRequests += 1;
      this.#sent = Math.max(this.#acked, Math.min(this.#sent, request.data.fromSeq - 1));
      this.#kick();
    }
  }

  /** No ack moved for the current wait while records are out: send again from the ack. */
  #arm(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      if (!this.#client) return;
      if (this.#sent > this.#acked) {
        this.retransmits += 1;
        this.#sent = this.#acked;
        this.#wait = Math.min(this.#wait * 2, this.#o.ackTimeoutMs * 8);
        this.#kick();
      }
      this.#arm();
    }, this.#wait);
  }

  #kick(): void {
    if (this.#pumping) {
      this.#again = true;
      return;
    }
    this.#again = false;
    this.#pumping = this.#pump()
      .catch(() => undefined)
      .finally(() => {
        this.#pumping = undefined;
        if (this.#again) this.#kick();
      });
  }

  async #pump(): Promise<void> {
    const window = this.#o.window ?? 50;
    for (;;) {
      const client = this.#client;
      if (!client?.connected) return;
      const batch = await this.log.readAfter(this.#sent, window);
      if (batch.length === 0) return;
      const topic = deviceTopics(this.#o.deviceId).audit;
      await Promise.all(batch.map((r) => client.publishAsync(topic, JSON.stringify(r), { qos: 1 })));
      // A resend request or a retransmit may have moved the cursor back meanwhile: keep the lower one.
      if (this.#sent === batch[0]!.seq - 1) this.#sent = batch.at(-1)!.seq;
    }
  }
}
