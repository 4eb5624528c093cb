/**
 * The fuzzing run of every CI run (issue 13, item 15): how many cases each parser of outside input
 * gets, and the checks every case shares. Each property asserts that no throw escapes, that no case
 * takes long (a regular expression that backtracks is a hang), that every refusal carries a stable
 * code from src/reasons.ts, and that nothing refused changes state. fast-check prints the seed and
 * the path of a failing case; `NATTSYN_FUZZ_SEED=<seed>` replays a run. The whole run stays under
 * ~30 s on 2 cores (budget.test.ts checks the total is at least 10,000 cases).
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import { NattsynError } from '../../src/errors.ts';
import { isReasonCode } from '../../src/reasons.ts';

export const RUNS = {
  offer: 3000,
  offerThroughWerift: 150,
  trickle: 1500,
  trickleLive: 150,
  token: 1200,
  bearerHeader: 400,
  policy: 800,
  policyApplied: 100,
  command: 800,
  inbound: 400,
  relay: 600,
  archive: 1000,
  config: 1200,
  centreConfig: 1000,
} as const;

/**
 * The longest one case may take before it counts as a hang. Generous on purpose: the suite runs
 * files in parallel on a 2-core machine, and a parser's speed is the benches' business; what this
 * catches is a case that never returns or blows up (seconds, not milliseconds).
 */
export const CASE_LIMIT_MS = 3000;

const seed = process.env.NATTSYN_FUZZ_SEED;
/** fast-check's options for a parser: its runs, and a fixed seed when one is given to replay. */
export const runs = (name: keyof typeof RUNS): fc.Parameters<unknown> => ({
  numRuns: RUNS[name],
  ...(seed ? { seed: Number(seed) } : {}),
});

/** Runs `f`, failing the case when it takes longer than the hang limit. */
export async function timed<T>(f: () => T | Promise<T>, limitMs = CASE_LIMIT_MS): Promise<T> {
  const start = performance.now();
  const result = await f();
  expect(performance.now() - start, 'a case ran past the hang limit').toBeLessThan(limitMs);
  return result;
}

/** A refusal's code: stable (in the registry) and one of the codes this parser may give. */
export function expectStableCode(code: unknown, allowed: readonly string[]): void {
  expect(typeof code === 'string' && isReasonCode(code), `unstable code ${String(code)}`).toBe(true);
  expect(allowed).toContain(code);
}

/** Calls a parser that refuses by throwing: only a NattsynError with an allowed code may escape. */
export function refusedWith(f: () => unknown, allowed: readonly string[]): unknown {
  try {
    return f();
  } catch (error) {
    if (!(error instanceof NattsynError)) throw error;
    expectStableCode(error.code, allowed);
    return undefined;
  }
}

/** Text from the outside: short and long, ASCII, Unicode, control characters and lone surrogates. */
export const anyText = (maxLength = 400) =>
  fc.oneof(
    fc.string({ maxLength }),
    fc.string({ unit: 'binary', maxLength }),
    fc.string({ unit: fc.constantFrom('\r', '\n', ' ', '=', ':', '.', '/', 'a', '0', '\u0000'), maxLength }),
  );

/** Line-level mutations of a text made of lines (SDP, trickle fragments). */
export function mutatedLines(seeds: readonly string[], extra: fc.Arbitrary<string>, maxEdits = 6) {
  const edit = fc.oneof(
    fc.record({ op: fc.constant('drop' as const), at: fc.nat() }),
    fc.record({ op: fc.constant('insert' as const), at: fc.nat(), line: extra }),
    fc.record({ op: fc.constant('replace' as const), at: fc.nat(), line: extra }),
    fc.record({ op: fc.constant('duplicate' as const), at: fc.nat() }),
    fc.record({ op: fc.constant('swap' as const), at: fc.nat(), with: fc.nat() }),
    fc.record({ op: fc.constant('cut' as const), at: fc.nat() }),
  );
  return fc
    .record({
      seed: fc.constantFrom(...seeds),
      edits: fc.array(edit, { maxLength: maxEdits }),
      eol: fc.constantFrom('\r\n', '\n'),
    })
    .map(({ seed, edits, eol }) => {
      const lines = seed.split(/\r?\n/);
      for (const e of edits) {
        const i = lines.length === 0 ? 0 : e.at % lines.length;
        if (e.op === 'drop') lines.splice(i, 1);
        else if (e.op === 'insert') lines.splice(i, 0, e.line);
        else if (e.op === 'replace') lines[i] = e.line;
        else if (e.op === 'duplicate' && lines[i] !== undefined) lines.splice(i, 0, lines[i]!);
        else if (e.op === 'swap' && lines.length > 0) {
          const j = e.with % lines.length;
          [lines[i], lines[j]] = [lines[j]!, lines[i]!];
        } else if (e.op === 'cut' && lines[i] !== undefined) lines[i] = lines[i]!.slice(0, e.at % 40);
      }
      return lines.join(eol);
    });
}
