/** The archive's judgement of one record against the chain it holds, case by case. */
import { describe, expect, it } from 'vitest';
import { judge, walk } from '../../../src/centre/archive/index.ts';
import { type AuditRecordPayload, GENESIS_HASH } from '../../../src/protocol/index.ts';

const H = (c: string) => c.repeat(64);
const record = (seq: number, prev: string, hash: string): AuditRecordPayload => ({
  seq,
  ts: '2026-11-23T01:00:00.000Z',
  type: 'grant',
  prev,
  hash,
});

describe('chain judgement', () => {
  const head = { seq: 2, hash: H('b') };

  it('verifies_the_next_record_that_links_to_the_head', () => {
    expect(judge(record(3, H('b'), H('c')), true, head, undefined)).toEqual({ kind: 'verified' });
    expect(judge(record(1, GENESIS_HASH, H('a')), true, { seq: 0, hash: GENESIS_HASH }, undefined).kind).toBe(
      'verified',
    );
  });

  it('holds_a_record_past_a_gap_as_pending', () => {
    expect(judge(record(5, H('d'), H('e')), true, head, undefined)).toEqual({ kind: 'pending' });
  });

  it('names_each_refusal_with_its_alarm_code', () => {
    const codeOf = (...args: Parameters<typeof judge>) => {
      const v = judge(...args);
      return v.kind === 'suspect' ? v.code : v.kind;
    };
    expect(codeOf(record(3, H('b'), H('c')), false, head, undefined)).toBe('audit_hash_mismatch');
    expect(codeOf(record(3, H('x'), H('c')), true, head, undefined)).toBe('audit_chain_broken');
    expect(codeOf(record(2, H('a'), H('z')), true, head, { hash: H('b') })).toBe('audit_conflict');
    expect(codeOf(record(1, H('a'), H('z')), true, head, undefined)).toBe('audit_conflict');
    expect(codeOf(record(2, H('a'), H('b')), true, head, { hash: H('b') })).toBe('duplicate');
    expect(codeOf(record(2, H('a'), H('b')), false, head, { hash: H('b') })).toBe('audit_hash_mismatch');
  });

  it('walks_pending_records_until_a_gap_or_a_broken_link', () => {
    const links = [
      { seq: 3, prev: H('b'), hash: H('c') },
      { seq: 4, prev: H('c'), hash: H('d') },
      { seq: 6, prev: H('e'), hash: H('f') },
    ];
    expect(walk(head, links)).toEqual({ head: { seq: 4, hash: H('d') }, broken: undefined });
    const broken = { seq: 3, prev: H('x'), hash: H('c') };
    expect(walk(head, [broken])).toEqual({ head, broken });
  });
});
