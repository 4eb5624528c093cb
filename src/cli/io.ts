/** What a CLI verb may touch of the terminal, so verbs run in tests without a process of their own. */
import { readFile } from 'node:fs/promises';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { exportPKCS8, exportSPKI, generateKeyPair, importPKCS8, type KeyObject } from 'jose';
import { UsageError } from '../errors.ts';

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

export const processIo: CliIo = {
  out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
};

/** Exit codes of every verb (DESIGN.md, "Public interfaces"). */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

export function showHelp(io: CliIo, text: string): number {
  io.out(text);
  return EXIT.ok;
}

export type Verb = (args: string[], io: CliIo) => Promise<number>;

/** parseArgs, with its errors turned into usage errors (exit 2). */
export function parseVerbArgs<O extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: O) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (cause) {
    throw new UsageError((cause as Error).message);
  }
}

export function required(values: Record<string, unknown>, name: string): string {
  const v = values[name];
  if (typeof v !== 'string' || v === '') throw new UsageError(`--${name} is required`);
  return v;
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

/** Parses a duration such as `90`, `90s`, `30m`, `8h` into seconds. */
export function parseDuration(text: string, what: string): number {
  const m = /^(\d+)\s*([smh]?)$/.exec(text.trim());
  if (!m) throw new UsageError(`${what}: expected a duration such as 90s, 30m or 8h`);
  const n = Number(m[1]);
  return m[2] === 'h' ? n * 3600 : m[2] === 'm' ? n * 60 : n;
}

/** Resolves on SIGINT/SIGTERM (or when `signal` aborts, for tests). */
export function untilSignal(signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
    signal?.addEventListener('abort', done, { once: true });
  });
}
