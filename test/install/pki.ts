/** A throwaway CA made with the real openssl, for registration, broker TLS and wipe tests. */
import { generateKeyPairSync } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runProcess } from '../../src/install/process.ts';

async function openssl(args: string[]): Promise<string> {
  const r = await runProcess('openssl', args);
  if (r.code !== 0) throw new Error(`openssl ${args[0]} failed: ${r.stderr}`);
  return r.stdout;
}

export interface TestCa {
  dir: string;
  caPem: string;
  sign(csrPem: string): Promise<string>;
  /** A server certificate for an IP address (mosquitto's listener; 127.0.0.1 unless named). */
  server(ip?: string): Promise<{ certFile: string; keyFile: string }>;
  /** A client key and certificate with the given common name (the monitoring centre's subscriber). */
  client(cn: string): Promise<{ key: string; cert: string }>;
}

export async function makeCa(dir: string): Promise<TestCa> {
  const key = path.join(dir, 'ca.key');
  const crt = path.join(dir, 'ca.crt');
  await openssl(
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key].concat(
      ['-out', crt, '-subj', '/CN=nattsyn test CA', '-days', '2'],
    ),
  );
  let serial = 1;
  const signFile = async (csrFile: string, out: string, ext?: string): Promise<string> => {
    const extArgs = ext ? ['-extfile', ext] : [];
    await openssl(
      ['x509', '-req', '-in', csrFile, '-CA', crt, '-CAkey', key, '-set_serial', String(serial++)].concat([
        '-days',
        '1',
        '-sha256',
        '-out',
        out,
        ...extArgs,
      ]),
    );
    return readFile(out, 'utf8');
  };
  /** A P-256 key and a CSR for it, as files named after `name`. */
  const keyAndCsr = async (name: string, subject: string) => {
    const keyFile = path.join(dir, `${name}.key`);
    const csrFile = path.join(dir, `${name}.csr`);
    const newKey = ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
    await openssl([...newKey, '-keyout', keyFile, '-out', csrFile, '-subj', subject]);
    return { keyFile, csrFile };
  };
  const servers = new Map<string, Promise<{ certFile: string; keyFile: string }>>();
  return {
    dir,
    caPem: await readFile(crt, 'utf8'),
    async sign(csrPem) {
      const csrFile = path.join(dir, `req-${serial}.csr`);
      await writeFile(csrFile, csrPem);
      return signFile(csrFile, path.join(dir, `dev-${serial}.crt`));
    },
    server(ip = '127.0.0.1') {
      // One certificate per address: servers sharing an address (mosquitto and coturn in the lab's
      // public namespace) ask at once, and must not overwrite each other's key.
      let issued = servers.get(ip);
      if (!issued) {
        issued = (async () => {
          const { keyFile, csrFile } = await keyAndCsr(`server-${ip}`, `/CN=${ip}`);
          const certFile = path.join(dir, `server-${ip}.crt`);
          const ext = path.join(dir, `server-${ip}.ext`);
          await writeFile(ext, `subjectAltName=IP:${ip}\nextendedKeyUsage=serverAuth\n`);
          await signFile(csrFile, certFile, ext);
          return { certFile, keyFile };
        })();
        servers.set(ip, issued);
      }
      return issued;
    },
    async client(cn) {
      const { keyFile, csrFile } = await keyAndCsr(cn, `/CN=${cn}`);
      const cert = await signFile(csrFile, path.join(dir, `${cn}.crt`));
      return { key: await readFile(keyFile, 'utf8'), cert };
    },
  };
}

/** An Ed25519 key pair as PEM (issuer or policy key). */
export function ed25519(): { publicPem: string; privateKey: import('node:crypto').KeyObject } {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return { publicPem: publicKey.export({ type: 'spki', format: 'pem' }) as string, privateKey };
}
