/**
 * Feeds a `MemoryLookHistory` from the devices' audit stream on the broker (`<id>/audit`, QoS 1,
 * in order): each `look_outcome` record a device appends is read as it is delivered. This is how
 * a centre without the audit archive learns the outcomes; every instance subscribes and so knows
 * the same, from the moment it started. With the archive, the archive's store is the history.
 */
import { z } from 'zod';
import type { Logger } from '../../platform/ports.ts';
import { LOOK_OUTCOMES } from '../../protocol/index.ts';
import type { CentreBroker, InboundMessage } from '../broker.ts';
import type { MemoryLookHistory } from './lookHistory.ts';

/** The audit record's fields a look outcome carries (the device's audit record, hash-chained). */
const outcomeRecordSchema = z.looseObject({
  seq: z.number().int().positive(),
  ts: z.iso.datetime({ offset: true }),
  type: z.literal('look_outcome'),
  actor: z.string().min(1).max(128),
  code: z.enum(LOOK_OUTCOMES),
  sessionId: z.string().min(1).max(64),
  detail: z.looseObject({ windowId: z.string().max(64).optional() }).optional(),
});

export interface AuditLookFeedDeps {
  broker: Pick<CentreBroker, 'onMessage'>;
  history: MemoryLookHistory;
  log: Logger;
}

export class AuditLookFeed {
  readonly #d: AuditLookFeedDeps;
  #off: (() => void) | undefined;

  constructor(deps: AuditLookFeedDeps) {
    this.#d = deps;
  }

  start(): void {
    this.#off ??= this.#d.broker.onMessage((m) => this.#take(m));
  }

  stop(): void {
    this.#off?.();
    this.#off = undefined;
  }

  #take(message: InboundMessage): void {
    if (message.rest !== 'audit' || message.payload.length === 0) return;
    let json: unknown;
    try {
      json = JSON.parse(message.payload.toString('utf8'));
    } catch {
      return;
    }
    if ((json as { type?: unknown } | null)?.type !== 'look_outcome') return;
    const parsed = outcomeRecordSchema.safeParse(json);
    if (!parsed.success) {
      this.#d.log.warn({ deviceId: message.deviceId }, 'look outcome record refused');
      return;
    }
    const r = parsed.data;
    this.#d.history.add({
      deviceId: message.deviceId,
      sessionId: r.sessionId,
      staffId: r.actor,
      outcome: r.code,
      at: Date.parse(r.ts),
      windowId: r.detail?.windowId,
    });
  }
}
