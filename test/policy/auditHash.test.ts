/**
 * A known answer for the audit hash: SHA-256 over the RFC 8785 canonical JSON of a record, written
 * out here by hand (keys sorted by UTF-16 code units, ECMAScript number forms), so any verifier in
 * any language can check our chain, and a change of serialisation cannot pass unnoticed.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/platform/system.ts';
import { hashOf, sealRecord } from '../../src/policy/audit/record.ts';
import { GENESIS_HASH } from '../../src/policy/index.ts';

const CANONICAL =
  '{"actor":"nurse-7","code":"outside_window","detail":{"remote":"127.0.0.1","transport":"http",' +
  `"å":1e+21,"€":0.000001},"prev":"${GENESIS_HASH}","seq":1,"ts":"2026-11-23T01:30:00.000Z","type":"deny"}`;
const KNOWN_HASH = 'b51c598e73dab194095503ac3b522f7256a557ee006916a4d786d864d9060603';

describe('the audit hash', () => {
  it('is_sha256_of_the_rfc8785_canonical_json_whatever_order_the_fields_come_in', () => {
    expect(createHash('sha256').update(CANONICAL, 'utf8').digest('hex')).toBe(KNOWN_HASH);
    const record = sealRecord(
      {
        type: 'deny',
        actor: 'nurse-7',
        code: 'outside_window',
        detail: { '€': 0.000001, transport: 'http', remote: '127.0.0.1', å: 1e21 },
      },
      1,
      '2026-11-23T01:30:00.000Z',
      GENESIS_HASH,
      sha256Hex,
    );
    expect(record.hash).toBe(KNOWN_HASH);
    expect(hashOf(record, sha256Hex)).toBe(KNOWN_HASH);
  });

  it('leaves_undefined_fields_out_of_the_hash', () => {
    const record = sealRecord(
      {
        type: 'deny',
        actor: 'nurse-7',
        code: 'outside_window',
        sessionId: undefined,
        detail: { remote: '127.0.0.1', transport: 'http', å: 1e21, '€': 0.000001 },
      },
      1,
      '2026-11-23T01:30:00.000Z',
      GENESIS_HASH,
      sha256Hex,
    );
    expect(record.hash).toBe(KNOWN_HASH);
  });
});
