/**
 * The audit record on the wire: its hash pinned by a known answer (computed independently with
 * `sha256sum` over the hand-written RFC 8785 text), and records written by the device's real
 * AuditLog verified by the protocol's function, so device and archive cannot drift apart.
 */
import { describe, expect, it } from 'vitest';
import { auditPayloadSchema } from '../../src/health/payloads.ts';
import { sha256Hex } from '../../src/platform/system.ts';
import {
  AuditLog,
  AUDIT_TYPES as DEVICE_AUDIT_TYPES,
  GENESIS_HASH as DEVICE_GENESIS,
} from '../../src/policy/index.ts';
import {
  AUDIT_TYPES,
  auditAckSchema,
  auditRecordHash,
  auditRecordIntact,
  auditRecordSchema,
  auditResendSchema,
  GENESIS_HASH,
} from '../../src/protocol/index.ts';
import { MemoryStore } from '../fixtures/memoryStore.ts';
import { ManualTime } from '../fixtures/time.ts';

const FIXED = {
  seq: 7,
  ts: '2026-11-23T01:58:03.120Z',
  type: 'grant',
  actor: 'staff-0042',
  sessionId: 'sess-Ab3',
  detail: { scope: 'view', emergency: false, windowId: 'night-1', until: '2026-11-23T02:03:03.120Z' },
  prev: 'a'.repeat(64),
} as const;

/** RFC 8785: keys sorted by UTF-16 code units, no whitespace; written out by hand. */
const FIXED_CANONICAL =
  '{"actor":"staff-0042","detail":{"emergency":false,"scope":"view","until":"2026-11-23T02:03:03.120Z",' +
  `"windowId":"night-1"},"prev":"${'a'.repeat(64)}","seq":7,"sessionId":"sess-Ab3",` +
  '"ts":"2026-11-23T01:58:03.120Z","type":"grant"}';
const FIXED_HASH = '2c0c662f6c1523ee8f8ca0a71e2006f5844d8c253bdeb0c113b13c67b126f597';

describe('audit record hash', () => {
  it('hashes_a_fixed_record_to_the_known_answer', () => {
    expect(sha256Hex(FIXED_CANONICAL)).toBe(FIXED_HASH);
    expect(auditRecordHash(FIXED)).toBe(FIXED_HASH);
  });

  it('ignores_the_hash_field_and_undefined_fields', () => {
    expect(auditRecordHash({ ...FIXED, hash: 'f'.repeat(64) })).toBe(FIXED_HASH);
    expect(auditRecordHash({ ...FIXED, code: undefined, durationMs: undefined })).toBe(FIXED_HASH);
  });

  it('changes_when_any_field_changes', () => {
    expect(auditRecordHash({ ...FIXED, actor: 'staff-0043' })).not.toBe(FIXED_HASH);
    expect(auditRecordHash({ ...FIXED, seq: 8 })).not.toBe(FIXED_HASH);
    expect(auditRecordHash({ ...FIXED, detail: { ...FIXED.detail, emergency: true } })).not.toBe(FIXED_HASH);
  });

  it('verifies_records_written_by_the_device_audit_log', async () => {
    const clock = new ManualTime(Date.parse('2026-11-23T01:00:00Z'));
    const log = new AuditLog({ store: new MemoryStore(), sha256: sha256Hex, time: clock });
    await log.open();
    await log.append({ type: 'service_start', actor: 'device' });
    await log.append({
      type: 'grant',
      actor: 'staff-1',
      sessionId: 's1',
      detail: { scope: 'view', emergency: false, remote: '127.0.0.1' },
    });
    clock.advance(41_500);
    await log.append({
      type: 'session_end',
      actor: 'staff-1',
      sessionId: 's1',
      code: 'window_end',
      durationMs: 41_500.25,
    });
    await log.append({ type: 'deny', actor: 'unknown', code: 'outside_window', detail: { remote: '::1' } });
    const records = await log.readAfter(0, 10);
    expect(records).toHaveLength(4);
    let prev = GENESIS_HASH;
    for (const record of records) {
      const wire = auditRecordSchema.parse(JSON.parse(JSON.stringify(record)));
      expect(auditRecordIntact(wire)).toBe(true);
      expect(wire.prev).toBe(prev);
      prev = wire.hash;
    }
  });

  it('refuses_a_record_whose_content_was_altered', () => {
    const sealed = auditRecordSchema.parse({ ...FIXED, hash: FIXED_HASH });
    expect(auditRecordIntact(sealed)).toBe(true);
    expect(auditRecordIntact({ ...sealed, actor: 'someone-else' })).toBe(false);
  });
});

describe('audit wire schemas', () => {
  it('match_the_device_types_genesis_and_published_schema', () => {
    expect([...AUDIT_TYPES]).toEqual([...DEVICE_AUDIT_TYPES]);
    expect(GENESIS_HASH).toBe(DEVICE_GENESIS);
    const sealed = { ...FIXED, hash: FIXED_HASH };
    expect(auditPayloadSchema.parse(sealed)).toEqual(auditRecordSchema.parse(sealed));
    expect(auditRecordSchema.safeParse({ ...sealed, extra: 1 }).success).toBe(false);
    expect(auditRecordSchema.safeParse({ ...sealed, hash: 'XYZ' }).success).toBe(false);
  });

  it('accept_the_ack_and_resend_payloads_and_nothing_looser', () => {
    expect(auditAckSchema.parse({ seq: 12, hash: FIXED_HASH, at: '2026-11-23T02:00:00.000Z' }).seq).toBe(12);
    expect(auditAckSchema.safeParse({ seq: 12, hash: FIXED_HASH }).success).toBe(false);
    expect(auditResendSchema.parse({ fromSeq: 3 })).toEqual({ fromSeq: 3 });
    expect(auditResendSchema.safeParse({ fromSeq: 0 }).success).toBe(false);
  });
});
