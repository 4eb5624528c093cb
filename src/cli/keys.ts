/**
 * `nattsyn keys`: writes an Ed25519 key pair (issuer, policy or device signing keys); and the key
 * files the signing verbs (token, policy sign) read and the demo makes.
 */
import { access, readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { exportPKCS8, exportSPKI, generateKeyPair, importPKCS8, type KeyObject } from 'jose';
import { UsageError } from '../errors.ts';
import { type CliIo, EXIT, parseVerbArgs, required, showHelp } from '../platform/cliIo.ts';
import { writeFileAtomic } from '../platform/fsStore.ts';

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
