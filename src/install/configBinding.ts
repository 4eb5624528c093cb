/**
 * Writes the registration's trust binding into the service config (src/config.ts): the device id,
 * the staff-token issuer and its pinned keys, the pinned policy key, and the broker with the
 * device's TLS files (health's `mqtt` section). Key files go next to the config
 * (the config names them by relative path); every other setting in the file is kept as it was.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../errors.ts';
import { writeFileAtomic } from '../platform/fsStore.ts';

export interface ConfigBinding {
  deviceId: string;
  issuer: string;
  issuerKeysPem: readonly string[];
  policyKeyPem: string;
  /** The health link's `mqtt` section: broker URL and the TLS files in the state directory. */
  broker?: { url: string; caFile: string; certFile: string; keyFile: string } | undefined;
}

type Json = Record<string, unknown>;

async function readConfig(file: string): Promise<Json> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return {};
  }
  try {
    const value: unknown = JSON.parse(text);
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Json;
  } catch {}
  throw new UsageError(`${file}: not a JSON object; fix or remove it before registering`);
}

const section = (config: Json, key: string): Json => {
  const value = config[key];
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {};
};

/** Returns every file written (config and key files), so a wipe can remove exactly those. */
export async function bindConfig(configFile: string, b: ConfigBinding): Promise<string[]> {
  const dir = path.dirname(configFile);
  const config = await readConfig(configFile);
  const written: string[] = [];
  const put = async (name: string, text: string) => {
    await writeFileAtomic(path.join(dir, name), text, 0o640);
    written.push(path.join(dir, name));
  };
  await put('policy.pub', b.policyKeyPem);
  const issuerNames = b.issuerKeysPem.map((_, i) => `issuer-${i + 1}.pub`);
  for (const [i, pem] of b.issuerKeysPem.entries()) await put(issuerNames[i]!, pem);
  const bound: Json = {
    ...config,
    deviceId: b.deviceId,
    policy: { ...section(config, 'policy'), publicKey: 'policy.pub' },
    tokens: { ...section(config, 'tokens'), issuer: b.issuer, publicKeys: issuerNames },
  };
  if (b.broker) {
    const { url, ...tls } = b.broker;
    const mqtt = section(config, 'mqtt');
    bound.mqtt = { ...mqtt, url, tls: { ...section(mqtt, 'tls'), ...tls } };
  }
  await put(path.basename(configFile), `${JSON.stringify(bound, null, 2)}\n`);
  return written;
}
