/**
 * The child-process port of the installer verbs (openssl, systemctl): injected so tests can run the
 * real tools in temp folders or fake a missing one. Never goes through a shell.
 */
import { spawn } from 'node:child_process';

export interface ProcessResult {
  code: number;
  stdout: string;
  stderr: string;
}

export type RunProcess = (
  command: string,
  args: readonly string[],
  options?: { input?: string; timeoutMs?: number },
) => Promise<ProcessResult>;

/** Runs a command to completion; a missing command resolves with code 127, like a shell would. */
export const runProcess: RunProcess = (command, args, options = {}) =>
  new Promise((resolve) => {
    const child = spawn(command, args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: options.timeoutMs ?? 30_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.on('error', (error: NodeJS.ErrnoException) =>
      resolve({ code: error.code === 'ENOENT' ? 127 : 1, stdout, stderr: stderr + error.message }),
    );
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
