/**
 * Structural guards for the privacy invariants and the folder rules (STYLE.md): these fail the
 * moment a change imports a recorder, lets werift out of src/stream, or gives the policy core I/O.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

function sources(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.(ts|js|html)$/.test(e.name))
    .map((e) => path.join(e.parentPath, e.name));
}

const imports = (file: string): string[] =>
  [...readFileSync(file, 'utf8').matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)].map((m) => m[1]!);

const ALL = sources('src');

describe('architecture', () => {
  it('reads_the_sources_it_guards', () => {
    expect(ALL.length).toBeGreaterThan(50);
    expect(sources('src/stream').length).toBeGreaterThan(5);
  });

  it('only_src_stream_imports_werift', () => {
    const offenders = ALL.filter(
      (f) => !f.startsWith('src/stream/') && imports(f).some((i) => i.startsWith('werift')),
    );
    expect(offenders).toEqual([]);
  });

  it('the_policy_core_does_no_io_of_its_own', () => {
    const offenders = sources('src/policy').filter((f) => imports(f).some((i) => i.startsWith('node:')));
    expect(offenders).toEqual([]);
  });

  it('camera_and_stream_code_never_writes_files', () => {
    const writers =
      /\b(writeFile|appendFile|createWriteStream|writeFileSync|appendFileSync|copyFile|FsStore|writeFileAtomic)\b/;
    const offenders = [...sources('src/camera'), ...sources('src/stream')].filter((f) =>
      writers.test(readFileSync(f, 'utf8')),
    );
    expect(offenders).toEqual([]);
  });

  it('no_source_imports_a_recorder_or_an_audio_api', () => {
    const recorders = /(recorder|MediaRecorder|getUserMedia|AudioContext|node-record|mic\b)/i;
    const offenders = ALL.filter((f) => imports(f).some((i) => recorders.test(i)));
    expect(offenders).toEqual([]);
  });

  it('nothing_but_the_config_reads_the_environment', () => {
    const offenders = ALL.filter(
      (f) => f !== 'src/config.ts' && /process\.env\b/.test(readFileSync(f, 'utf8')),
    );
    expect(offenders).toEqual([]);
  });
});
