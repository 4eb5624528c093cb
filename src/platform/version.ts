/** The software version, from package.json (announced in `info` and shown by the CLI). */
import { readFile } from 'node:fs/promises';

export async function softwareVersion(): Promise<string> {
  const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}
