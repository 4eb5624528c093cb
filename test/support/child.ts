/** A Node child process running a TypeScript file, with its stdout lines awaitable. */
import { type ChildProcess, spawn } from 'node:child_process';

export interface Child {
  proc: ChildProcess;
  /** Resolves with the first stdout line matching `pattern` (already printed or to come). */
  line(pattern: RegExp, timeoutMs?: number): Promise<string>;
  lines(): string[];
  /** SIGKILL, and wait for the exit. */
  kill9(): Promise<void>;
  /** SIGTERM, and wait for the exit. */
  stop(): Promise<void>;
}

export function startChild(script: string, arg: unknown): Child {
  const proc = spawn(process.execPath, ['--no-warnings', script, JSON.stringify(arg)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const seen: string[] = [];
  const waiters = new Set<() => void>();
  let buffer = '';
  let stderr = '';
  proc.stdout?.on('data', (d: Buffer) => {
    buffer += d.toString();
    const parts = buffer.split('\n');
    buffer = parts.pop() ?? '';
    seen.push(...parts);
    for (const w of waiters) w();
  });
  proc.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const end = async (signal: NodeJS.Signals) => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
    await exited;
  };
  return {
    proc,
    lines: () => seen,
    line(pattern, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const hit = seen.find((l) => pattern.test(l));
          if (hit !== undefined) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(hit);
          } else if (proc.exitCode !== null || proc.signalCode !== null) {
            waiters.delete(check);
            clearTimeout(timer);
            reject(new Error(`child exited before ${pattern}: ${stderr}`));
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no line ${pattern} within ${timeoutMs} ms: ${stderr}`));
        }, timeoutMs);
        waiters.add(check);
        void exited.then(check);
        check();
      });
    },
    kill9: () => end('SIGKILL'),
    stop: () => end('SIGTERM'),
  };
}
