import { importPKCS8, type KeyObject } from 'jose';
import { UsageError } from '../errors.ts';
import { readConfigJson, readConfiguredSecret, readPublicFile } from '../platform/startupFiles.ts';
import { loadClientSecret } from './auth/index.ts';
import type { BrokerTlsMaterial } from './broker.ts';
import { type CentreConfig, parseCentreConfig } from './config.ts';
import { type CentreKey, loadCentreKey } from './keys/index.ts';

export const DEFAULT_CENTRE_CONFIG_PATH = '/etc/nattsyn/centre.json';

export interface LoadedCentreConfig {
  file: string;
  config: CentreConfig;
  relayKey: KeyObject | CryptoKey;
  centreKey: CentreKey;
  turnSecret: string | undefined;
  /** The OIDC client secret; undefined for a public client or a relay-only centre. */
  oidcClientSecret: string | undefined;
  httpTls: { key: Buffer; cert: Buffer } | undefined;
  brokerTls: BrokerTlsMaterial | undefined;
  /** The MPEG-1 fallback's device-facing listener: its key, certificate and the devices' CA. */
  fallbackTls: { key: Buffer; cert: Buffer; clientCa: Buffer } | undefined;
}

export async function loadCentreConfig(file: string): Promise<LoadedCentreConfig> {
  const { absolute, raw } = await readConfigJson(file);
  const config = parseCentreConfig(raw, absolute);
  const problems: string[] = [];
  const attempt = async <T>(fn: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await fn();
    } catch (error) {
      problems.push((error as Error).message);
      return undefined;
    }
  };
  const relayKey = await attempt(() => readEd25519Key(config.relay.signingKey, 'relay.signingKey'));
  const centreKey = await attempt(() => prefixed('keyFile', () => loadCentreKey(config.keyFile)));
  const turnSecret = config.turn
    ? await attempt(async () =>
        (await readConfiguredSecret(config.turn!.secretFile, 'turn.secretFile', 'not-world'))
          .toString('utf8')
          .trim(),
      )
    : undefined;
  const httpTls = config.http.tls
    ? await attempt(async () => ({
        key: await readConfiguredSecret(config.http.tls!.keyFile, 'http.tls.keyFile', 'owner-only'),
        cert: await readPublicFile(config.http.tls!.certFile, 'http.tls.certFile'),
      }))
    : undefined;
  const brokerTls = config.mqtt.tls ? await attempt(() => readBrokerTls(config.mqtt.tls!)) : undefined;
  const fallback = config.fallback?.tls;
  const fallbackTls = fallback
    ? await attempt(async () => ({
        key: await readConfiguredSecret(fallback.keyFile, 'fallback.tls.keyFile', 'owner-only'),
        cert: await readPublicFile(fallback.certFile, 'fallback.tls.certFile'),
        clientCa: await readPublicFile(fallback.clientCaFile, 'fallback.tls.clientCaFile'),
      }))
    : undefined;
  const oidcClientSecret = config.oidc
    ? await attempt(() => prefixed('oidc.clientSecretFile', () => loadClientSecret(config.oidc!)))
    : undefined;
  // Checked here so that every problem is listed at once; the issuer reads it again at start.
  if (config.staffTokens)
    await attempt(() => readEd25519Key(config.staffTokens!.privateKeyFile, 'staffTokens.privateKeyFile'));
  const db = config.archive?.database;
  if (db?.kind === 'postgres' && db.passwordFile)
    await attempt(() => readConfiguredSecret(db.passwordFile!, 'archive.database.passwordFile', 'not-world'));
  if (db?.kind === 'postgres' && db.tls)
    await attempt(() => readPublicFile(db.tls!.caFile, 'archive.database.tls.caFile'));
  if (problems.length > 0) throw new UsageError(`invalid configuration\n${problems.join('\n')}`);
  return {
    file: absolute,
    config,
    relayKey: relayKey!,
    centreKey: centreKey!,
    turnSecret,
    oidcClientSecret,
    httpTls,
    brokerTls,
    fallbackTls,
  };
}

async function readEd25519Key(file: string, where: string): Promise<KeyObject | CryptoKey> {
  const pem = (await readConfiguredSecret(file, where, 'owner-only')).toString('utf8');
  try {
    return await importPKCS8(pem, 'EdDSA');
  } catch {
    throw new UsageError(`${where}: ${file} is not an Ed25519 private key (PKCS#8 PEM)`);
  }
}

async function prefixed<T>(where: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw error instanceof UsageError ? new UsageError(`${where}: ${error.message}`) : error;
  }
}

async function readBrokerTls(tls: NonNullable<CentreConfig['mqtt']['tls']>): Promise<BrokerTlsMaterial> {
  const [ca, cert, key] = await Promise.all([
    readPublicFile(tls.caFile, 'mqtt.tls.caFile'),
    readPublicFile(tls.certFile, 'mqtt.tls.certFile'),
    readConfiguredSecret(tls.keyFile, 'mqtt.tls.keyFile', 'owner-only'),
  ]);
  return {
    ca: ca.toString('utf8'),
    cert: cert.toString('utf8'),
    key: key.toString('utf8'),
    ...(tls.serverName ? { serverName: tls.serverName } : {}),
  };
}
