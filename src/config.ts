/**
 * The one configuration file (default /etc/nattsyn/config.json), validated completely before
 * anything starts; every problem is reported as `<path>: <message>`. Nothing else in nattsyn reads
 * the environment. Key files are named by path, relative to the config file.
 */
import { constants } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { importSPKI, type KeyObject } from 'jose';
import { z } from 'zod';
import { cameraConfigSchema } from './camera/types.ts';
import { UsageError } from './errors.ts';
import { healthConfigSchema, mqttConfigSchema } from './health/config.ts';
import { readConfigJson } from './platform/startupFiles.ts';
import {
  DEFAULT_MAX_LIFETIME_SECONDS,
  formatIssues,
  MAX_CLOCK_TOLERANCE_SECONDS,
  type TokenTrust,
} from './policy/index.ts';
import { relayConfigSchema } from './relay/config.ts';
import { streamConfigSchema } from './stream/config.ts';

export const DEFAULT_CONFIG_PATH = '/etc/nattsyn/config.json';

export const coreConfigSchema = z.strictObject({
  deviceId: z.string().regex(/^[A-Za-z0-9-]{4,64}$/, 'expected 4-64 letters, digits or -'),
  stateDir: z.string().min(1).default('/var/lib/nattsyn'),
  policy: z.strictObject({
    /** The pinned policy public key (SPKI PEM file). */
    publicKey: z.string().min(1),
  }),
  tokens: z.strictObject({
    issuer: z.string().min(1),
    /** Pinned issuer public keys (SPKI PEM files); more than one during a rotation. */
    publicKeys: z.array(z.string().min(1)).min(1).max(4),
    /**
     * Keys pinned for install tokens alone (SPKI PEM files). When set, install tokens must be signed
     * by one of these and these sign nothing else: the installers' tooling cannot mint view tokens.
     */
    installKeys: z.array(z.string().min(1)).min(1).max(4).optional(),
    maxLifetimeSeconds: z
      .number()
      .int()
      .min(60)
      .max(DEFAULT_MAX_LIFETIME_SECONDS)
      .default(DEFAULT_MAX_LIFETIME_SECONDS),
    clockToleranceSeconds: z
      .number()
      .int()
      .min(0)
      .max(MAX_CLOCK_TOLERANCE_SECONDS)
      .default(MAX_CLOCK_TOLERANCE_SECONDS),
  }),
  clock: z
    .strictObject({
      /** Exists once systemd-timesyncd has synchronised the clock. */
      timesyncFile: z.string().default('/run/systemd/timesync/synchronized'),
      /** Only for the demo and development machines without timesyncd: trust the clock as it is. */
      assumeSynced: z.boolean().default(false),
    })
    .prefault({}),
  audit: z
    .strictObject({
      maxSegmentBytes: z
        .number()
        .int()
        .min(4096)
        .default(1 << 20),
      keepSegments: z.number().int().min(2).default(32),
    })
    .prefault({}),
  log: z
    .strictObject({ level: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info') })
    .prefault({}),
});

export type CoreConfig = z.output<typeof coreConfigSchema>;

/** The whole file: the core plus each folder's own section (each folder owns its schema). */
export const configSchema = coreConfigSchema
  .extend({
    camera: cameraConfigSchema.prefault({}),
    stream: streamConfigSchema.prefault({}),
    /** The monitoring centre's broker; without it health, events and audit delivery are off. */
    mqtt: mqttConfigSchema.optional(),
    health: healthConfigSchema.prefault({}),
    /** The centre's WHEP relay over MQTT 5: the relay keys this device pins (docs/centre.md). */
    relay: relayConfigSchema.optional(),
  })
  .refine((c) => c.relay === undefined || c.mqtt?.protocolVersion === 5, {
    message: 'the relay needs the broker link over MQTT 5 (mqtt.protocolVersion: 5)',
    path: ['relay'],
  });

export type Config = z.output<typeof configSchema>;

/** What the service takes from its environment: systemd's notify socket and watchdog period. */
export interface SystemdEnvironment {
  notifySocket: string | undefined;
  watchdogUsec: number | undefined;
}

/** The one place that reads the environment (docs/architecture.md: nothing else reads process.env). */
export function systemdEnvironment(env: NodeJS.ProcessEnv = process.env): SystemdEnvironment {
  const usec = Number(env.WATCHDOG_USEC);
  return {
    notifySocket: env.NOTIFY_SOCKET || undefined,
    watchdogUsec: Number.isFinite(usec) && usec > 0 ? usec : undefined,
  };
}

/** The config with its key files read and paths made absolute. */
export interface LoadedConfig<C extends CoreConfig = CoreConfig> {
  file: string;
  config: C;
  policyKey: KeyObject | CryptoKey;
  issuerKeys: (KeyObject | CryptoKey)[];
  /** `tokens.installKeys`, read; empty when install tokens share the issuer keys. */
  installKeys: (KeyObject | CryptoKey)[];
  /** `relay.centreKeys`, read; empty without a relay section. */
  relayKeys: (KeyObject | CryptoKey)[];
}

/** The staff-token trust the config pins: issuer, keys, this device, lifetime and skew bounds. */
export function tokenTrustOf(loaded: LoadedConfig): TokenTrust {
  const { tokens, deviceId } = loaded.config;
  return {
    issuer: tokens.issuer,
    keys: loaded.issuerKeys,
    installKeys: loaded.installKeys,
    deviceId,
    maxLifetimeSeconds: tokens.maxLifetimeSeconds,
    clockToleranceSeconds: tokens.clockToleranceSeconds,
  };
}

/** Parses a config object; throws UsageError listing every problem. */
export function parseConfig<S extends z.ZodType>(schema: S, raw: unknown): z.output<S> {
  const parsed = schema.safeParse(raw);
  if (!parsed.success)
    throw new UsageError(`invalid configuration\n${formatIssues(parsed.error).join('\n')}`);
  return parsed.data;
}

export async function loadConfig<S extends z.ZodType<CoreConfig, unknown>>(
  file: string,
  schema: S,
): Promise<LoadedConfig<z.output<S>>> {
  const { absolute, raw } = await readConfigJson(file);
  const config = parseConfig(schema, raw);
  const dir = path.dirname(absolute);
  const policyKey = await readPublicKey(path.resolve(dir, config.policy.publicKey), 'policy.publicKey');
  const issuerKeys = await Promise.all(
    config.tokens.publicKeys.map((p, i) => readPublicKey(path.resolve(dir, p), `tokens.publicKeys.${i}`)),
  );
  const installKeys = await readInstallKeys(config.tokens, dir);
  const relayFiles = (config as Partial<Config>).relay?.centreKeys ?? [];
  const relayKeys = await Promise.all(
    relayFiles.map((p, i) => readPublicKey(path.resolve(dir, p), `relay.centreKeys.${i}`)),
  );
  const resolved = resolvePaths(config, dir);
  await checkReadable(resolved);
  return { file: absolute, config: resolved, policyKey, issuerKeys, installKeys, relayKeys };
}

/** Makes every file path in the config absolute, relative to the config file's folder. */
function resolvePaths<C extends CoreConfig>(config: C, dir: string): C {
  const out = { ...config, stateDir: path.resolve(dir, config.stateDir) } as C & Partial<Config>;
  const abs = (file: string) => path.resolve(dir, file);
  if (out.stream?.tls) {
    const { certFile, keyFile } = out.stream.tls;
    out.stream = { ...out.stream, tls: { certFile: abs(certFile), keyFile: abs(keyFile) } };
  }
  if (out.mqtt?.tls) {
    const { caFile, certFile, keyFile } = out.mqtt.tls;
    out.mqtt = {
      ...out.mqtt,
      tls: { ...out.mqtt.tls, caFile: abs(caFile), certFile: abs(certFile), keyFile: abs(keyFile) },
    };
  }
  return out;
}

/** Every certificate and key file the config names must be readable now, not at the first request. */
async function checkReadable(config: CoreConfig & Partial<Config>): Promise<void> {
  const files: [string, string | undefined][] = [
    ['stream.tls.certFile', config.stream?.tls?.certFile],
    ['stream.tls.keyFile', config.stream?.tls?.keyFile],
    ['mqtt.tls.caFile', config.mqtt?.tls?.caFile],
    ['mqtt.tls.certFile', config.mqtt?.tls?.certFile],
    ['mqtt.tls.keyFile', config.mqtt?.tls?.keyFile],
  ];
  const problems: string[] = [];
  for (const [where, file] of files) {
    const readable =
      file === undefined ||
      (await access(file, constants.R_OK).then(
        () => true,
        () => false,
      ));
    if (!readable) problems.push(`${where}: cannot read ${file}`);
  }
  if (problems.length > 0) throw new UsageError(`invalid configuration\n${problems.join('\n')}`);
}

/** The install-only keys; one that is also an issuer key would give its holder every scope. */
async function readInstallKeys(
  tokens: CoreConfig['tokens'],
  dir: string,
): Promise<(KeyObject | CryptoKey)[]> {
  const files = tokens.installKeys ?? [];
  const spki = async (file: string) => (await readFile(path.resolve(dir, file), 'utf8')).replace(/\s+/g, '');
  const issuerPems = await Promise.all(tokens.publicKeys.map(spki));
  const keys: (KeyObject | CryptoKey)[] = [];
  for (const [i, file] of files.entries()) {
    const where = `tokens.installKeys.${i}`;
    const key = await readPublicKey(path.resolve(dir, file), where);
    if (issuerPems.includes(await spki(file)))
      throw new UsageError(
        `${where}: ${file} is also in tokens.publicKeys; an install key must be a key of its own`,
      );
    keys.push(key);
  }
  return keys;
}

/** Reads an Ed25519 public key (SPKI PEM). */
export async function readPublicKey(file: string, where: string): Promise<KeyObject | CryptoKey> {
  let pem: string;
  try {
    pem = await readFile(file, 'utf8');
  } catch {
    throw new UsageError(`${where}: cannot read ${file}`);
  }
  try {
    return await importSPKI(pem, 'EdDSA');
  } catch {
    throw new UsageError(`${where}: ${file} is not an Ed25519 public key (SPKI PEM)`);
  }
}
