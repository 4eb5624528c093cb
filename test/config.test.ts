import { describe, expect, it } from 'vitest';
import { configSchema, parseConfig, systemdEnvironment } from '../src/config.ts';

const BASE = {
  deviceId: 'QJ42-6TN0-CY6M',
  policy: { publicKey: 'policy.pub' },
  tokens: { issuer: 'https://care.example', publicKeys: ['issuer.pub'] },
};

const problems = (raw: object): string => {
  try {
    parseConfig(configSchema, raw);
    return '';
  } catch (error) {
    return (error as Error).message;
  }
};

describe('the config file', () => {
  it('runs_the_real_camera_by_default_never_the_synthetic_picture', () => {
    const config = parseConfig(configSchema, BASE);
    expect(config.camera.driver).toBe('rpicam');
    expect(config.stream.host).toBe('127.0.0.1');
    expect(config.mqtt).toBeUndefined();
  });

  it('names_each_problem_with_its_path', () => {
    const text = problems({
      ...BASE,
      camera: { driver: 'rtsp' },
      stream: { host: '0.0.0.0' },
      mqtt: { url: 'mqtts://centre.example:8883' },
      colour: 'blue',
    });
    expect(text).toContain('camera.rtsp: the rtsp driver needs camera.rtsp.url');
    expect(text).toContain('stream.tls: HTTPS is required off loopback');
    expect(text).toContain('mqtt.tls:');
    expect(text).toMatch(/colour|Unrecognized key/);
  });

  it('reads_only_the_systemd_notify_socket_and_watchdog_from_the_environment', () => {
    expect(systemdEnvironment({ NOTIFY_SOCKET: '/run/systemd/notify', WATCHDOG_USEC: '30000000' })).toEqual({
      notifySocket: '/run/systemd/notify',
      watchdogUsec: 30_000_000,
    });
    expect(systemdEnvironment({ WATCHDOG_USEC: 'x' })).toEqual({
      notifySocket: undefined,
      watchdogUsec: undefined,
    });
  });
});

describe('loading the config file', () => {
  it('names_a_certificate_file_it_cannot_read_with_its_path_relative_to_the_config', async () => {
    const { mkdtemp, writeFile, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const path = await import('node:path');
    const { newKeyPair } = await import('../src/cli/keys.ts');
    const { loadConfig } = await import('../src/config.ts');
    const dir = await mkdtemp(path.join(tmpdir(), 'nattsyn-config-'));
    try {
      const keys = await newKeyPair();
      await writeFile(path.join(dir, 'policy.pub'), keys.publicPem);
      await writeFile(path.join(dir, 'issuer.pub'), keys.publicPem);
      await writeFile(path.join(dir, 'https.crt'), 'x');
      const file = path.join(dir, 'config.json');
      await writeFile(
        file,
        JSON.stringify({
          ...BASE,
          stream: { host: '0.0.0.0', tls: { certFile: 'https.crt', keyFile: 'https.key' } },
        }),
      );
      await expect(loadConfig(file, configSchema)).rejects.toThrow(
        `stream.tls.keyFile: cannot read ${path.join(dir, 'https.key')}`,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
