/**
 * register → selftest → wipe through the CLI entry points, against a real mosquitto (TLS, client
 * certificates), real openssl, the real ffmpeg camera stand-in and a temporary state directory.
 */
import { createPublicKey } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import {
  brokerConnector,
  decommissionedEventSchema,
  registrationRecordSchema,
} from '../../src/install/brokerSession.ts';
import { runRegister } from '../../src/install/cliRegister.ts';
import { runWipe } from '../../src/install/cliWipe.ts';
import { InstallWindow } from '../../src/install/installWindow.ts';
import { cameraCheck } from '../../src/install/probes.ts';
import { runProcess } from '../../src/install/process.ts';
import { loadRegistration } from '../../src/install/registration.ts';
import { runSelftest } from '../../src/install/selftestRuns.ts';
import {
  brokerCheck,
  clockCheck,
  diskCheck,
  policyCheck,
  registrationCheck,
} from '../../src/install/systemProbes.ts';
import { FsStore } from '../../src/platform/fsStore.ts';
import { sha256Hex } from '../../src/platform/system.ts';
import { systemTime } from '../../src/platform/time.ts';
import { AuditLog, signPolicy, verifyPolicy } from '../../src/policy/index.ts';
import { withMqtt } from './configShape.ts';
import { FfmpegTestCamera } from './ffmpegCamera.ts';
import { startTlsBroker, type TlsBroker } from './mosquittoTls.ts';
import { ed25519, makeCa, type TestCa } from './pki.ts';

let top: string;
let broker: TlsBroker;
let centre: MqttClient;
let ca: TestCa;
const received: { topic: string; payload: string; retain: boolean }[] = [];

function waitFor(
  match: (m: (typeof received)[number]) => boolean,
  ms = 10_000,
): Promise<(typeof received)[number]> {
  const found = received.find(match);
  if (found) return Promise.resolve(found);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('message not received')), ms);
    const onMessage = () => {
      const m = received.find(match);
      if (!m) return;
      clearTimeout(timer);
      centre.off('message', onMessage);
      resolve(m);
    };
    centre.on('message', onMessage);
  });
}

const capture = () => {
  const out: string[] = [];
  const err: string[] = [];
  return { printed: out, errors: err, out: (t: string) => out.push(t), err: (t: string) => err.push(t) };
};

beforeAll(async () => {
  top = await mkdtemp(path.join(tmpdir(), 'nattsyn-roundtrip-'));
  await mkdir(path.join(top, 'ca'));
  ca = await makeCa(path.join(top, 'ca'));
  broker = await startTlsBroker(path.join(top, 'ca'), ca);
  const id = await ca.client('centre');
  centre = await mqtt.connectAsync(broker.url, {
    ...id,
    ca: ca.caPem,
    reconnectPeriod: 0,
    protocolVersion: 5,
  });
  centre.on('message', (topic, payload, packet) =>
    received.push({ topic, payload: payload.toString(), retain: packet.retain }),
  );
  await centre.subscribeAsync('nattsyn/v1/#', { qos: 1 });
});

afterAll(async () => {
  await centre?.endAsync();
  await broker?.stop();
  await rm(top, { recursive: true, force: true });
});

