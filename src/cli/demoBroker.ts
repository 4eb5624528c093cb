/**
 * The demo's broker: a real mosquitto (Debian's, which `scripts/demo.sh` installs) on loopback,
 * speaking MQTT 5 as the centre's broker does, anonymous on 127.0.0.1 only, with nothing kept on
 * disk. The centre's relay needs MQTT 5 request/response, which no in-process Node broker offers.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { NattsynError } from '../errors.ts';

const CANDIDATES = ['/usr/sbin/mosquitto', '/usr/local/sbin/mosquitto', '/usr/bin/mosquitto'];

export interface DemoBroker {
  url: string;
  stop(): Promise<void>;
}

export async function startDemoBroker(): Promise<DemoBroker> {
  const binary = CANDIDATES.find((p) => existsSync(p));
  if (!binary) {
    throw new NattsynError(
      'broker_unreachable',
      'mosquitto is not installed (bash scripts/demo.sh installs it)',
    );
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'nattsyn-demo-broker-'));
  const port = await freePort();
  const conf = path.join(dir, 'mosquitto.conf');
  const lines = [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence false', 'log_dest none'];
  // As root mosquitto would switch to a user that cannot read this folder.
  if (process.getuid?.() === 0) lines.push('user root');
  await writeFile(conf, `${lines.join('\n')}\n`);
  const child = spawn(binary, ['-c', conf], { stdio: 'ignore' });
  await listening(port, child);
  return {
    url: `mqtt://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A port free on 127.0.0.1 now (the demo names its ports before its parts start). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function listening(port: number, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 100; i += 1) {
    if (child.exitCode !== null) throw new NattsynError('broker_unreachable', 'mosquitto did not start');
    const open = await new Promise<boolean>((resolve) => {
      const socket = createConnection(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  throw new NattsynError('broker_unreachable', 'mosquitto did not start listening in 5 s');
}
