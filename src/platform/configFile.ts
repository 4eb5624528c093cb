/** Reading a config file as JSON, for both processes: a file that is missing or not JSON is a usage error. */
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { UsageError } from '../errors.ts';

/** The file's absolute path and its parsed JSON (not yet validated). */
export async function readConfigJson(file: string): Promise<{ absolute: string; raw: unknown }> {
  const absolute = path.resolve(file);
  try {
    return { absolute, raw: JSON.parse(await readFile(absolute, 'utf8')) };
  } catch (cause) {
    throw new UsageError(`${absolute}: cannot read the configuration as JSON (${(cause as Error).message})`);
  }
}
