/**
 * coturn as the centre would run it, started inside a lab namespace: TURN REST API credentials only
 * (`use-auth-secret`, the shared secret read from a 0600 file into a 0600 config, never on the
 * command line), UDP and TCP on 3478, TLS on 443 with a certificate from the test CA, no CLI, no
 * web admin, and no relay to loopback, private, link-local or multicast peers except the lab's
 * public ranges (coturn lets `allowed-peer-ip` win over `denied-peer-ip`).
 */
import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mintTurnCredential, type TurnCredential } from '../../../src/protocol/turn.ts';
import type { TestCa } from '../../install/pki.ts';
import type { Netns } from './netns.ts';

/** Peers a production TURN server must never relay to (RFC 6890 special-purpose ranges). */
export const DENIED_PEERS = [
  '0.0.0.0-0.255.255.255',
  '10.0.0.0-10.255.255.255',
  '100.64.0.0-100.127.255.255',
  '127.0.0.0-127.255.255.255',
  '169.254.0.0-169.254.255.255',
  '172.16.0.0-172.31.255.255',
  '192.0.0.0-192.0.0.255',
  '192.0.2.0-192.0.2.255',
  '192.168.0.0-192.168.255.255',
  '198.18.0.0-198.19.255.255',
  '198.51.100.0-198.51.100.255',
  '203.0.113.0-203.0.113.255',
  '224.0.0.0-255.255.255.255',
  '::1',
  '::ffff:0.0.0.0-::ffff:255.255.255.255',
  'fc00::-fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
  'fe80::-febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
];
/**
 * The lab's public ranges, allowed back in for the tests only. Its home and carrier LANs
 * (192.0.2.0/24, 100.64.0.0/10) stay denied as private networks are in the field: coturn 4.6 closes
 * a whole allocation when a relayed packet to an unroutable peer fails to send.
 */
export const LAB_PEERS = ['198.51.100.0-198.51.100.255', '203.0.113.0-203.0.113.255'];

export interface Coturn {
  address: string;
  /** The 0600 file holding the shared secret (what the centre's config names). */
  secretFile: string;
  /** ICE server URLs: UDP and TCP on 3478, TLS on 443. */
  urls: { udp: string; tcp: string; tls: string };
  /** The CA that signed coturn's TLS certificate (for a `turns:` client that verifies it). */
  caPem: string;
  /** A TURN REST credential for one session, valid for `ttlSeconds` (default 600). */
  credential(session: string, ttlSeconds?: number): TurnCredential;
  /** coturn's log so far (for a failing test's message). */
  log(): string;
  stop(): Promise<void>;
}

const hmacSha1Base64 = (secret: string, message: string) =>
  createHmac('sha1', secret).update(message).digest('base64');

export async function startCoturn(ns: Netns, dir: string, ca: TestCa, address: string): Promise<Coturn> {
  const secretFile = join(dir, 'turn.secret');
  writeFileSync(secretFile, randomBytes(24).toString('base64url'), { mode: 0o600 });
  const { certFile, keyFile } = await ca.server(address);
  const logFile = join(dir, 'turn.log');
  const conf = join(dir, 'turnserver.conf');
  const secret = readFileSync(secretFile, 'utf8').trim();
  const lines = [
    `listening-ip=${address}`,
    `relay-ip=${address}`,
    'listening-port=3478',
    'tls-listening-port=443',
    `cert=${certFile}`,
    `pkey=${keyFile}`,
    'no-dtls',
    'no-tlsv1',
    'no-tlsv1_1',
    'use-auth-secret',
    `static-auth-secret=${secret}`,
    'realm=nattsyn.lab',
    'fingerprint',
    'no-cli',
    'no-software-attribute',
    'no-multicast-peers',
    'no-rfc5780',
    'no-stun-backward-compatibility',
    'min-port=49152',
    'max-port=65535',
    `userdb=${join(dir, 'turndb')}`,
    `pidfile=${join(dir, 'turn.pid')}`,
    `log-file=${logFile}`,
    'simple-log',
    ...DENIED_PEERS.map((p) => `denied-peer-ip=${p}`),
    ...LAB_PEERS.map((p) => `allowed-peer-ip=${p}`),
  ];
  writeFileSync(conf, `${lines.join('\n')}\n`, { mode: 0o600 });
  const child = ns.spawn('turnserver', ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    stderr = (stderr + d).slice(-4000);
  });
  const log = () => {
    try {
      return readFileSync(logFile, 'utf8');
    } catch {
      return stderr;
    }
  };
  await waitForListeners(ns, address, () => child.exitCode !== null, log);
  return {
    address,
    secretFile,
    urls: {
      udp: `turn:${address}:3478?transport=udp`,
      tcp: `turn:${address}:3478?transport=tcp`,
      tls: `turns:${address}:443?transport=tcp`,
    },
    caPem: ca.caPem,
    credential: (session, ttlSeconds = 600) =>
      mintTurnCredential(
        { session, expiresAt: Math.floor(Date.now() / 1000) + ttlSeconds },
        readFileSync(secretFile, 'utf8').trim(),
        hmacSha1Base64,
      ),
    log,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** coturn is ready when UDP 3478, TCP 3478 and TCP 443 are all bound. */
async function waitForListeners(ns: Netns, address: string, exited: () => boolean, log: () => string) {
  const wanted = [`udp:${address}:3478`, `tcp:${address}:3478`, `tcp:${address}:443`];
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (exited()) throw new Error(`coturn exited:\n${log()}`);
    const bound = (await ns.listening()).map((l) => {
      const [proto, , , , local] = l.split(/\s+/);
      return `${proto}:${local}`;
    });
    if (wanted.every((w) => bound.includes(w))) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`coturn did not listen on ${wanted.join(', ')}:\n${log()}`);
}
