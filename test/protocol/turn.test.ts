import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { mintTurnCredential } from '../../src/protocol/turn.ts';

const hmac = (secret: string, message: string) => createHmac('sha1', secret).update(message).digest('base64');
const SECRET = '0123456789abcdef-lab';

describe('mintTurnCredential', () => {
  it('names_the_expiry_and_session_and_signs_them_as_coturn_checks', () => {
    const c = mintTurnCredential({ session: 'look-1', expiresAt: 1_700_000_000 }, SECRET, hmac);
    // The value openssl gives: printf 1700000000:look-1 | openssl dgst -sha1 -hmac SECRET -binary | base64
    expect(c).toEqual({
      username: '1700000000:look-1',
      credential: '1kDU/tiAln/rhGc3Bxitj90JRlQ=',
      expiresAt: 1_700_000_000,
    });
  });

  it('refuses_a_session_with_a_separator_a_bad_expiry_or_a_short_secret', () => {
    expect(() => mintTurnCredential({ session: 'a:b', expiresAt: 1 }, SECRET, hmac)).toThrow(TypeError);
    expect(() => mintTurnCredential({ session: '', expiresAt: 1 }, SECRET, hmac)).toThrow(TypeError);
    expect(() => mintTurnCredential({ session: 's', expiresAt: 1.5 }, SECRET, hmac)).toThrow(TypeError);
    expect(() => mintTurnCredential({ session: 's', expiresAt: 0 }, SECRET, hmac)).toThrow(TypeError);
    expect(() => mintTurnCredential({ session: 's', expiresAt: 1 }, 'short', hmac)).toThrow(TypeError);
  });
});
