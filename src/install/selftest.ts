/**
 * The self-test (issue 5): a fixed list of checks, each a small injected probe with a fix hint a
 * installer can act on, run one after the other (the camera checks share the camera). Produces one
 * report for the terminal, for `--json` and for the signed `cmd/selftest` MQTT command.
 */

export interface CheckOutcome {
  ok: boolean;
  /** What was measured, one line, nothing from inside the room beyond numbers. */
  detail: string;
  /** A fix hint for this particular failure, in place of the check's general one. */
  fix?: string | undefined;
}

export interface SelftestCheck {
  id: string;
  title: string;
  /** What to do when this check fails. */
  fix: string;
  run(): Promise<CheckOutcome>;
}

export interface CheckResult {
  id: string;
  title: string;
  ok: boolean;
  detail: string;
  fix: string | undefined;
  durationMs: number;
}

export interface SelftestReport {
  ok: boolean;
  deviceId: string | undefined;
  at: string;
  checks: CheckResult[];
}

export interface SelftestDeps {
  now: () => Date;
  monotonic: () => number;
  /** Longest a single check may take before it counts as failed. */
  timeoutMs?: number;
  setTimeout?: (fn: () => void, ms: number) => unknown;
  clearTimeout?: (handle: unknown) => void;
}

const DEFAULT_CHECK_TIMEOUT_MS = 20_000;

async function runOne(check: SelftestCheck, deps: SelftestDeps): Promise<CheckResult> {
  const started = deps.monotonic();
  const set = deps.setTimeout ?? ((fn, ms) => setTimeout(fn, ms));
  const clear = deps.clearTimeout ?? ((h) => clearTimeout(h as NodeJS.Timeout));
  let handle: unknown;
  const limit = deps.timeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS;
  const timeout = new Promise<CheckOutcome>((resolve) => {
    handle = set(
      () => resolve({ ok: false, detail: `no answer within ${Math.round(limit / 1000)} s` }),
      limit,
    );
  });
  let outcome: CheckOutcome;
  try {
    outcome = await Promise.race([check.run(), timeout]);
  } catch (error) {
    outcome = { ok: false, detail: error instanceof Error ? error.message : String(error) };
  } finally {
    clear(handle);
  }
  return {
    id: check.id,
    title: check.title,
    ok: outcome.ok,
    detail: outcome.detail,
    fix: outcome.ok ? undefined : (outcome.fix ?? check.fix),
    durationMs: Math.round(deps.monotonic() - started),
  };
}

export async function runSelftestChecks(
  checks: readonly SelftestCheck[],
  deviceId: string | undefined,
  deps: SelftestDeps,
): Promise<SelftestReport> {
  const at = deps.now().toISOString();
  const results: CheckResult[] = [];
  for (const check of checks) results.push(await runOne(check, deps));
  return { ok: results.every((r) => r.ok), deviceId, at, checks: results };
}

/** The terminal form: one line per check, the fix under each failure, a verdict at the end. */
export function formatReport(report: SelftestReport): string {
  const width = Math.max(...report.checks.map((c) => c.title.length), 10);
  const lines = [`nattsyn self-test  ${report.deviceId ?? '(not registered)'}  ${report.at}`, ''];
  for (const c of report.checks) {
    lines.push(`  ${c.ok ? 'ok  ' : 'FAIL'}  ${c.title.padEnd(width)}  ${c.detail}`);
    if (c.fix) lines.push(`        ${' '.repeat(width)}  fix: ${c.fix}`);
  }
  const failed = report.checks.filter((c) => !c.ok).length;
  lines.push(
    '',
    failed === 0
      ? `All ${report.checks.length} checks passed.`
      : `${failed} of ${report.checks.length} checks failed.`,
  );
  return `${lines.join('\n')}\n`;
}

/** A flat command result, the shape health's `cmd/<name>/res` carries (CommandResult). */
export type FlatResult = Record<string, string | number | boolean>;

/** The report flattened: `ok`, `failed` (ids, comma-separated) and per check `<id>` and `<id>.detail`. */
export function flattenReport(report: SelftestReport): FlatResult {
  const out: FlatResult = {
    ok: report.ok,
    at: report.at,
    failed: report.checks
      .filter((c) => !c.ok)
      .map((c) => c.id)
      .join(','),
  };
  for (const c of report.checks) {
    out[c.id] = c.ok;
    out[`${c.id}.detail`] = c.detail;
  }
  return out;
}

/**
 * The `cmd/selftest` handler for health's command registry (`CommandHandler`): the registry checks
 * the command's signature first and publishes the result to `cmd/selftest/res`. It never opens the
 * aiming window: a remote command does not mean an installer stands in the room.
 */
export function selftestCommandHandler(
  run: () => Promise<SelftestReport>,
): (command: unknown) => Promise<FlatResult> {
  return async () => flattenReport(await run());
}
