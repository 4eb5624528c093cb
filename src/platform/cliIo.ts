/**
 * The one command-line layer every verb shares (nattsyn's own and the installer's): what a verb may
 * touch of the terminal, strict argument parsing whose mistakes are usage errors, and the mapping of
 * what a verb throws to the exit codes (docs/architecture.md, "Public interfaces": 0 ok, 1 runtime
 * failure, 2 usage or configuration error) with one line on stderr, never a stack trace.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { NattsynError, UsageError } from '../errors.ts';

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** stdout is a terminal (a verb may then redraw in place). */
  readonly tty?: boolean;
  /** The terminal's height in lines, when stdout is one (read each time: terminals resize). */
  readonly rows?: number | undefined;
}

export const processIo: CliIo = {
  out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
  tty: process.stdout.isTTY === true,
  get rows() {
    return process.stdout.rows;
  },
};

export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;
export const EXIT_OK = EXIT.ok;
export const EXIT_FAILURE = EXIT.failure;
export const EXIT_USAGE = EXIT.usage;

export type Verb = (args: string[], io: CliIo) => Promise<number>;

export function showHelp(io: CliIo, text: string): number {
  io.out(text);
  return EXIT.ok;
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** parseArgs in strict mode; a mistake becomes a UsageError (exit 2). */
export function parseVerbArgs<O extends Options>(
  args: readonly string[],
  options: O,
  allowPositionals = true,
) {
  try {
    return parseArgs({ args: [...args], options, strict: true, allowPositionals });
  } catch (cause) {
    throw new UsageError(cause instanceof Error ? cause.message : String(cause), { cause });
  }
}

/** The flag values alone, positionals refused (the installer verbs take none). */
export function parse<O extends Options>(args: readonly string[], options: O) {
  return parseVerbArgs(args, options, false).values;
}

/** A required flag's value, from a `parse` result or a bare value. */
export function required(values: Record<string, unknown> | string | undefined, name: string): string {
  const v = typeof values === 'object' ? values[name] : values;
  if (typeof v !== 'string' || v === '') throw new UsageError(`--${name} is required`);
  return v;
}

/** Parses a duration such as `90`, `90s`, `30m`, `8h` into seconds. */
export function parseDuration(text: string, what: string): number {
  const m = /^(\d+)\s*([smh]?)$/.exec(text.trim());
  if (!m) throw new UsageError(`${what}: expected a duration such as 90s, 30m or 8h`);
  const n = Number(m[1]);
  return m[2] === 'h' ? n * 3600 : m[2] === 'm' ? n * 60 : n;
}

/** Runs a verb body and maps what it throws to an exit code and one line on stderr. */
export async function exitCodeOf(io: CliIo, body: () => Promise<number>, verb?: string): Promise<number> {
  const who = verb ? `nattsyn ${verb}` : 'nattsyn';
  try {
    return await body();
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`${who}: ${error.message} (see --help)\n`);
      return EXIT.usage;
    }
    const code = error instanceof NattsynError ? error.code : 'internal';
    io.err(`${who}: ${code}: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.failure;
  }
}

/** Resolves on SIGINT/SIGTERM (or when `signal` aborts, for tests). */
export function untilSignal(signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
    signal?.addEventListener('abort', done, { once: true });
  });
}
