/**
 * The keys a care organisation holds and the verbs that sign with them: `nattsyn keys` writes an
 * Ed25519 key pair (issuer, policy or device signing keys), `nattsyn token` mints a staff token with
 * the issuer's key, `nattsyn policy sign` signs a resident policy with the policy key. The demo
 * makes its keys here too.
 */

import { randomUUID } from 'node:crypto';
import { access, readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { exportPKCS8, exportSPKI, generateKeyPair, importPKCS8, type KeyObject } from 'jose';
import { UsageError } from '../errors.ts';
import { type CliIo, EXIT, parseDuration, parseVerbArgs, required, showHelp } from '../platform/cliIo.ts';
import { writeFileAtomic } from '../platform/fsStore.ts';
import {
  DEFAULT_MAX_LIFETIME_SECONDS,
  epochMillis,
  formatIssues,
  mintStaffToken,
  policyBodySchema,
  SCOPES,
  type Scope,
  signPolicy,
} from '../policy/index.ts';

export const KEYS_HELP = `Usage: nattsyn keys --out DIR --name NAME [--force]

Writes an Ed25519 key pair: DIR/NAME.key (private, PKCS#8 PEM, mode 0600) and
DIR/NAME.pub (public, SPKI PEM). Use one pair for the staff-token issuer and one
for signing policies; give the devices only the .pub files.`;

export async function runKeys(args: string[], io: CliIo): Promise<number> {
  const { values } = parseVerbArgs(args, {
    out: { type: 'string' },
    name: { type: 'string' },
    force: { type: 'boolean' },
    help: { type: 'boolean' },
  });
  if (values.help) return showHelp(io, KEYS_HELP);
  const name = required(values, 'name');
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw new UsageError('--name: letters, digits, . _ and - only');
  const dir = required(values, 'out');
  const privateFile = path.join(dir, `${name}.key`);
  const publicFile = path.join(dir, `${name}.pub`);
  if (!values.force && (await exists(privateFile))) {
    throw new UsageError(`${privateFile} exists; pass --force to replace it`);
  }
  const { privatePem, publicPem } = await newKeyPair();
  await writeFileAtomic(privateFile, privatePem, 0o600);
  await writeFileAtomic(publicFile, publicPem, 0o644);
  io.out(JSON.stringify({ privateKey: privateFile, publicKey: publicFile }));
  return EXIT.ok;
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

/** Reads an Ed25519 private key (PKCS#8 PEM). */
export async function readPrivateKey(file: string): Promise<KeyObject | CryptoKey> {
  let pem: string;
  try {
    pem = await readFile(file, 'utf8');
  } catch {
    throw new UsageError(`cannot read the key file ${file}`);
  }
  try {
    return await importPKCS8(pem, 'EdDSA');
  } catch {
    throw new UsageError(`${file} is not an Ed25519 private key (PKCS#8 PEM)`);
  }
}

export async function newKeyPair(): Promise<{ privatePem: string; publicPem: string }> {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { extractable: true });
  return { privatePem: await exportPKCS8(privateKey), publicPem: await exportSPKI(publicKey) };
}

/** `nattsyn token`: mints a staff token with the issuer's private key. */
export const TOKEN_HELP = `Usage: nattsyn token --key FILE --issuer ISS --device ID --sub STAFF
                     [--scope view|emergency|install] [--ttl 8h] [--reason TEXT] [--kid KID]

Prints a staff token (JWT, EdDSA) for one device. --scope defaults to view;
emergency needs --reason. --ttl is at most 12h. Give it to the viewer in the
URL fragment (#token=...) or paste it; never put it in a query string.`;

export async function runToken(args: string[], io: CliIo): Promise<number> {
  const { values } = parseVerbArgs(args, {
    key: { type: 'string' },
    issuer: { type: 'string' },
    device: { type: 'string' },
    sub: { type: 'string' },
    scope: { type: 'string', default: 'view' },
    ttl: { type: 'string', default: '8h' },
    reason: { type: 'string' },
    kid: { type: 'string' },
    help: { type: 'boolean' },
  });
  if (values.help) return showHelp(io, TOKEN_HELP);
  const scope = values.scope as Scope;
  if (!SCOPES.includes(scope)) throw new UsageError(`--scope: one of ${SCOPES.join(', ')}`);
  if (scope === 'emergency' && !values.reason?.trim())
    throw new UsageError('--reason is required for an emergency token');
  const ttlSeconds = parseDuration(values.ttl, '--ttl');
  if (ttlSeconds < 1 || ttlSeconds > DEFAULT_MAX_LIFETIME_SECONDS)
    throw new UsageError('--ttl: between 1s and 12h');
  const key = await readPrivateKey(required(values, 'key'));
  const token = await mintStaffToken(
    {
      issuer: required(values, 'issuer'),
      deviceId: required(values, 'device'),
      staffId: required(values, 'sub'),
      scope,
      ttlSeconds,
      reason: values.reason,
      tokenId: randomUUID(),
      now: epochMillis(Date.now()),
      keyId: values.kid,
    },
    key,
  );
  io.out(token);
  return EXIT.ok;
}

/** `nattsyn policy sign`: validates a policy JSON file and signs it with the policy key. */
export const POLICY_HELP = `Usage: nattsyn policy sign --key FILE --in POLICY.json [--out FILE]

Validates the policy (deviceId, version, issuedAt, timeZone, windows, oneOff,
pauses, maxViewers, maxSessionSeconds, emergencyAllowed, revokedTokenIds) and
prints it as a compact JWS signed with the policy key, or writes it to --out.
Every problem is listed as <path>: <message>.`;

export async function runPolicy(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '--help' || sub === 'help') return showHelp(io, POLICY_HELP);
  if (sub !== 'sign')
    throw new UsageError(`unknown policy command "${sub}"; try: nattsyn policy sign --help`);
  const { values } = parseVerbArgs(rest, {
    key: { type: 'string' },
    in: { type: 'string' },
    out: { type: 'string' },
    help: { type: 'boolean' },
  });
  if (values.help) return showHelp(io, POLICY_HELP);
  const input = required(values, 'in');
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(input, 'utf8'));
  } catch (cause) {
    throw new UsageError(`${input}: not readable JSON (${(cause as Error).message})`);
  }
  const parsed = policyBodySchema.safeParse(raw);
  if (!parsed.success) throw new UsageError(`invalid policy\n${formatIssues(parsed.error).join('\n')}`);
  const jws = await signPolicy(parsed.data, await readPrivateKey(required(values, 'key')));
  if (values.out) await writeFileAtomic(values.out, `${jws}\n`, 0o644);
  else io.out(jws);
  return EXIT.ok;
}
