import { describe, expect, it } from 'vitest';
import { isLoopbackUrl, mqttConfigSchema } from '../../src/health/config.ts';
import { formatIssues } from '../../src/policy/index.ts';

const TLS = { caFile: 'ca.pem', certFile: 'dev.pem', keyFile: 'dev.key' };
const errorsOf = (input: object) => {
  const parsed = mqttConfigSchema.safeParse(input);
  return parsed.success ? [] : formatIssues(parsed.error, 'mqtt');
};

describe('mqtt config', () => {
  it.each([
    'mqtt://127.0.0.1:1883',
    'mqtt://127.1.2.3:1883',
    'mqtt://[::1]:1883',
    'mqtt://localhost:1883',
    'mqtt://LocalHost',
  ])('accepts plain %s, a broker on this machine', (url) => {
    expect(errorsOf({ url })).toEqual([]);
  });

  it.each([
    'mqtt://broker.example.net:1883',
    'mqtt://192.0.2.5:1883',
    'mqtt://128.0.0.1:1883',
    'mqtt://127.0.0.1.evil.example:1883',
    'mqtt://127.0.0.1@broker.example.net:1883',
    'mqtt://localhost.example.net',
    'mqtt://[::ffff:192.0.2.5]:1883',
    'mqtt://0x7f.0.0.1:1883',
    'mqtt://127.0.0.256',
  ])('refuses plain %s with a <path>: <message> error', (url) => {
    expect(errorsOf({ url })).toEqual([
      'mqtt.url: plain mqtt:// is only for a broker on this machine (127.0.0.0/8, ::1, localhost); use mqtts://',
    ]);
  });

  it('accepts mqtts:// to a remote broker with the TLS files', () => {
    expect(errorsOf({ url: 'mqtts://broker.example.net:8883', tls: TLS })).toEqual([]);
  });

  it('reads the host the way the URL parser does, userinfo and all', () => {
    expect(isLoopbackUrl('mqtt://user@127.0.0.1:1883')).toBe(true);
    expect(isLoopbackUrl('not a url')).toBe(false);
  });
});
