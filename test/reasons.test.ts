import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SESSION_END_CODES } from '../src/access/index.ts';
import { NattsynError } from '../src/errors.ts';
import { COMMAND_REJECT_CODES, EVENT_CODES, HEALTH_PROBLEMS } from '../src/health/index.ts';
import { AUTHENTICATION_CODES, DENY_CODES, POLICY_REJECT_CODES } from '../src/policy/index.ts';
import { httpStatusOf, isReasonCode, REASON_CODES } from '../src/reasons.ts';
import { SDP_REJECT_CODES } from '../src/stream/index.ts';

describe('the reason-code registry', () => {
  it('holds_every_list_of_codes_the_folders_keep', () => {
    const lists = [
      DENY_CODES,
      POLICY_REJECT_CODES,
      SDP_REJECT_CODES,
      COMMAND_REJECT_CODES,
      SESSION_END_CODES,
      EVENT_CODES,
      HEALTH_PROBLEMS,
    ];
    expect(lists.flat().filter((code) => !isReasonCode(code))).toEqual([]);
  });

  it('answers_token_problems_401_gate_refusals_403_and_a_full_device_503', () => {
    expect([...AUTHENTICATION_CODES].sort()).toEqual(
      [
        'bad_token',
        'no_token',
        'token_expired',
        'token_lifetime_exceeded',
        'token_not_yet_valid',
        'wrong_issuer',
      ].sort(),
    );
    expect(DENY_CODES.map((c) => [c, httpStatusOf(c)]).filter(([, s]) => s !== 401 && s !== 403)).toEqual([
      ['too_many_viewers', 503],
      ['audit_unavailable', 503],
      ['unknown_session', 404],
    ]);
    expect(SDP_REJECT_CODES.every((c) => httpStatusOf(c) === 422)).toBe(true);
  });

  it('gives_an_error_its_status_from_the_registry_and_500_to_a_code_that_never_reaches_http', () => {
    expect(new NattsynError('body_too_large', 'x').status).toBe(413);
    expect(new NattsynError('camera_stalled', 'x').status).toBe(500);
  });

  it('lists_every_code_the_readme_promises', () => {
    const readme = readFileSync('README.md', 'utf8');
    const section = readme.slice(
      readme.indexOf('Reason codes (HTTP bodies'),
      readme.indexOf('## Audit trail'),
    );
    const promised = [...section.matchAll(/`([a-z_]+)`/g)].map((m) => m[1]!);
    expect(promised.length).toBeGreaterThan(15);
    expect(promised.filter((code) => !REASON_CODES.includes(code as never))).toEqual([]);
  });
});
