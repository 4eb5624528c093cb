/**
 * Fuzzing the archive's answers a device takes from the broker (issue 13, item 15): `audit/ack` and
 * `audit/resend`, and the other protocol payloads that cross between device and centre. Each is
 * read as JSON and checked by its schema from src/protocol: nothing throws, nothing takes long, and
 * what the schema accepts holds exactly the fields the protocol names, of the right kinds.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  auditAckSchema,
  auditRecordSchema,
  auditResendSchema,
  whepRelayResponseSchema,
} from '../../src/protocol/index.ts';
import { anyText, runs, timed } from './budget.ts';
import { mostly } from './signing.ts';

const hex64 = fc.stringMatching(/^[0-9a-f]{64}$/);
const iso = fc.integer({ min: 0, max: 4_000_000_000_000 }).map((t) => new Date(t).toISOString());

/** Each payload: its schema and values near the valid ones. */
const PAYLOADS: [string, z.ZodType, fc.Arbitrary<unknown>][] = [
  [
    'audit/ack',
    auditAckSchema,
    fc.record(
      {
        seq: mostly(fc.nat(), fc.constantFrom(-1, 1.5, '3')),
        hash: mostly(hex64, anyText(64)),
        at: mostly(iso, anyText(24)),
      },
      { requiredKeys: [] },
    ),
  ],
  [
    'audit/resend',
    auditResendSchema,
    fc.record(
      { fromSeq: mostly(fc.integer({ min: 1 }), fc.constantFrom(0, -1, 2.5, '4', null)) },
      { requiredKeys: [] },
    ),
  ],
  [
    'audit',
    auditRecordSchema,
    fc.record(
      {
        seq: fc.integer({ min: -1, max: 1e6 }),
        ts: mostly(iso, anyText(20)),
        type: fc.constantFrom('grant', 'deny', 'nope'),
        prev: hex64,
        hash: hex64,
        detail: fc.dictionary(fc.string(), fc.jsonValue()),
      },
      { requiredKeys: ['seq', 'ts', 'type', 'prev', 'hash'] },
    ),
  ],
  [
    'whep/res',
    whepRelayResponseSchema,
    fc.record({
      id: fc.stringMatching(/^[A-Za-z0-9_-]{20,24}$/),
      status: fc.integer({ min: 100, max: 700 }),
      headers: fc.dictionary(fc.constantFrom('content-type', 'location', 'x-evil'), fc.string()),
      body: anyText(100),
    }),
  ],
];

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

describe('protocol payloads under fuzzing', () => {
  for (const [topic, schema, near] of PAYLOADS) {
    it(`${topic.replace(/\W/g, '_')}_payloads_are_taken_exactly_as_the_schema_says_or_ignored`, async () => {
      const text = fc.oneof(
        near.map((v) => JSON.stringify(v)),
        fc.jsonValue().map((v) => JSON.stringify(v)),
        anyText(300),
      );
      await fc.assert(
        fc.asyncProperty(text, async (t) => {
          const parsed = await timed(() => schema.safeParse(parseJson(t)));
          if (!parsed.success) return;
          expect(schema.parse(JSON.parse(JSON.stringify(parsed.data)))).toEqual(parsed.data);
        }),
        { ...runs('archive'), numRuns: Math.ceil(runs('archive').numRuns! / PAYLOADS.length) },
      );
    });
  }
});
