/**
 * The folder rules of docs/architecture.md, read from the imports themselves, and the structural
 * guards for the privacy invariants: these fail the moment a change lets werift out of src/stream,
 * gives the policy core I/O, makes the centre reach into a device folder (or the reverse), imports
 * a recorder, or lets the folders import each other in a circle. The rules are checked against
 * known-bad imports too, so a rule that could not fail would show.
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

const importsOf = (text: string): string[] =>
  [...text.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)].map((m) => m[1]!);

/** One import: the importing file, and what it names (a package, or a repo path once resolved). */
interface Edge {
  from: string;
  to: string;
}

/** `src/<folder>` for a file in a folder, the file itself for src/*.ts, a package name as is. */
function unitOf(target: string): string {
  if (!target.startsWith('src/'))
    return target.split('/')[0]!.startsWith('@') ? target : target.split('/')[0]!;
  const parts = target.split('/');
  return parts.length > 2 ? `src/${parts[1]}` : target;
}

function edgesOf(files: readonly string[]): Edge[] {
  return files.flatMap((file) =>
    importsOf(readFileSync(file, 'utf8')).map((spec) => ({
      from: file,
      to: spec.startsWith('.') ? path.normalize(path.join(path.dirname(file), spec)) : spec,
    })),
  );
}

const PURE_PLATFORM = ['src/platform/time.ts', 'src/platform/appendLog.ts', 'src/platform/emitter.ts'];
const LEAVES = ['src/errors.ts', 'src/reasons.ts'];
const CENTRE_NEVER = [
  'werift',
  'src/camera',
  'src/stream',
  'src/access',
  'src/health',
  'src/install',
  'src/policy',
  'src/relay',
];
/** What src/protocol may import besides itself: the wire format is zod schemas, RFC 8785, JWS. */
const PROTOCOL_PACKAGES = ['zod', 'canonicalize', 'jose', 'node:crypto'];
/** The one command line dispatches both processes' verbs; nothing else of the device reaches the centre. */
const CENTRE_CALLERS = ['src/centre', 'src/cli', 'src/cli.ts'];

/** Every broken rule, as `file -> import: rule`. */
function violations(edges: readonly Edge[]): string[] {
  const out: string[] = [];
  const flag = (e: Edge, rule: string) => out.push(`${e.from} -> ${e.to}: ${rule}`);
  for (const e of edges) {
    const from = unitOf(e.from);
    const to = unitOf(e.to);
    const ours = e.to.startsWith('src/');
    if (to === 'werift' && from !== 'src/stream') flag(e, 'only src/stream imports werift');
    if (from === 'src/policy') {
      if (e.to.startsWith('node:')) flag(e, 'the policy core does no I/O of its own');
      const allowed = to === 'src/policy' || to === 'src/protocol' || PURE_PLATFORM.includes(e.to);
      if (ours && !allowed && !LEAVES.includes(e.to))
        flag(
          e,
          'the policy core imports only its own files, the protocol, pure platform ports, errors and reasons',
        );
    }
    if (from === 'src/platform' && ours && to !== 'src/platform' && !LEAVES.includes(e.to))
      flag(e, 'src/platform is the bottom layer');
    if (from === 'src/h264' && ours && to !== 'src/h264') flag(e, 'src/h264 imports nothing of ours');
    if (from === 'src/protocol' && (ours ? to !== 'src/protocol' : !PROTOCOL_PACKAGES.includes(to)))
      flag(e, 'src/protocol imports nothing of ours, and only zod, canonicalize, jose and node:crypto');
    if (from === 'src/centre' && CENTRE_NEVER.includes(to))
      flag(e, 'the centre never imports werift or device internals');
    if (to === 'src/centre' && !CENTRE_CALLERS.includes(from) && e.from.startsWith('src/'))
      flag(e, 'device folders never import src/centre');
  }
  return [...out, ...cycles(edges)];
}

/** A circle of folders importing each other (each folder a layer: no way back down). */
function cycles(edges: readonly Edge[]): string[] {
  const graph = new Map<string, Set<string>>();
  for (const e of edges) {
    const [a, b] = [unitOf(e.from), unitOf(e.to)];
    if (a !== b && b.startsWith('src/')) graph.set(a, (graph.get(a) ?? new Set()).add(b));
  }
  const found: string[] = [];
  const visit = (node: string, trail: string[]) => {
    if (trail.includes(node))
      return void found.push(`cycle: ${[...trail.slice(trail.indexOf(node)), node].join(' -> ')}`);
    for (const next of graph.get(node) ?? []) visit(next, [...trail, node]);
  };
  for (const node of graph.keys()) visit(node, []);
  return [...new Set(found.map((c) => c))].slice(0, 5);
}

