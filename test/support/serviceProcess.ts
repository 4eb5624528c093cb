/**
 * `nattsyn run` as systemd runs it, in a process of its own, on a state directory prepared like the
 * demo's (its keys, a signed policy whose window is open now, its config) against a real broker.
 * With `readOnlyState` it runs in a private mount namespace (`unshare`, needs root) where the state
 * directory is a read-only bind mount of itself: the kernel refuses every write with EROFS, and the
 * mount goes away with the process.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { importPKCS8 } from 'jose';
import { type DemoState, prepareDemoState } from '../../src/cli/demoState.ts';

const CLI = resolve('src/cli.ts');

export interface ServiceState extends DemoState {
  /** The policy key's private half: signs commands and policies for this device. */
  policyKey: CryptoKey;
}

/** A demo-like state directory for `nattsyn run`, its policy already in force. */
export async function prepareServiceState(
  stateDir: string,
  mqttUrl: string,
  extra: Record<string, unknown> = {},
): Promise<ServiceState> {
  const demo = await prepareDemoState(stateDir, new Date(), {
    stream: { host: '127.0.0.1', port: 0, ice: { hostAddresses: ['127.0.0.1'] } },
    camera: { driver: 'synthetic' },
    mqtt: { url: mqttUrl, backoff: { initialMs: 100, maxMs: 400 } },
    ...extra,
  });
  const pem = await readFile(join(stateDir, 'keys/policy.key'), 'utf8');
  return { ...demo, policyKey: (await importPKCS8(pem, 'EdDSA')) as CryptoKey };
}

export interface ServiceProcess {
  proc: ChildProcess;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  /** The JSON log lines so far. */
  logs(): Array<Record<string, unknown>>;
  stderr(): string;
  /** The first log line whose `msg` is `msg`, already written or to come; rejects if the process exits first. */
  log(msg: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** SIGKILL, for clean-up. */
  kill(): void;
}

export function spawnService(state: ServiceState, options: { readOnlyState?: boolean } = {}): ServiceProcess {
  const node = [process.execPath, '--no-warnings', CLI, 'run', '--config', state.configFile];
  const dir = state.stateDir;
  const proc = options.readOnlyState
    ? spawn(
        'unshare',
        [
          '--mount',
          '--propagation',
          'private',
          '--',
          'sh',
          '-c',
          'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && shift && exec "$@"',
          'sh',
          dir,
          ...node,
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      )
    : spawn(node[0]!, node.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: Array<Record<string, unknown>> = [];
  const waiters = new Set<() => void>();
  let buffer = '';
  let stderr = '';
  proc.stdout!.on('data', (d: Buffer) => {
    buffer += d.toString();
    const parts = buffer.split('\n');
    buffer = parts.pop() ?? '';
    for (const part of parts) {
      try {
        lines.push(JSON.parse(part) as Record<string, unknown>);
      } catch {
        lines.push({ msg: part });
      }
    }
    for (const w of waiters) w();
  });
  proc.stderr!.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-8000);
  });
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  let done = false;
  void exited.then(() => {
    done = true;
    for (const w of waiters) w();
  });
  return {
    proc,
    exited,
    logs: () => lines,
    stderr: () => stderr,
    log(msg, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const hit = lines.find((l) => l.msg === msg);
          if (!hit && !done) return;
          clearTimeout(timer);
          waiters.delete(check);
          if (hit) resolve(hit);
          else reject(new Error(`exited before logging "${msg}": ${stderr}`));
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no "${msg}" within ${timeoutMs} ms: ${stderr}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    kill: () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    },
  };
}
