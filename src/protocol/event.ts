/**
 * A device event as the archive stores it (`nattsyn/v1/<id>/event`). The device's own schema
 * (src/health/payloads.ts) names the closed list of codes; the archive keeps any well-formed code,
 * so a newer device's event is stored rather than dropped.
 */
import { z } from 'zod';

export const eventRecordSchema = z.strictObject({
  /** Unique per event and kept on a re-send: the archive stores each once. */
  eventId: z.string().min(1).max(128),
  seq: z.number().int().positive(),
  code: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/),
  ts: z.iso.datetime({ offset: true }),
  detail: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
});
export type EventRecord = z.infer<typeof eventRecordSchema>;
