/**
 * Running the lab's tools (ip, nft, ss, sysctl) as child processes, never through a shell, with a
 * failure that names the command and its stderr; and a synchronous variant for the exit handler.
 */
import { execFileSync } from 'node:child_process';
import { runProcess } from '../../../src/install/process.ts';

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

export async function run(
  command: string,
  args: readonly string[],
  options: { input?: string; timeoutMs?: number } = {},
): Promise<string> {
  const result = await runProcess(command, args, { timeoutMs: 20_000, ...options });
  if (result.code !== 0) throw new LabCommandError([command, ...args].join(' '), result.code, result.stderr);
  return result.stdout;
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
