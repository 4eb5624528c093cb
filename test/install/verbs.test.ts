import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  configPathOf,
  httpsFilesOf,
  registerVerb,
  selftestVerb,
  stateDirOf,
  wipeVerb,
} from '../../src/install/verbs.ts';
import { ed25519, makeCa } from './pki.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'nattsyn-verbs-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('installer verbs wiring', () => {
  it('takes --config in both spellings and falls back to /etc/nattsyn/config.json', () => {
    expect(configPathOf(['--config', '/x/c.json'])).toBe('/x/c.json');
    expect(configPathOf(['--json', '--config=/y/c.json'])).toBe('/y/c.json');
    expect(configPathOf([])).toBe('/etc/nattsyn/config.json');
  });

  it('reads stateDir leniently from the config skeleton, relative to the config file', async () => {
    const file = path.join(dir, 'config.json');
    expect(await stateDirOf(file)).toBe('/var/lib/nattsyn');
    await writeFile(file, '{ "stateDir": "state" }');
    expect(await stateDirOf(file)).toBe(path.join(dir, 'state'));
    await writeFile(file, 'not json');
    expect(await stateDirOf(file)).toBe('/var/lib/nattsyn');
  });

  it('names the HTTPS certificate and key the config points at, so a wipe removes them too', async () => {
    const file = path.join(dir, 'config.json');
    expect(await httpsFilesOf(file)).toEqual([]);
    await writeFile(file, await readFile('systemd/config.skeleton.json', 'utf8'));
    expect(await httpsFilesOf(file)).toEqual(['/etc/nattsyn/https.crt', '/etc/nattsyn/https.key']);
    await writeFile(file, '{ "stream": { "tls": { "certFile": "tls/c.pem", "keyFile": "tls/k.pem" } } }');
    expect(await httpsFilesOf(file)).toEqual([path.join(dir, 'tls/c.pem'), path.join(dir, 'tls/k.pem')]);
  });

  it('registers into the state dir the config names and binds that config', async () => {
    const etc = path.join(dir, 'etc');
    await mkdir(etc);
    const configFile = path.join(etc, 'config.json');
    await writeFile(configFile, '{ "stateDir": "../state" }');
    const ca = await makeCa(dir);
    await writeFile(path.join(dir, 'ca.pem'), ca.caPem);
    await writeFile(path.join(dir, 'issuer.pem'), ed25519().publicPem);
    await writeFile(path.join(dir, 'policy.pem'), ed25519().publicPem);
    const out: string[] = [];
    const code = await registerVerb(
      ['--config', configFile, '--care-plan', 'VP-2026-00417', '--issuer', 'https://idp.example']
        .concat(['--issuer-key', path.join(dir, 'issuer.pem'), '--policy-key', path.join(dir, 'policy.pem')])
        .concat(['--broker', 'mqtts://127.0.0.1:8883', '--broker-ca', path.join(dir, 'ca.pem')]),
      { out: (t) => out.push(t), err: (t) => out.push(t) },
    );
    expect(code).toBe(0);
    expect((await stat(path.join(dir, 'state', 'identity.key'))).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(configFile, 'utf8'))).toMatchObject({
      stateDir: '../state',
      deviceId: expect.any(String),
    });
  });

  it('runs the self-test on an unregistered device and says registration is what to fix first', async () => {
    const configFile = path.join(dir, 'config.json');
    await writeFile(configFile, '{ "stateDir": "state" }');
    const out: string[] = [];
    const camera = {
      start: async () => {
        throw new Error('no camera connected');
      },
      stop: async () => {},
      status: () => ({
        state: 'stopped' as const,
        driver: 'none',
        fps: 0,
        lastFrameAgeMs: undefined,
        restarts: 0,
      }),
      onAccessUnit: () => () => {},
      onStatus: () => () => {},
    };
    const verb = selftestVerb(async () => ({ camera, gpioLines: [] }));
    const code = await verb(['--config', configFile, '--json'], {
      out: (t) => out.push(t),
      err: (t) => out.push(t),
    });
    expect(code).toBe(1);
    const report = JSON.parse(out.join(''));
    expect(report.checks[0]).toMatchObject({ id: 'registration', ok: false, detail: 'not registered' });
    expect(report.checks[1]).toMatchObject({ id: 'camera', ok: false, detail: 'no camera connected' });
  });

  it('refuses to wipe a device that has no identity', async () => {
    const configFile = path.join(dir, 'config.json');
    await writeFile(configFile, '{ "stateDir": "state" }');
    const err: string[] = [];
    const code = await wipeVerb(['--config', configFile, '--confirm', 'AAAA-BBBB-CCCC'], {
      out: () => {},
      err: (t) => err.push(t),
    });
    expect(code).toBe(2);
    expect(err.join('')).toMatch(/nothing to wipe/);
  });
});
