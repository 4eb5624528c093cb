/**
 * Running the lab's tools (ip, nft, ss, sysctl) as child processes, never through a shell, with a
 * failure that names the command and its stderr; and a synchronous variant for the exit handler.
 */
import { execFileSync, spawn } from 'node:child_process';

export class LabCommandError extends Error {
  readonly command: string;
  readonly stderr: string;
  constructor(command: string, code: number | null, stderr: string) {
    super(`${command} failed (exit ${code}): ${stderr.trim() || '(no output)'}`);
    this.name = 'LabCommandError';
    this.command = command;
    this.stderr = stderr;
  }
}

export function run(
  command: string,
  args: readonly string[],
  options: { input?: string; timeoutMs?: number } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: options.timeoutMs ?? 20_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    const name = [command, ...args].join(' ');
    child.on('error', (error) => reject(new LabCommandError(name, null, error.message)));
    child.on('close', (code) =>
      code === 0 ? resolve(stdout) : reject(new LabCommandError(name, code, stderr)),
    );
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

/** For the exit handler, where nothing asynchronous runs any more; failures are ignored. */
export function runSync(command: string, args: readonly string[]): string {
  try {
    return execFileSync(command, args, {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 5000,
    });
  } catch {
    return '';
  }
}

/** SIGKILL to every process inside a namespace (its owner's clean-up, or the sweep of a dead run). */
export function killNamespacePidsSync(name: string): void {
  for (const pid of runSync('ip', ['netns', 'pids', name]).split(/\s+/).filter(Boolean)) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
}
