/**
 * A real PostgreSQL server for one test file (Debian's `postgresql` package): `initdb` into a temp
 * dir, the server on a Unix socket in that dir and on 127.0.0.1 at a free port, password login
 * (SCRAM) over TCP and trust only on the socket. PostgreSQL refuses to run as root, so when the
 * tests run as root the server runs as the `postgres` user the package creates.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './mosquitto.ts';

const run = promisify(execFile);
const USER = 'nattsyn';

export interface PostgresServer {
  /** The socket directory (pg's `host` for a Unix socket). */
  socketDir: string;
  port: number;
  user: string;
  password: string;
  /** A file holding the password, mode 0600, as the archive's config names one. */
  passwordFile: string;
  /** Creates an empty database and returns its name. */
  createDatabase(name?: string): Promise<string>;
  /** Stops the server (fast shutdown) and removes the temp dir. */
  dispose(): Promise<void>;
}

/** The newest installed server's binaries, e.g. /usr/lib/postgresql/15/bin. */
export function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0) throw new Error('PostgreSQL server not installed (Debian package postgresql)');
  return join(root, versions[0]!, 'bin');
}

async function serverUser(): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim());
  const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
  return { uid, gid };
}

export async function startPostgres(): Promise<PostgresServer> {
  const bin = postgresBinDir();
  const dir = await mkdtemp(join(tmpdir(), 'nattsyn-pg-'));
  const owner = await serverUser();
  const data = join(dir, 'data');
  const password = randomBytes(18).toString('base64url');
  const passwordFile = join(dir, 'password');
  await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
  await mkdir(data, { mode: 0o700 });
  if (owner) {
    await chmod(dir, 0o755);
    await chown(data, owner.uid, owner.gid);
    await chown(passwordFile, owner.uid, owner.gid);
    await chown(dir, owner.uid, owner.gid);
  }
  const spawnAs = owner ? { uid: owner.uid, gid: owner.gid } : {};
  await new Promise<void>((resolve, reject) => {
    const init = spawn(
      join(bin, 'initdb'),
      ['-D', data, '-U', USER, '--pwfile', passwordFile, '--auth-local=trust', '--auth-host=scram-sha-256'],
      { ...spawnAs, stdio: ['ignore', 'ignore', 'pipe'], cwd: dir },
    );
    let stderr = '';
    init.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    init.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`initdb failed: ${stderr}`))));
  });
  const port = await freePort();
  const server = spawn(
    join(bin, 'postgres'),
    ['-D', data, '-k', dir, '-h', '127.0.0.1', '-p', String(port), '-c', 'max_connections=40'],
    { ...spawnAs, stdio: ['ignore', 'ignore', 'pipe'], cwd: dir },
  );
  let log = '';
  server.stderr?.on('data', (d: Buffer) => {
    log = (log + d.toString()).slice(-4000);
  });
  await waitReady(dir, port, server, () => log);
  let counter = 0;
  return {
    socketDir: dir,
    port,
    user: USER,
    password,
    passwordFile,
    async createDatabase(name = `archive_${++counter}_${randomBytes(3).toString('hex')}`) {
      const client = new pg.Client({ host: dir, port, user: USER, database: 'postgres' });
      await client.connect();
      await client.query(`CREATE DATABASE ${name}`);
      await client.end();
      return name;
    },
    async dispose() {
      await stop(server);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function waitReady(
  socketDir: string,
  port: number,
  server: ChildProcess,
  log: () => string,
): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`postgres exited: ${log()}`);
    const client = new pg.Client({ host: socketDir, port, user: USER, database: 'postgres' });
    client.on('error', () => undefined);
    const ok = await client.connect().then(
      () => true,
      () => false,
    );
    await client.end().catch(() => undefined);
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await stop(server);
  throw new Error(`postgres did not start: ${log()}`);
}

async function stop(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null || server.signalCode !== null) return;
  const exited = new Promise((resolve) => server.once('exit', resolve));
  server.kill('SIGINT');
  await exited;
}
