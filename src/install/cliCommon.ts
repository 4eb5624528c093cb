/** What the installer verbs share: output ports, argument parsing with usage errors, exit codes. */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { NattsynError, UsageError } from '../errors.ts';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** parseArgs in strict mode; a mistake becomes a UsageError (exit 2). */
export function parse<T extends Options>(args: readonly string[], options: T) {
  try {
    return parseArgs({ args: [...args], options, strict: true, allowPositionals: false }).values;
  } catch (cause) {
    throw new UsageError(cause instanceof Error ? cause.message : String(cause), { cause });
  }
}

export function required(value: string | undefined, flag: string): string {
  if (value === undefined || value === '') throw new UsageError(`--${flag} is required`);
  return value;
}

/** Runs a verb body and maps what it throws to the CLI's exit codes and one line on stderr. */
export async function exitCodeOf(io: CliIo, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`nattsyn: ${error.message} (see --help)\n`);
      return EXIT_USAGE;
    }
    const code = error instanceof NattsynError ? error.code : 'internal';
    io.err(`nattsyn: ${code}: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT_FAILURE;
  }
}
