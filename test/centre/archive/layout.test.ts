/**
 * The folder rules of the centre and the shared protocol (DESIGN.md "The centre"): the protocol
 * imports nothing of ours and no package but zod and canonicalize; the archive never reaches into
 * the device's folders; no device folder imports the centre.
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
const resolved = (file: string, spec: string) =>
  spec.startsWith('.') ? path.normalize(path.join(path.dirname(file), spec)) : spec;

describe('centre and protocol layout', () => {
  it('keeps_the_protocol_free_of_everything_but_zod_canonicalize_jose_and_node_crypto', () => {
    const files = sources('src/protocol');
    expect(files.length).toBeGreaterThan(2);
    const offenders = files.flatMap((f) =>
      imports(f)
        .map((i) => resolved(f, i))
        .filter(
          (i) =>
            !['zod', 'canonicalize', 'jose', 'node:crypto'].includes(i) && !i.startsWith('src/protocol/'),
        ),
    );
    expect(offenders).toEqual([]);
  });

  it('keeps_the_archive_out_of_the_device_folders', () => {
    const files = sources('src/centre/archive');
    expect(files.length).toBeGreaterThan(5);
    const forbidden = /^(werift|src\/(camera|stream|access|health|policy|install)\/)/;
    const offenders = files.flatMap((f) =>
      imports(f)
        .map((i) => resolved(f, i))
        .filter((i) => forbidden.test(i)),
    );
    expect(offenders).toEqual([]);
  });

  it('keeps_the_device_folders_off_the_centre', () => {
    const device = ['camera', 'stream', 'access', 'health', 'policy', 'install', 'platform'].flatMap((d) =>
      sources(`src/${d}`),
    );
    const offenders = device.filter((f) => imports(f).some((i) => resolved(f, i).startsWith('src/centre/')));
    expect(offenders).toEqual([]);
  });
});
