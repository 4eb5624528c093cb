/**
 * Every MQTT payload nattsyn publishes, as zod schemas: the one typed map of the wire format
 * (docs/mqtt.md). The JSON Schemas under `schemas/` are generated from these (below), so the code
 * and the published contract cannot drift. No resident name or address in any of them.
 */
import { z } from 'zod';
import { auditRecordSchema } from '../protocol/audit.ts';
import { schedulePayloadSchema } from '../protocol/schedule.ts';
import { whepRelayRequestSchema, whepRelayResponseSchema } from '../protocol/whepRelay.ts';
import type { ReasonCode } from '../reasons.ts';

/** The device's topics come from the one builder both processes use (src/protocol/topics.ts). */
export { type DeviceTopics, deviceTopics as topicsFor, TOPIC_ROOT } from '../protocol/topics.ts';

/** Faults of the device itself: raised as events and listed as problems in `health`. */
const DEVICE_FAULTS = [
  'camera_fault',
  'camera_covered',
  'camera_frozen',
  'camera_moved',
  'clock_unsynced',
  'undervoltage',
  'throttled',
  'overheating',
  'disk_low',
  'audit_unwritable',
  'audit_backlog',
] as const satisfies readonly ReasonCode[];

/** Stable event codes: the centre's alarms depend on them. Add codes, never rename one. */
export const EVENT_CODES = [
  ...DEVICE_FAULTS,
  'paused',
  'policy_updated',
  'policy_rejected',
  'window_ready',
  'window_at_risk',
  'decommissioned',
] as const satisfies readonly ReasonCode[];
export type EventCode = (typeof EVENT_CODES)[number];

const isoTime = z.iso.datetime({ offset: true });
const flat = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));

export const statusPayloadSchema = z.strictObject({
  state: z.enum(['online', 'stopped', 'offline']),
  /** Increases with every connection attempt, across restarts: a late will from an old connection is older. */
  connection: z.number().int().nonnegative(),
  /** When this connection was opened (also in the Last Will, which is fixed at connect time). */
  since: isoTime,
  /** The policy version in force when the connection opened: the centre knows a silent device was supervised. */
  policyVersion: z.number().int().positive().nullable(),
});
export type StatusPayload = z.infer<typeof statusPayloadSchema>;

export const infoPayloadSchema = z.strictObject({
  deviceId: z.string(),
  software: z.strictObject({ name: z.literal('nattsyn'), version: z.string() }),
  connection: z.number().int().nonnegative(),
  model: z.string(),
  serial: z.string(),
  os: z.strictObject({ distro: z.string(), release: z.string(), kernel: z.string(), arch: z.string() }),
  memoryBytes: z.number().nonnegative(),
  network: z.array(
    z.strictObject({
      iface: z.string(),
      mac: z.string(),
      ip4: z.string(),
      ip6: z.string(),
      operstate: z.string(),
    }),
  ),
  bootId: z.string().optional(),
  ts: isoTime,
});
export type InfoPayload = z.infer<typeof infoPayloadSchema>;

export const HEALTH_PROBLEMS = [...DEVICE_FAULTS, 'no_policy'] as const;
export type HealthProblem = (typeof HEALTH_PROBLEMS)[number];

const nullableNumber = z.number().nullable();

export const healthPayloadSchema = z.strictObject({
  ts: isoTime,
  uptimeSeconds: z.number().nonnegative(),
  bootId: z.string().nullable(),
  cpuTemperatureC: nullableNumber,
  load1: z.number().nonnegative(),
  memoryAvailableBytes: z.number().nonnegative(),
  memoryTotalBytes: z.number().nonnegative(),
  diskFreeBytes: nullableNumber,
  diskTotalBytes: nullableNumber,
  clockSynced: z.boolean(),
  throttling: z
    .strictObject({
      raw: z.number().int().nonnegative(),
      undervoltageNow: z.boolean(),
      throttledNow: z.boolean(),
      undervoltageSinceBoot: z.boolean(),
      throttledSinceBoot: z.boolean(),
    })
    .nullable(),
  camera: z.strictObject({
    state: z.enum(['stopped', 'starting', 'running', 'stalled', 'failed']),
    fps: z.number().nonnegative(),
    lastFrameAgeMs: nullableNumber,
    restarts: z.number().int().nonnegative(),
    lastError: z.string().nullable(),
  }),
  frames: z.strictObject({
    checkedAt: isoTime.nullable(),
    covered: z.boolean(),
    frozen: z.boolean(),
    moved: z.boolean(),
  }),
  sessions: z.number().int().nonnegative(),
  policyVersion: z.number().int().positive().nullable(),
  paused: z.boolean(),
  windowOpen: z.boolean(),
  nextWindow: z.strictObject({ id: z.string(), start: isoTime, end: isoTime }).nullable(),
  readiness: z.enum(['ready', 'at_risk', 'unknown']),
  problems: z.array(z.enum(HEALTH_PROBLEMS)),
  periodSeconds: z.number().int().positive(),
  /**
   * The audit log and its way to the archive: whether it can be written (every access is refused
   * when it cannot), its last `seq`, the last one the archive acknowledged, how many records wait
   * for that acknowledgement and how old the oldest of them is. Null where the device has no log.
   */
  audit: z
    .strictObject({
      writable: z.boolean(),
      lastSeq: z.number().int().nonnegative(),
      acknowledgedSeq: z.number().int().nonnegative(),
      undelivered: z.number().int().nonnegative(),
      oldestUndeliveredSeconds: z.number().int().nonnegative().nullable(),
    })
    .nullable(),
});
export type HealthPayload = z.infer<typeof healthPayloadSchema>;

