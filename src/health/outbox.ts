/**
 * The outbox: delivers the audit log and the event queue to the centre, each strictly in `seq`
 * order and at least once. Events are done with at the broker's PUBACK (outboxStream.ts); audit
 * records only at the archive's acknowledgement (auditDelivery.ts). Both start again after every
 * connection.
 */
import { Subscriptions } from '../platform/emitter.ts';
import { type Logger as Log, silentLogger as silentLog } from '../platform/ports.ts';
import { systemTime, type Time, withTimeout } from '../platform/time.ts';
import { AuditDelivery, type AuditSource } from './auditDelivery.ts';
import type { MqttLink } from './link.ts';
import { type OutboxSource, OutboxStream } from './outboxStream.ts';
import type { EventPayload } from './payloads.ts';

export type { OutboxSource } from './outboxStream.ts';
export { STORE_RETRY } from './outboxStream.ts';

export interface OutboxDeps {
  link: Pick<MqttLink, 'publish' | 'onConnect' | 'onMessage' | 'connected' | 'topics'>;
  audit: AuditSource;
  events: OutboxSource<EventPayload>;
  log?: Log;
  /** Records in flight at once (stay under the broker's receive maximum). */
  window?: number;
  time?: Time;
  /** How long audit records may wait for the archive's ack before they are sent again (30 s), and its cap. */
  ackWaitMs?: number;
  ackWaitMaxMs?: number;
}

export class Outbox {
  readonly #deps: OutboxDeps;
  readonly audit: AuditDelivery;
  readonly events: OutboxStream<EventPayload>;
  readonly #time: Time;
  readonly #subscriptions = new Subscriptions();

  constructor(deps: OutboxDeps) {
    this.#deps = deps;
    const { link } = deps;
    const window = deps.window ?? 20;
    const log = deps.log ?? silentLog;
    const time = deps.time ?? systemTime;
    this.#time = time;
    const ackWaitMs = deps.ackWaitMs ?? 30_000;
    this.audit = new AuditDelivery({
      source: deps.audit,
      link,
      time,
      log,
      window,
      ackWaitMs,
      ackWaitMaxMs: Math.max(ackWaitMs, deps.ackWaitMaxMs ?? 8 * ackWaitMs),
    });
    this.events = new OutboxStream(
      deps.events,
      (e) => link.publish(link.topics.event, JSON.stringify(e), { qos: 1 }),
      window,
      log,
      time,
    );
  }

  start(): void {
    if (this.#subscriptions.active) return;
    const { link } = this.#deps;
    this.audit.start();
    this.#subscriptions.add(
      this.events.start(),
      link.onMessage((suffix, payload) => this.audit.message(suffix, payload)),
      link.onConnect(async () => {
        this.audit.connected();
        this.events.kick();
      }),
    );
    if (link.connected) this.kick();
  }

  kick(): void {
    this.audit.kick();
    this.events.kick();
  }

  /** Stops after the records in flight are acknowledged, or after `graceMs` (they stay undelivered). */
  async stop(graceMs = 3000): Promise<void> {
    this.#subscriptions.clear();
    const stopped = Promise.all([this.audit.stop(), this.events.stop()]).then(() => undefined);
    await withTimeout(this.#time, stopped, graceMs).catch(() => undefined);
  }
}
