import { generateKeyPairSync } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configSchema, parseConfig, readPublicKey } from '../../src/config.ts';
import { isDeviceId } from '../../src/install/identity.ts';
import { runProcess } from '../../src/install/process.ts';
import {
  loadRegistration,
  type RegistrationInput,
  register,
  registrationRecord,
} from '../../src/install/registration.ts';
import { withMqtt } from './configShape.ts';
import { ed25519, makeCa, type TestCa } from './pki.ts';

let dir: string;
let stateDir: string;
let ca: TestCa;
const now = () => new Date();

function input(over: Partial<RegistrationInput> = {}): RegistrationInput {
  return {
    carePlanRef: 'VP-2026-00417',
    issuer: 'https://idp.example-kommun.se',
    issuerKeysPem: [ed25519().publicPem],
    policyKeyPem: ed25519().publicPem,
    brokerUrl: 'mqtts://127.0.0.1:8883',
    brokerCaPem: ca.caPem,
    ...over,
  };
}

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'nattsyn-reg-'));
  stateDir = path.join(dir, 'state');
  ca = await makeCa(dir);
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('register', () => {
  it('creates an Ed25519 identity once, with a private key only the service user can read', async () => {
    const first = await register(input(), {
      stateDir,
      run: runProcess,
      now: () => new Date('2026-11-23T10:00:00Z'),
    });
    const second = await register(input(), {
      stateDir,
      run: runProcess,
      now: () => new Date('2026-11-23T11:00:00Z'),
    });
    expect(first.identityCreated).toBe(true);
    expect(second.identityCreated).toBe(false);
    expect(second.registration.deviceId).toBe(first.registration.deviceId);
    expect(second.registration.registeredAt).toBe(first.registration.registeredAt);
    expect(isDeviceId(first.registration.deviceId)).toBe(true);
    expect((await stat(path.join(stateDir, 'identity.key'))).mode & 0o777).toBe(0o600);
    expect((await stat(path.join(stateDir, 'mqtt.key'))).mode & 0o777).toBe(0o600);
    expect(await readFile(path.join(stateDir, 'identity.key'), 'utf8')).toMatch(/BEGIN PRIVATE KEY/);
  });

  it('makes a CSR the real openssl accepts, and installs the certificate the CA signed for it', async () => {
    const first = await register(input(), { stateDir, run: runProcess, now });
    expect(first.certificateInstalled).toBe(false);
    const check = await runProcess('openssl', ['req', '-verify', '-noout', '-subject'], {
      input: first.csrPem,
    });
    expect(check.code).toBe(0);
    expect(check.stdout).toContain(`CN = ${first.registration.deviceId}`);
    const certPem = await ca.sign(first.csrPem);
    const second = await register(input({ certPem }), { stateDir, run: runProcess, now });
    expect(second.certificateInstalled).toBe(true);
  });

  it('refuses a certificate made for another key', async () => {
    await register(input(), { stateDir, run: runProcess, now });
    const otherKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const otherKeyFile = path.join(dir, 'other.key');
    await writeFile(otherKeyFile, otherKey.export({ type: 'pkcs8', format: 'pem' }) as string);
    const csr = await runProcess('openssl', ['req', '-new', '-key', otherKeyFile, '-subj', '/CN=someone']);
    const certPem = await ca.sign(csr.stdout);
    await expect(register(input({ certPem }), { stateDir, run: runProcess, now })).rejects.toMatchObject({
      code: 'certificate_mismatch',
    });
  });

  it('refuses a certificate from another CA', async () => {
    const first = await register(input(), { stateDir, run: runProcess, now });
    await mkdir(path.join(dir, 'other'));
    const other = await makeCa(path.join(dir, 'other'));
    const certPem = await other.sign(first.csrPem);
    await expect(register(input({ certPem }), { stateDir, run: runProcess, now })).rejects.toMatchObject({
      code: 'certificate_untrusted',
    });
    await expect(
      register(input({ certPem: 'nonsense' }), { stateDir, run: runProcess, now }),
    ).rejects.toMatchObject({
      code: 'certificate_invalid',
    });
  });

  it.each([
    ['Anna Svensson', /spaces/],
    ['Storgatan12', /words/],
    ['19450312-1234', /personnummer/],
    ['vp194503121234', /personnummer/],
    ['anna@example.se', /e-mail/],
    ['ABCDEFG', /two digits/],
  ])('refuses the care-plan reference %s', async (carePlanRef, problem) => {
    await expect(register(input({ carePlanRef }), { stateDir, run: runProcess, now })).rejects.toThrow(
      problem,
    );
  });

  it('accepts opaque references such as a case number or a UUID', async () => {
    for (const carePlanRef of ['VP-2026-00417', '3f2b8c1e-9d4a-4e7b-a0c2-5d1e6f7a8b9c'])
      await expect(
        register(input({ carePlanRef }), { stateDir: path.join(dir, carePlanRef), run: runProcess, now }),
      ).resolves.toBeDefined();
  });

  it('will not move a registered device to another care plan without --rebind', async () => {
    await register(input(), { stateDir, run: runProcess, now });
    await expect(
      register(input({ carePlanRef: 'VP-2026-00999' }), { stateDir, run: runProcess, now }),
    ).rejects.toThrow(/--rebind/);
    const moved = await register(input({ carePlanRef: 'VP-2026-00999', rebind: true }), {
      stateDir,
      run: runProcess,
      now,
    });
    expect(moved.registration.carePlanRef).toBe('VP-2026-00999');
  });

  it('refuses a plain-text broker and keys that are not Ed25519', async () => {
    await expect(
      register(input({ brokerUrl: 'mqtt://127.0.0.1:1883' }), { stateDir, run: runProcess, now }),
    ).rejects.toThrow(/TLS only/);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({
      type: 'spki',
      format: 'pem',
    });
    await expect(
      register(input({ policyKeyPem: rsa as string }), { stateDir, run: runProcess, now }),
    ).rejects.toThrow(/Ed25519/);
  });

  it('gives the service its trust keys and TLS files, and a record without any personal data', async () => {
    const { registration } = await register(input(), { stateDir, run: runProcess, now });
    const loaded = await loadRegistration(stateDir);
    expect(loaded?.issuerKeys[0]?.asymmetricKeyType).toBe('ed25519');
    expect(loaded?.tls.keyFile).toBe(path.join(stateDir, 'mqtt.key'));
    const { topic, payload } = registrationRecord(registration, registration.issuerKeys[0]!);
    expect(topic).toBe(`nattsyn/v1/${registration.deviceId}/registration`);
    expect(payload).not.toMatch(/BEGIN|PRIVATE/);
    expect(JSON.parse(payload)).toMatchObject({
      deviceId: registration.deviceId,
      carePlanRef: 'VP-2026-00417',
    });
  });

  it('writes the trust binding into the service config, keeping every other setting', async () => {
    const configFile = path.join(dir, 'etc', 'config.json');
    await mkdir(path.dirname(configFile));
    await writeFile(configFile, '{ "log": { "level": "debug" }, "tokens": { "maxLifetimeSeconds": 3600 } }');
    const { registration } = await register(input(), { stateDir, configFile, run: runProcess, now });
    // Parsed, not loaded: the broker certificate only arrives with `register --cert` (loadConfig checks it).
    const config = parseConfig(withMqtt, JSON.parse(await readFile(configFile, 'utf8')));
    const issuerKeys = await Promise.all(
      config.tokens.publicKeys.map((p) => readPublicKey(path.resolve(path.dirname(configFile), p), 'issuer')),
    );
    expect(config).toMatchObject({
      deviceId: registration.deviceId,
      log: { level: 'debug' },
      tokens: { issuer: 'https://idp.example-kommun.se', maxLifetimeSeconds: 3600 },
    });
    expect(issuerKeys).toHaveLength(1);
    expect(config.mqtt).toEqual({
      url: 'mqtts://127.0.0.1:8883',
      tls: {
        caFile: path.join(stateDir, 'broker-ca.crt'),
        certFile: path.join(stateDir, 'mqtt.crt'),
        keyFile: path.join(stateDir, 'mqtt.key'),
      },
    });
    expect(registration.configFiles).toContain(configFile);
  });

  it('turns the installed skeleton into a config for the real camera, its GPIO and HTTPS for staff', async () => {
    const skeleton = JSON.parse(await readFile('systemd/config.skeleton.json', 'utf8'));
    // Explicit in the file, not left to schema defaults (which once picked the demo's fake room).
    expect(skeleton.camera).toMatchObject({ driver: 'rpicam', gpio: { enabled: true } });
    const configFile = path.join(dir, 'etc', 'config.json');
    await mkdir(path.dirname(configFile));
    await copyFile('systemd/config.skeleton.json', configFile);
    await register(input(), { stateDir, configFile, run: runProcess, now });
    const config = parseConfig(configSchema, JSON.parse(await readFile(configFile, 'utf8')));
    expect(config.camera.driver).toBe('rpicam');
    expect(config.camera.gpio).toMatchObject({ enabled: true, irPin: 17, ledPin: 27 });
    expect(config.stream.host).toBe('0.0.0.0');
    expect(config.stream.tls?.certFile).toMatch(/^\/etc\/nattsyn\//);
    expect(config.stream.tls?.keyFile).toMatch(/^\/etc\/nattsyn\//);
  });
});
