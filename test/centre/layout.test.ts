/**
 * The centre's folder rule (DESIGN.md, "The centre"): it never imports werift or the device's
 * folders, and no device folder imports it.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

function sources(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => path.join(e.parentPath, e.name));
}

const imports = (file: string): string[] =>
  [...readFileSync(file, 'utf8').matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)].map((m) => m[1]!);

const resolved = (file: string): string[] =>
  imports(file)
    .filter((i) => i.startsWith('.'))
    .map((i) => path.relative('src', path.resolve(path.dirname(file), i)));

/** `cli` is the one command line of both processes; `protocol`, `platform` and `viewer` are shared. */
const DEVICE_FOLDERS = ['camera', 'stream', 'access', 'health', 'install', 'policy', 'relay'];

describe('centre layout', () => {
  it('reads_the_centre_sources', () => {
    expect(sources('src/centre').length).toBeGreaterThan(15);
  });

  it('the_centre_imports_neither_werift_nor_the_device_folders', () => {
    const offenders = sources('src/centre').flatMap((f) => [
      ...imports(f)
        .filter((i) => i.startsWith('werift'))
        .map((i) => `${f} → ${i}`),
      ...resolved(f)
        .filter((r) => DEVICE_FOLDERS.includes(r.split(path.sep)[0]!))
        .map((r) => `${f} → src/${r}`),
    ]);
    expect(offenders).toEqual([]);
  });

  it('no_device_folder_imports_the_centre', () => {
    const offenders = DEVICE_FOLDERS.flatMap((d) => sources(`src/${d}`)).filter((f) =>
      resolved(f).some((r) => r.startsWith(`centre${path.sep}`)),
    );
    expect(offenders).toEqual([]);
  });
});
