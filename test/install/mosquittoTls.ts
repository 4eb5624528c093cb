/**
 * A real mosquitto on a free loopback port, TLS only, client certificates required (the device and
 * the centre authenticate as the broker in the field would have them). Stopped by the test.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { userInfo } from 'node:os';
import path from 'node:path';
import type { TestCa } from './pki.ts';

export interface TlsBroker {
  url: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export async function startTlsBroker(dir: string, ca: TestCa): Promise<TlsBroker> {
  const { certFile, keyFile } = await ca.server();
  const port = await freePort();
  const conf = path.join(dir, 'mosquitto.conf');
  await writeFile(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      // Started as root, mosquitto would drop to user "mosquitto", which cannot read a temp folder.
      `user ${userInfo().username}`,
      `cafile ${path.join(ca.dir, 'ca.crt')}`,
      `certfile ${certFile}`,
      `keyfile ${keyFile}`,
      'require_certificate true',
      'use_identity_as_username true',
      'allow_anonymous false',
      'persistence false',
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      'log_type notice',
      'log_type information',
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn('mosquitto', ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`mosquitto did not start:\n${log}`)), 10_000);
    child.stderr?.setEncoding('utf8').on('data', (d: string) => {
      log += d;
      if (/ running/.test(log)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('exit', () => {
      clearTimeout(timer);
      reject(new Error(`mosquitto exited:\n${log}`));
    });
  });
  return {
    url: `mqtts://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