const ALL = sources('src');

describe('architecture', () => {
  it('reads_the_sources_it_guards', () => {
    expect(ALL.length).toBeGreaterThan(50);
    expect(sources('src/stream').length).toBeGreaterThan(5);
    expect(edgesOf(ALL).length).toBeGreaterThan(300);
  });

  it('keeps_every_folder_rule_of_docs_architecture_md', () => {
    expect(violations(edgesOf(ALL))).toEqual([]);
  });

  it('would_catch_each_rule_broken', () => {
    const bad: Edge[] = [
      { from: 'src/health/x.ts', to: 'werift' },
      { from: 'src/policy/x.ts', to: 'node:fs' },
      { from: 'src/policy/x.ts', to: 'src/platform/fsStore.ts' },
      { from: 'src/platform/x.ts', to: 'src/policy/index.ts' },
      { from: 'src/h264/x.ts', to: 'src/camera/types.ts' },
      { from: 'src/protocol/x.ts', to: 'mqtt' },
      { from: 'src/protocol/x.ts', to: 'node:fs' },
      { from: 'src/centre/x.ts', to: 'src/policy/index.ts' },
      { from: 'src/centre/x.ts', to: 'src/relay/deviceRelay.ts' },
      { from: 'src/relay/x.ts', to: 'src/centre/index.ts' },
      { from: 'src/protocol/x.ts', to: 'src/policy/index.ts' },
      { from: 'src/centre/x.ts', to: 'werift' },
      { from: 'src/centre/x.ts', to: 'src/access/index.ts' },
      { from: 'src/centre/x.ts', to: 'src/camera/index.ts' },
      { from: 'src/stream/x.ts', to: 'src/centre/index.ts' },
      { from: 'src/camera/x.ts', to: 'src/stream/index.ts' },
      { from: 'src/stream/y.ts', to: 'src/camera/index.ts' },
    ];
    const found = violations(bad);
    for (const e of bad.slice(0, -2))
      expect(
        found.some((v) => v.startsWith(`${e.from} -> ${e.to}:`)),
        e.to,
      ).toBe(true);
    expect(found.some((v) => v.startsWith('cycle:'))).toBe(true);
    const fine: Edge[] = [
      { from: 'src/protocol/x.ts', to: 'zod' },
      { from: 'src/centre/x.ts', to: 'src/protocol/index.ts' },
      { from: 'src/protocol/x.ts', to: 'jose' },
      { from: 'src/policy/x.ts', to: 'src/protocol/index.ts' },
      { from: 'src/cli/centre.ts', to: 'src/centre/main.ts' },
    ];
    expect(violations(fine)).toEqual([]);
  });

  it('camera_and_stream_code_never_writes_files', () => {
    const writers =
      /\b(writeFile|appendFile|createWriteStream|writeFileSync|appendFileSync|copyFile|FsStore|writeFileAtomic)\b/;
    const offenders = [...sources('src/camera'), ...sources('src/stream'), ...sources('src/h264')].filter(
      (f) => writers.test(readFileSync(f, 'utf8')),
    );
    expect(offenders).toEqual([]);
  });

  it('no_source_imports_a_recorder_or_an_audio_api', () => {
    const recorders = /(recorder|MediaRecorder|getUserMedia|AudioContext|node-record|mic\b)/i;
    const offenders = ALL.filter((f) => importsOf(readFileSync(f, 'utf8')).some((i) => recorders.test(i)));
    expect(offenders).toEqual([]);
  });

  it('nothing_but_the_config_reads_the_environment', () => {
    const offenders = ALL.filter(
      (f) => f !== 'src/config.ts' && /process\.env\b/.test(readFileSync(f, 'utf8')),
    );
    expect(offenders).toEqual([]);
  });

  it('keeps_every_source_file_at_300_lines_or_fewer', () => {
    const long = ALL.filter((f) => f.endsWith('.ts') && readFileSync(f, 'utf8').split('\n').length > 300);
    expect(long).toEqual([]);
  });
});
