/**
 * Self-test checks of the device around the camera: clock, broker over TLS with the device
 * certificate, policy, disk, service, registration. Each wraps one injected question.
 */
import { X509Certificate } from 'node:crypto';
import { readFile, statfs } from 'node:fs/promises';
import type { KeyObject } from 'jose';
import mqtt from 'mqtt';
import { POLICY_FILE } from '../access/index.ts';
import { type DurableStore, type PolicyVerdict, verifyPolicy } from '../policy/index.ts';
import type { RunProcess } from './process.ts';
import type { LoadedRegistration } from './registration.ts';
import type { SelftestCheck } from './selftest.ts';

export function clockCheck(isSynced: () => Promise<boolean>): SelftestCheck {
  return {
    id: 'clock',
    title: 'Clock synchronised',
    fix: 'the board has no battery clock: check the network and `timedatectl timesync-status` (NTP must be reachable)',
    async run() {
      const ok = await isSynced();
      return {
        ok,
        detail: ok ? 'NTP synchronised' : 'not synchronised yet: every look is refused until it is',
      };
    },
  };
}

export interface BrokerProbeOptions {
  registration: LoadedRegistration | undefined;
  connectTimeoutMs?: number;
}

/** Connects to the broker with the device certificate and waits for CONNACK, then disconnects. */
export function brokerCheck(options: BrokerProbeOptions): SelftestCheck {
  return {
    id: 'broker',
    title: 'Broker reachable over TLS with the device certificate',
    fix: 'check the broker address and port, that the CA signed this device’s CSR (`nattsyn register --cert`) and the firewall or 4G router',
    async run() {
      const reg = options.registration;
      if (!reg) return { ok: false, detail: 'not registered' };
      const [key, cert, ca] = await Promise.all(
        [reg.tls.keyFile, reg.tls.certFile, reg.tls.caFile].map((f) => readFile(f).catch(() => undefined)),
      );
      if (!cert) return { ok: false, detail: 'no device certificate installed yet' };
      const url = new URL(reg.registration.brokerUrl);
      const client = await mqtt
        .connectAsync(
          url.href,
          {
            key,
            cert,
            ca,
            clientId: `${reg.registration.deviceId}-selftest`,
            reconnectPeriod: 0,
            connectTimeout: options.connectTimeoutMs ?? 8000,
            rejectUnauthorized: true,
            protocolVersion: 5,
          },
          false,
        )
        .catch((error: Error) => error);
      if (client instanceof Error) return { ok: false, detail: `${url.host}: ${client.message}` };
      await client.endAsync();
      return { ok: true, detail: `${url.host}: connected as ${reg.registration.deviceId}` };
    },
  };
}

/** The policy in force for this device, as the access controller last verified it. */
export function policyCheck(current: () => Promise<PolicyVerdict | undefined>): SelftestCheck {
  return {
    id: 'policy',
    title: 'Policy valid for this device',
    fix: 'ask the monitoring centre to publish the resident’s signed policy to this device (nattsyn/v1/<id>/policy)',
    async run() {
      const verdict = await current();
      if (!verdict) return { ok: false, detail: 'no policy installed: every look is refused' };
      if (!verdict.ok) return { ok: false, detail: `${verdict.code}: ${verdict.message}` };
      const b = verdict.policy.body;
      return { ok: true, detail: `version ${b.version}, ${b.windows.length} windows, ${b.timeZone}` };
    },
  };
}

/** The policy the service persisted, verified afresh: the CLI self-test runs in its own process. */
export function storedPolicy(
  store: Pick<DurableStore, 'read'>,
  publicKey: KeyObject | CryptoKey,
  deviceId: string,
): () => Promise<PolicyVerdict | undefined> {
  return async () => {
    const jws = await store.read(POLICY_FILE);
    return jws === undefined
      ? undefined
      : verifyPolicy(jws.trim(), { publicKey, deviceId, currentVersion: undefined });
  };
}

export function diskCheck(dir: string, minFreeBytes = 200 * 1024 * 1024): SelftestCheck {
  return {
    id: 'disk',
    title: 'Disk space',
    fix: 'free space on the SD card (`sudo journalctl --vacuum-size=50M`) or use a larger card',
    async run() {
      const s = await statfs(dir);
      const free = s.bavail * s.bsize;
      const mb = (n: number) => `${Math.floor(n / 1024 / 1024)} MB`;
      return { ok: free >= minFreeBytes, detail: `${mb(free)} free in ${dir} (need ${mb(minFreeBytes)})` };
    },
  };
}

export function serviceCheck(run: RunProcess, unit = 'nattsyn.service'): SelftestCheck {
  return {
    id: 'service',
    title: 'Service running',
    fix: `start it with \`sudo systemctl enable --now ${unit}\` and read \`journalctl -u ${unit} -n 50\``,
    async run() {
      const r = await run('systemctl', ['is-active', unit]);
      const state = r.stdout.trim() || (r.code === 127 ? 'systemctl not found' : 'unknown');
      return { ok: r.code === 0 && state === 'active', detail: `${unit} is ${state}` };
    },
  };
}

/** Registered, and the device certificate valid for at least `minDays` more days. */
/**
 * What is wrong with the config file the CLI self-test reads the camera and GPIO settings from, or
 * undefined when it is readable JSON. A missing file is named as such (issue 9): without it the
 * camera would be tested with defaults the service never runs with.
 */
export async function configProblemOf(configFile: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await readFile(configFile, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? `${configFile} does not exist` : `${configFile}: cannot read it (${code})`;
  }
  try {
    JSON.parse(text);
    return undefined;
  } catch {
    return `${configFile} is not valid JSON`;
  }
}

/** Listed only when the config file is unusable: the reason, and what the installer should do. */
export function configCheck(problem: string): SelftestCheck {
  return {
    id: 'config',
    title: 'Config file present',
    fix: 'run `sudo nattsyn register` (it writes the config, docs/install.md), or name the file with --config FILE',
    run: async () => ({ ok: false, detail: problem }),
  };
}

export function registrationCheck(
  registration: LoadedRegistration | undefined,
  now: () => Date,
  minDays = 30,
): SelftestCheck {
  return {
    id: 'registration',
    title: 'Registered, certificate valid',
    fix: 'run `sudo nattsyn register` (docs/install.md) and install the certificate the CA issued with --cert',
    async run() {
      if (!registration) return { ok: false, detail: 'not registered' };
      const pem = await readFile(registration.tls.certFile, 'utf8').catch(() => undefined);
      const { deviceId, carePlanRef } = registration.registration;
      if (!pem) return { ok: false, detail: `${deviceId} bound to ${carePlanRef}, no certificate yet` };
      const days = (Date.parse(new X509Certificate(pem).validTo) - now().getTime()) / 86_400_000;
      return {
        ok: days >= minDays,
        detail: `${deviceId} bound to ${carePlanRef}, certificate valid ${Math.floor(days)} more days`,
      };
    },
  };
}
