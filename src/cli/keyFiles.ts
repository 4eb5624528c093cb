/** Ed25519 key files for the verbs that sign (token, policy sign) and the demo that makes its own keys. */
import { readFile } from 'node:fs/promises';
import { exportPKCS8, exportSPKI, generateKeyPair, importPKCS8, type KeyObject } from 'jose';
import { UsageError } from '../errors.ts';

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
