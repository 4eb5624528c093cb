/**
 * Registration (issue 5): binds this device to an opaque care-plan reference, the staff-token issuer
 * and its keys, the policy key and the broker, and records the binding in the state directory. The
 * binding is what the service trusts at start (`loadRegistration`); rebinding to another care plan
 * needs an explicit `rebind`, because a wrong binding once left a resident unsupervised for months.
 */
import { createHash, createPublicKey, type KeyObject, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { NattsynError, UsageError } from '../errors.ts';
import { topicsFor } from '../health/payloads.ts';
import { writeFileAtomic } from '../platform/fsStore.ts';
import { carePlanRefProblem } from '../protocol/carePlanRef.ts';
import type { Publish } from './brokerSession.ts';
import { bindConfig } from './configBinding.ts';
import {
  BROKER_CA_FILE,
  ensureIdentity,
  ensureMqttCsr,
  installCertificate,
  MQTT_CERT_FILE,
  MQTT_KEY_FILE,
} from './identity.ts';
import type { RunProcess } from './process.ts';

export const REGISTRATION_FILE = 'registration.json';

const pem = z.string().includes('-----BEGIN PUBLIC KEY-----');
const registrationSchema = z.strictObject({
  version: z.literal(1),
  deviceId: z.string(),
  carePlanRef: z.string(),
  issuer: z.string().min(1),
  issuerKeys: z.array(pem).min(1),
  policyKey: pem,
  brokerUrl: z.string(),
  registeredAt: z.iso.datetime(),
  /** Files outside the state directory that registration wrote (config, key files): wiped with it. */
  configFiles: z.array(z.string()).default([]),
});
export type Registration = z.infer<typeof registrationSchema>;

export interface RegistrationInput {
  carePlanRef: string;
  issuer: string;
  /** Ed25519 public keys (PEM) of the staff-token issuer; more than one during a rotation. */
  issuerKeysPem: string[];
  policyKeyPem: string;
  /** `mqtts://host:port`: the broker is only ever reached over TLS. */
  brokerUrl: string;
  brokerCaPem: string;
  /** The certificate the CA issued for this device's CSR, once there is one. */
  certPem?: string | undefined;
  /** Allows moving a registered device to another care plan. */
  rebind?: boolean | undefined;
}

export interface RegisterDeps {
  stateDir: string;
  /** The service config to write the trust binding into; left out, only the state dir is written. */
  configFile?: string | undefined;
  run: RunProcess;
  now: () => Date;
}

export interface RegisterResult {
  registration: Registration;
  identityCreated: boolean;
  csrPem: string;
  certificateInstalled: boolean;
}

function ed25519Pem(text: string, what: string): string {
  let key: KeyObject;
  try {
    key = createPublicKey(text);
  } catch (cause) {
    throw new UsageError(`${what}: not a PEM public key`, { cause });
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new UsageError(`${what}: must be an Ed25519 key`);
  return key.export({ type: 'spki', format: 'pem' }) as string;
}

function checkBroker(url: string, caPem: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw new UsageError('broker: not a URL (expected mqtts://host:port)', { cause });
  }
  if (parsed.protocol !== 'mqtts:') throw new UsageError('broker: must be mqtts:// (TLS only)');
  try {
    new X509Certificate(caPem);
  } catch (cause) {
    throw new UsageError('broker CA: not a PEM certificate', { cause });
  }
}

export async function loadRegistrationFile(stateDir: string): Promise<Registration | undefined> {
  const text = await readFile(path.join(stateDir, REGISTRATION_FILE), 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  const parsed = registrationSchema.safeParse(JSON.parse(text));
  if (!parsed.success)
    throw new NattsynError('registration_invalid', 'registration.json is damaged; register again');
  return parsed.data;
}

/** Checks everything the installer typed before anything is written; returns the keys as SPKI PEM. */
function validate(input: RegistrationInput): { issuerKeys: string[]; policyKey: string } {
  const refProblem = carePlanRefProblem(input.carePlanRef);
  if (refProblem) throw new UsageError(`care-plan: ${refProblem}`);
  if (input.issuerKeysPem.length === 0) throw new UsageError('issuer-key: at least one is required');
  const issuerKeys = input.issuerKeysPem.map((k, i) => ed25519Pem(k, `issuer-key[${i}]`));
  const policyKey = ed25519Pem(input.policyKeyPem, 'policy-key');
  checkBroker(input.brokerUrl, input.brokerCaPem);
  return { issuerKeys, policyKey };
}

const fileExists = (file: string): Promise<boolean> =>
  readFile(file).then(
    () => true,
    () => false,
  );

export async function register(input: RegistrationInput, deps: RegisterDeps): Promise<RegisterResult> {
  const { issuerKeys, policyKey } = validate(input);
  const identity = await ensureIdentity(deps.stateDir);
  const previous = await loadRegistrationFile(deps.stateDir);
  const sameCarePlan = previous?.carePlanRef === input.carePlanRef;
  if (previous && !sameCarePlan && !input.rebind) {
    throw new UsageError(
      `care-plan: this device is bound to ${previous.carePlanRef}; pass --rebind to move it to ${input.carePlanRef}`,
    );
  }
  const csrPem = await ensureMqttCsr(deps.stateDir, identity.deviceId, deps.run);
  await writeFileAtomic(path.join(deps.stateDir, BROKER_CA_FILE), input.brokerCaPem, 0o644);
  if (input.certPem !== undefined) {
    await installCertificate(deps.stateDir, identity.deviceId, input.certPem, input.brokerCaPem, deps.now());
  }
  const configFiles = deps.configFile
    ? await bindConfig(deps.configFile, {
        deviceId: identity.deviceId,
        issuer: input.issuer,
        issuerKeysPem: issuerKeys,
        policyKeyPem: policyKey,
        broker: { url: input.brokerUrl, ...tlsFiles(deps.stateDir) },
      })
    : [];
  const registration: Registration = {
    version: 1,
    deviceId: identity.deviceId,
    carePlanRef: input.carePlanRef,
    issuer: input.issuer,
    issuerKeys,
    policyKey,
    brokerUrl: input.brokerUrl,
    // The binding's date: kept when the same care plan is registered again (e.g. with --cert).
    registeredAt: previous && sameCarePlan ? previous.registeredAt : deps.now().toISOString(),
    configFiles: [...new Set([...(previous?.configFiles ?? []), ...configFiles])],
  };
  const file = path.join(deps.stateDir, REGISTRATION_FILE);
  await writeFileAtomic(file, `${JSON.stringify(registration, null, 2)}\n`, 0o600);
  const certificateInstalled = await fileExists(path.join(deps.stateDir, MQTT_CERT_FILE));
  return { registration, identityCreated: identity.created, csrPem, certificateInstalled };
}

/** Where the device's TLS material lives in the state directory. */
export const tlsFiles = (stateDir: string): { caFile: string; certFile: string; keyFile: string } => ({
  caFile: path.join(stateDir, BROKER_CA_FILE),
  certFile: path.join(stateDir, MQTT_CERT_FILE),
  keyFile: path.join(stateDir, MQTT_KEY_FILE),
});

/** SHA-256 over a key's SPKI DER, hex: how a key is named in records without sending the key. */
export const keyThumbprint = (pemText: string): string =>
  createHash('sha256')
    .update(createPublicKey(pemText).export({ type: 'spki', format: 'der' }))
    .digest('hex');

/** The retained registration record: what the centre needs to check the binding, nothing personal. */
export function registrationRecord(
  r: Registration,
  identityPublicKeyPem: string,
): { topic: string; payload: string } {
  const payload = {
    schema: 'nattsyn/registration/1',
    deviceId: r.deviceId,
    carePlanRef: r.carePlanRef,
    registeredAt: r.registeredAt,
    identityKey: keyThumbprint(identityPublicKeyPem),
    issuer: r.issuer,
    issuerKeys: r.issuerKeys.map(keyThumbprint),
    policyKey: keyThumbprint(r.policyKey),
  };
  return { topic: topicsFor(r.deviceId).registration, payload: JSON.stringify(payload) };
}

export async function publishRegistration(
  r: Registration,
  identityPublicKeyPem: string,
  publish: Publish,
): Promise<void> {
  const { topic, payload } = registrationRecord(r, identityPublicKeyPem);
  await publish(topic, payload, { retain: true, qos: 1 });
}

/** What the service needs from the registration, as keys: token trust, policy trust, TLS files. */
export interface LoadedRegistration {
  registration: Registration;
  issuerKeys: KeyObject[];
  policyKey: KeyObject;
  tls: { keyFile: string; certFile: string; caFile: string };
}

export async function loadRegistration(stateDir: string): Promise<LoadedRegistration | undefined> {
  const registration = await loadRegistrationFile(stateDir);
  if (!registration) return undefined;
  return {
    registration,
    issuerKeys: registration.issuerKeys.map((k) => createPublicKey(k)),
    policyKey: createPublicKey(registration.policyKey),
    tls: tlsFiles(stateDir),
  };
}
