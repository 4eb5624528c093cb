/**
 * mosquitto as the centre's broker, started inside a lab namespace: TLS only on 8883, client
 * certificates from the test CA required, the certificate's CN as the MQTT username, and an ACL
 * file (by default: `centre` may use all of nattsyn/v1/#, each device only its own subtree). The
 * relay tests pass their own ACL.
 */
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestCa } from '../../install/pki.ts';
import type { Netns } from './netns.ts';

export const DEFAULT_ACL = [
  'user centre',
  'topic readwrite nattsyn/v1/#',
  '',
  'pattern readwrite nattsyn/v1/%u/#',
  '',
].join('\n');

export interface LabBroker {
  url: string;
  caPem: string;
  /** A client key and certificate (PEM) whose CN is the MQTT username under the ACL. */
  client(cn: string): Promise<{ key: string; cert: string }>;
  stop(): Promise<void>;
}

export async function startLabMosquitto(
  ns: Netns,
  dir: string,
  ca: TestCa,
  address: string,
  options: { acl?: string; port?: number } = {},
): Promise<LabBroker> {
  const port = options.port ?? 8883;
  const { certFile, keyFile } = await ca.server(address);
  const acl = join(dir, 'mosquitto.acl');
  writeFileSync(acl, options.acl ?? DEFAULT_ACL);
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(
    conf,
    [
      `listener ${port} ${address}`,
      // Started as root, mosquitto would drop to user "mosquitto", which cannot read the lab's folder.
      'user root',
      `cafile ${join(ca.dir, 'ca.crt')}`,
      `certfile ${certFile}`,
      `keyfile ${keyFile}`,
      'require_certificate true',
      'use_identity_as_username true',
      'allow_anonymous false',
      `acl_file ${acl}`,
      'persistence false',
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      'log_type notice',
      'log_type information',
      '',
    ].join('\n'),
  );
  const child = ns.spawn('mosquitto', ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  await running(child);
  return {
    url: `mqtts://${address}:${port}`,
    caPem: ca.caPem,
    client: (cn) => ca.client(cn),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

function running(child: ChildProcess): Promise<void> {
  let log = '';
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`mosquitto did not start:\n${log}`)), 10_000);
    child.stderr?.setEncoding('utf8').on('data', (d: string) => {
      log = (log + d).slice(-4000);
      if (/ running/.test(log)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', () => {
      clearTimeout(timer);
      reject(new Error(`mosquitto exited:\n${log}`));
    });
  });
}
