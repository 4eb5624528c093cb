/**
 * A real mosquitto for integration tests: a free loopback port, a generated config in a temp dir,
 * optional persistence (so a stopped broker keeps a centre's queued messages), and a TLS variant
 * with a throwaway CA, server and client certificates made by `openssl`, client certificates
 * required and the ACL nattsyn ships (deploy/mosquitto/nattsyn.acl).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const MOSQUITTO = '/usr/sbin/mosquitto';

export interface ClientCert {
  certFile: string;
  keyFile: string;
}

export interface BrokerTls {
  caFile: string;
  /** A client certificate whose CN (the MQTT username under the ACL) is `cn`. */
  clientCert(cn: string): Promise<ClientCert>;
  /** A certificate signed by another CA, which the broker must refuse. */
  foreignCert(cn: string): Promise<ClientCert>;
  foreignCaFile: string;
}

export interface Broker {
  port: number;
  url: string;
  dir: string;
  tls: BrokerTls | undefined;
  /** Starts again on the same port with the same config (persistence restored). */
  start(): Promise<void>;
  /** SIGTERM and wait: mosquitto writes its persistence file on the way out. */
  stop(): Promise<void>;
  /** Stops and removes the temp dir. */
  dispose(): Promise<void>;
  running(): boolean;
  /** What the broker logged on stderr since it was created (the `logTypes` it was given). */
  log(): string;
  /** SIGSTOP: the broker keeps every connection open and answers nothing (a hung broker). */
  pause(): void;
  /** SIGCONT after `pause()`. */
  resume(): void;
}

export interface BrokerOptions {
  tls?: boolean;
  persistence?: boolean;
  /** mosquitto `log_type`s to write (default `error`); `notice` shows messages dropped past a queue. */
  logTypes?: string[];
  /** ACL rules for the plain listener's anonymous clients (mosquitto acl_file syntax). */
  acl?: string;
}

export async function startMosquitto(options: BrokerOptions = {}): Promise<Broker> {
  const dir = await mkdtemp(join(tmpdir(), 'nattsyn-mosq-'));
  const port = await freePort();
  const tls = options.tls ? await makePki(dir) : undefined;
  const conf = join(dir, 'mosquitto.conf');
  const logTypes = options.logTypes ?? ['error'];
  let text = await configText(dir, port, tls !== undefined, options.persistence ?? false, logTypes);
  if (options.acl !== undefined && !tls) {
    await writeFile(join(dir, 'test.acl'), `${options.acl}\n`);
    text += `acl_file ${join(dir, 'test.acl')}\n`;
  }
  await writeFile(conf, text);
  let child: ChildProcess | undefined;
  let output = '';
  const broker: Broker = {
    port,
    url: `${tls ? 'mqtts' : 'mqtt'}://127.0.0.1:${port}`,
    dir,
    tls,
    running: () => child !== undefined && child.exitCode === null,
    log: () => output,
    pause: () => void child?.kill('SIGSTOP'),
    resume: () => void child?.kill('SIGCONT'),
    async start() {
      if (broker.running()) return;
      const proc = spawn(MOSQUITTO, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      proc.stderr?.on('data', (d: Buffer) => {
        stderr += d.toString();
        output = (output + d.toString()).slice(-100_000);
      });
      child = proc;
      await waitForPort(port, proc, () => stderr);
    },
    async stop() {
      const proc = child;
      child = undefined;
      if (!proc || proc.exitCode !== null) return;
      const exited = new Promise((resolve) => proc.once('exit', resolve));
      proc.kill('SIGCONT');
      proc.kill('SIGTERM');
      await exited;
    },
    async dispose() {
      await broker.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
  await broker.start();
  return broker;
}

async function configText(
  dir: string,
  port: number,
  tls: boolean,
  persistence: boolean,
  logTypes: string[],
): Promise<string> {
  const lines = [
    `listener ${port} 127.0.0.1`,
    'log_dest stderr',
    ...logTypes.map((t) => `log_type ${t}`),
    `persistence ${persistence}`,
    `persistence_location ${dir}/`,
    'autosave_interval 0',
  ];
  // Running as root, mosquitto would drop to a `mosquitto` user that cannot read the temp dir.
  if (process.getuid?.() === 0) lines.push('user root');
  if (tls) {
    // The ACL nattsyn ships (deploy/mosquitto): tests run against the production rules.
    const acl = fileURLToPath(new URL('../../deploy/mosquitto/nattsyn.acl', import.meta.url));
    lines.push(
      `cafile ${join(dir, 'ca.pem')}`,
      `certfile ${join(dir, 'server.pem')}`,
      `keyfile ${join(dir, 'server.key')}`,
      'require_certificate true',
      'use_identity_as_username true',
      `acl_file ${acl}`,
      'allow_anonymous false',
    );
  } else {
    lines.push('allow_anonymous true');
  }
  return `${lines.join('\n')}\n`;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  await run('openssl', args, { cwd });
}

async function makeCa(dir: string, name: string): Promise<void> {
  await openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '2',
      '-subj',
      `/CN=${name}`,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.pem`,
    ],
    dir,
  );
}

async function issue(dir: string, ca: string, name: string, cn: string, ext: string): Promise<ClientCert> {
  const extFile = join(dir, `${name}.ext`);
  await writeFile(extFile, `${ext}\n`);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await openssl(['req', ...ec, '-subj', `/CN=${cn}`, '-keyout', `${name}.key`, '-out', `${name}.csr`], dir);
  await openssl(
    [
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      `${ca}.pem`,
      '-CAkey',
      `${ca}.key`,
      '-set_serial',
      String(Math.floor(Math.random() * 1e9)),
      '-days',
      '2',
      '-extfile',
      extFile,
      '-out',
      `${name}.pem`,
    ],
    dir,
  );
  return { certFile: join(dir, `${name}.pem`), keyFile: join(dir, `${name}.key`) };
}

/** A throwaway CA in `dir`: a server certificate for 127.0.0.1 (`server.pem`, `server.key`) and client certificates on demand. */
export async function makePki(dir: string): Promise<BrokerTls> {
  await makeCa(dir, 'ca');
  await makeCa(dir, 'foreign-ca');
  await issue(dir, 'ca', 'server', '127.0.0.1', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth');
  const client = 'extendedKeyUsage=clientAuth';
  return {
    caFile: join(dir, 'ca.pem'),
    foreignCaFile: join(dir, 'foreign-ca.pem'),
    clientCert: (cn) => issue(dir, 'ca', `client-${cn}`, cn, client),
    foreignCert: (cn) => issue(dir, 'foreign-ca', `foreign-${cn}`, cn, client),
  };
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

async function waitForPort(port: number, proc: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`mosquitto exited: ${stderr()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ port, host: '127.0.0.1' });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`mosquitto did not listen on ${port}: ${stderr()}`);
}
