/**
 * The device identity (issue 5), created once and kept in the state directory: an Ed25519 key whose
 * private half never leaves the folder (mode 0600), the device id derived from it, and the MQTT
 * client key and CSR (P-256, the curve every CA and broker accepts) for the municipality's CA.
 * Keys come from node:crypto, the CSR from `openssl req`, the certificate check from X509Certificate:
 * no hand-made crypto or ASN.1.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  X509Certificate,
} from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { NattsynError } from '../errors.ts';
import { writeFileAtomic } from '../platform/fsStore.ts';
import type { RunProcess } from './process.ts';

export const IDENTITY_KEY_FILE = 'identity.key';
export const MQTT_KEY_FILE = 'mqtt.key';
export const MQTT_CSR_FILE = 'mqtt.csr';
export const MQTT_CERT_FILE = 'mqtt.crt';
export const BROKER_CA_FILE = 'broker-ca.crt';

export interface DeviceIdentity {
  deviceId: string;
  publicKey: KeyObject;
  /** True when this call created the key (first registration). */
  created: boolean;
}

const readIfPresent = (file: string): Promise<string | undefined> =>
  readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });

/** Loads the identity key, or creates it when there is none. Never replaces an existing key. */
export async function ensureIdentity(stateDir: string): Promise<DeviceIdentity> {
  const file = path.join(stateDir, IDENTITY_KEY_FILE);
  const existing = await readIfPresent(file);
  if (existing !== undefined) {
    const publicKey = createPublicKey(createPrivateKey(existing));
    return { deviceId: deviceIdOf(publicKey), publicKey, created: false };
  }
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  await writeFileAtomic(file, privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, 0o600);
  return { deviceId: deviceIdOf(publicKey), publicKey, created: true };
}

/** Loads the identity without creating one; undefined on an unregistered device. */
export async function loadIdentity(stateDir: string): Promise<Omit<DeviceIdentity, 'created'> | undefined> {
  const pem = await readIfPresent(path.join(stateDir, IDENTITY_KEY_FILE));
  if (pem === undefined) return undefined;
  const publicKey = createPublicKey(createPrivateKey(pem));
  return { deviceId: deviceIdOf(publicKey), publicKey };
}

/** The identity's private key, which signs the audit log's checkpoints; undefined when unregistered. */
export async function loadIdentityKey(stateDir: string): Promise<KeyObject | undefined> {
  const pem = await readIfPresent(path.join(stateDir, IDENTITY_KEY_FILE));
  return pem === undefined ? undefined : createPrivateKey(pem);
}

/** The MQTT client key (created once) and a CSR for it with the device id as common name. */
export async function ensureMqttCsr(stateDir: string, deviceId: string, run: RunProcess): Promise<string> {
  const keyFile = path.join(stateDir, MQTT_KEY_FILE);
  if ((await readIfPresent(keyFile)) === undefined) {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    await writeFileAtomic(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, 0o600);
  }
  const csrFile = path.join(stateDir, MQTT_CSR_FILE);
  const existing = await readIfPresent(csrFile);
  if (existing !== undefined) return existing;
  const result = await run('openssl', [
    'req',
    '-new',
    '-sha256',
    '-key',
    keyFile,
    '-subj',
    `/O=nattsyn/CN=${deviceId}`,
  ]);
  if (result.code !== 0 || !result.stdout.includes('BEGIN CERTIFICATE REQUEST')) {
    throw new NattsynError(
      'openssl_failed',
      `openssl could not create the certificate request: ${result.stderr.trim()}`,
    );
  }
  await writeFileAtomic(csrFile, result.stdout, 0o644);
  return result.stdout;
}

/**
 * Installs the certificate the CA issued for our CSR, after checking that it carries our MQTT key
 * and our device id, and that it chains to the broker CA the installer gave.
 */
export async function installCertificate(
  stateDir: string,
  deviceId: string,
  certPem: string,
  caPem: string,
  now: Date,
): Promise<void> {
  let cert: X509Certificate;
  let ca: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
    ca = new X509Certificate(caPem);
  } catch (cause) {
    throw new NattsynError('certificate_invalid', 'the certificate or CA file is not a PEM certificate', {
      cause,
    });
  }
  const key = createPrivateKey(await readFile(path.join(stateDir, MQTT_KEY_FILE), 'utf8'));
  if (!cert.checkPrivateKey(key))
    throw new NattsynError('certificate_mismatch', 'the certificate is not for this device’s MQTT key');
  if (!cert.subject.split('\n').includes(`CN=${deviceId}`))
    throw new NattsynError('certificate_mismatch', `the certificate is not issued to ${deviceId}`);
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey))
    throw new NattsynError('certificate_untrusted', 'the certificate was not issued by the given CA');
  if (now < new Date(cert.validFrom) || now > new Date(cert.validTo))
    throw new NattsynError('certificate_expired', 'the certificate is not valid at this time');
  await writeFileAtomic(path.join(stateDir, MQTT_CERT_FILE), certPem, 0o644);
  await writeFileAtomic(path.join(stateDir, BROKER_CA_FILE), caPem, 0o644);
}

/**
 * The device id: the first 60 bits of SHA-256 over the identity public key (SPKI DER), in Crockford
 * base32 as three groups of four, e.g. `7K3M-Q9TD-WX2H`. Crockford's alphabet has no I, L, O or U,
 * so it reads aloud over a phone and survives being typed back (wipe) with the usual mix-ups.
 */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const GROUPS = 3;
const GROUP_LENGTH = 4;

export function deviceIdOf(publicKey: KeyObject): string {
  const digest = createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest();
  let bits = 0n;
  for (const byte of digest.subarray(0, 8)) bits = (bits << 8n) | BigInt(byte);
  const symbols = GROUPS * GROUP_LENGTH;
  bits >>= BigInt(64 - symbols * 5);
  let out = '';
  for (let i = symbols - 1; i >= 0; i--) out += ALPHABET[Number((bits >> BigInt(i * 5)) & 31n)];
  return out.match(new RegExp(`.{${GROUP_LENGTH}}`, 'g'))!.join('-');
}

/** What a person typed, in canonical form: case, spaces and hyphens ignored, O→0, I/L→1 (Crockford). */
export function normalizeDeviceId(typed: string): string {
  const symbols = typed.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  return symbols.match(new RegExp(`.{1,${GROUP_LENGTH}}`, 'g'))?.join('-') ?? '';
}

export const isDeviceId = (text: string): boolean =>
  /^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){2}$/.test(text);