describe('register → selftest → wipe', () => {
  it('registers, passes the self-test and leaves no key or credential behind after the wipe', async () => {
    const device = path.join(top, 'device');
    const stateDir = path.join(device, 'var/lib/nattsyn');
    const configFile = path.join(device, 'etc/nattsyn/config.json');
    await mkdir(path.dirname(configFile), { recursive: true });
    await writeFile(configFile, '{ "stateDir": "/var/lib/nattsyn" }\n');
    const issuer = ed25519();
    const policy = ed25519();
    const files = path.join(top, 'paperwork');
    await mkdir(files);
    await writeFile(path.join(files, 'issuer.pem'), issuer.publicPem);
    await writeFile(path.join(files, 'policy.pem'), policy.publicPem);
    await writeFile(path.join(files, 'broker-ca.pem'), await readFile(path.join(top, 'ca', 'ca.crt')));
    const connect = brokerConnector();
    const now = () => new Date();
    const registerArgs = ['--care-plan', 'VP-2026-00417', '--issuer', 'https://idp.example']
      .concat([
        '--issuer-key',
        path.join(files, 'issuer.pem'),
        '--policy-key',
        path.join(files, 'policy.pem'),
      ])
      .concat(['--broker', broker.url, '--broker-ca', path.join(files, 'broker-ca.pem')]);

    // 1. First registration: identity, device id, QR code, CSR for the CA.
    const first = capture();
    expect(
      await runRegister(registerArgs, { ...first, stateDir, configFile, run: runProcess, now, connect }),
    ).toBe(0);
    const loaded0 = (await loadRegistration(stateDir))!;
    const deviceId = loaded0.registration.deviceId;
    expect(first.printed.join('')).toContain(`Device id        ${deviceId}`);
    expect(first.printed.join('')).toContain('BEGIN CERTIFICATE REQUEST');

    // 2. The CA signs the CSR; registering again with --cert publishes the retained record.
    const certFile = path.join(files, 'device.crt');
    await writeFile(certFile, await ca.sign(await readFile(path.join(stateDir, 'mqtt.csr'), 'utf8')));
    const second = capture();
    expect(
      await runRegister([...registerArgs, '--cert', certFile], {
        ...second,
        stateDir,
        configFile,
        run: runProcess,
        now,
        connect,
      }),
    ).toBe(0);
    const record = await waitFor(
      (m) => m.topic === `nattsyn/v1/${deviceId}/registration` && m.payload !== '',
    );
    expect(second.printed.join('')).toContain(
      'sudo systemctl reset-failed nattsyn && sudo systemctl start nattsyn',
    );
    expect(registrationRecordSchema.parse(JSON.parse(record.payload))).toMatchObject({
      deviceId,
      carePlanRef: 'VP-2026-00417',
    });

    const { config } = await loadConfig(configFile, withMqtt);
    expect(config).toMatchObject({
      deviceId,
      tokens: { issuer: 'https://idp.example' },
      stateDir: '/var/lib/nattsyn',
    });

    // 3. The self-test, with the real broker over TLS and frames from ffmpeg.
    const loaded = (await loadRegistration(stateDir))!;
    const jws = await signPolicy(
      { deviceId, version: 1, issuedAt: new Date().toISOString() },
      policy.privateKey,
    );
    const verdict = await verifyPolicy(jws, {
      publicKey: createPublicKey(policy.publicPem),
      deviceId,
      currentVersion: undefined,
    });
    const window = new InstallWindow({
      store: new FsStore(stateDir),
      time: systemTime,
    });
    const test = capture();
    const code = await runSelftest([], {
      ...test,
      now,
      monotonic: () => performance.now(),
      openAimingWindow: () => window.open('selftest'),
      checks: async () => ({
        deviceId,
        checks: [
          registrationCheck(loaded, now, 0),
          cameraCheck(new FfmpegTestCamera(), { frames: 5 }),
          clockCheck(async () => true),
          brokerCheck({ registration: loaded }),
          policyCheck(async () => verdict),
          diskCheck(stateDir, 1024),
        ],
      }),
    });
    expect(test.printed.join('')).toContain('All 6 checks passed.');
    expect(code).toBe(0);
    expect(window.until()).toBeDefined();

    // 4. The wipe: announced on the broker, retained record cleared, nothing left on disk.
    const wiped = capture();
    const openAudit = async () => {
      const audit = new AuditLog({
        store: new FsStore(stateDir),
        sha256: sha256Hex,
        time: systemTime,
      });
      await audit.open();
      return audit;
    };
    expect(
      await runWipe(['--confirm', deviceId], {
        ...wiped,
        stateDir,
        configFiles: [configFile],
        openAudit,
        connect,
        serviceActive: async () => false,
        now,
      }),
    ).toBe(0);
    const event = await waitFor((m) => m.topic === `nattsyn/v1/${deviceId}/event`);
    expect(decommissionedEventSchema.parse(JSON.parse(event.payload))).toMatchObject({
      code: 'decommissioned',
    });
    await waitFor((m) => m.topic === `nattsyn/v1/${deviceId}/registration` && m.payload === '');
    const left = (await readdir(device, { recursive: true, withFileTypes: true })).filter((e) => e.isFile());
    expect(left).toEqual([]);
    await expect(stat(path.join(stateDir, 'identity.key'))).rejects.toThrow(/ENOENT/);
  });
});