export const eventPayloadSchema = z.strictObject({
  /** Unique per event, kept when a duplicate is re-sent after a crash: the centre drops repeats. */
  eventId: z.string().min(1),
  /** Position in this device's event stream, gap-free. */
  seq: z.number().int().positive(),
  code: z.enum(EVENT_CODES),
  ts: isoTime,
  detail: flat.optional(),
});
export type EventPayload = z.infer<typeof eventPayloadSchema>;

/** The audit record exactly as the hash chain holds it: the wire format's own (src/protocol/audit.ts). */
export const auditPayloadSchema = auditRecordSchema;

/** The payload of a signed command (compact JWS, `typ` nattsyn-cmd+json) on `cmd/<name>`. */
export const commandBodySchema = z.strictObject({
  deviceId: z.string().min(1).max(64),
  name: z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/),
  id: z.string().regex(/^[A-Za-z0-9_.-]{8,64}$/),
  issuedAt: isoTime,
  expiry: isoTime,
  args: flat.optional(),
});
export type CommandBody = z.infer<typeof commandBodySchema>;

export const commandResultPayloadSchema = z.strictObject({
  id: z.string().nullable(),
  name: z.string(),
  ok: z.boolean(),
  code: z.string().optional(),
  message: z.string().optional(),
  result: flat.optional(),
  ts: isoTime,
});
export type CommandResultPayload = z.infer<typeof commandResultPayloadSchema>;

/** The schemas shipped as `schemas/<name>.schema.json`. */
export const PUBLISHED_SCHEMAS = {
  status: statusPayloadSchema,
  info: infoPayloadSchema,
  health: healthPayloadSchema,
  event: eventPayloadSchema,
  audit: auditPayloadSchema,
  command: commandBodySchema,
  'command-result': commandResultPayloadSchema,
  schedule: schedulePayloadSchema,
  'whep-relay-request': whepRelayRequestSchema,
  'whep-relay-response': whepRelayResponseSchema,
} as const;
export type PublishedSchemaName = keyof typeof PUBLISHED_SCHEMAS;

/**
 * JSON Schemas of the published payloads, generated from the zod schemas the code validates with
 * (zod v4 `z.toJSONSchema`, draft 2020-12). `scripts/write-schemas.ts` writes them to `schemas/`;
 * a test fails when the committed files differ from what this produces.
 */
export const SCHEMA_BASE_URI = 'https://nattsyn.invalid/schemas/';

export function jsonSchemas(): Record<PublishedSchemaName, Record<string, unknown>> {
  const out = {} as Record<PublishedSchemaName, Record<string, unknown>>;
  for (const [name, schema] of Object.entries(PUBLISHED_SCHEMAS) as Array<[PublishedSchemaName, z.ZodType]>) {
    const generated = z.toJSONSchema(schema, { io: 'output', target: 'draft-2020-12' }) as Record<
      string,
      unknown
    >;
    out[name] = {
      ...generated,
      $id: `${SCHEMA_BASE_URI}${name}.schema.json`,
      title: `nattsyn ${name} payload`,
    };
  }
  return out;
}

export const schemaFileName = (name: PublishedSchemaName): string => `${name}.schema.json`;

/** The exact text committed for a schema (stable key order from the generator, two-space indent). */
export const schemaText = (schema: Record<string, unknown>): string => `${JSON.stringify(schema, null, 2)}\n`;
