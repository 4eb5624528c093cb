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
  /**
   * Checks this one measures through (the IR check sees through the camera): when one of them did
   * not pass, this one is not run but reported as skipped, with the reason, never left out.
   */
  needs?: readonly string[];
  run(): Promise<CheckOutcome>;
}

export interface CheckResult {
  id: string;
  title: string;
  /** False for a skipped check too: it was not verified. */
  ok: boolean;
  detail: string;
  fix: string | undefined;
  durationMs: number;
  /** Not run because a check it needs did not pass (`detail` says which). */
  skipped?: true;
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
  for (const check of checks) {
    const blocker = results.find((r) => !r.ok && check.needs?.includes(r.id));
    results.push(blocker ? skipped(check, blocker) : await runOne(check, deps));
  }
  return { ok: results.every((r) => r.ok), deviceId, at, checks: results };
}

function skipped(check: SelftestCheck, blocker: CheckResult): CheckResult {
  const why = blocker.skipped ? 'was skipped' : 'failed';
  return {
    id: check.id,
    title: check.title,
    ok: false,
    skipped: true,
    detail: `skipped: "${blocker.title}" ${why}, so this could not be measured`,
    fix: `fix "${blocker.title}" first, then run the self-test again`,
    durationMs: 0,
  };
}

/** The terminal form: one line per check, the fix under each failure, a verdict at the end. */
export function formatReport(report: SelftestReport): string {
  const width = Math.max(...report.checks.map((c) => c.title.length), 10);
  const lines = [`nattsyn self-test  ${report.deviceId ?? '(not registered)'}  ${report.at}`, ''];
  for (const c of report.checks) {
    lines.push(`  ${c.ok ? 'ok  ' : c.skipped ? 'SKIP' : 'FAIL'}  ${c.title.padEnd(width)}  ${c.detail}`);
    if (c.fix) lines.push(`        ${' '.repeat(width)}  fix: ${c.fix}`);
  }
  const failed = report.checks.filter((c) => !c.ok && !c.skipped).length;
  const skippedCount = report.checks.filter((c) => c.skipped).length;
  lines.push(
    '',
    failed + skippedCount === 0
      ? `All ${report.checks.length} checks passed.`
      : `${failed} of ${report.checks.length} checks failed${skippedCount > 0 ? `, ${skippedCount} skipped` : ''}.`,
  );
  return `${lines.join('\n')}\n`;
}

/** A flat command result, the shape health's `cmd/<name>/res` carries (CommandResult). */
export type FlatResult = Record<string, string | number | boolean>;

/**
 * The report flattened: `ok`, `failed` (ids, comma-separated), `skipped` (likewise, when any) and
 * per check `<id>` and `<id>.detail`.
 */
export function flattenReport(report: SelftestReport): FlatResult {
  const ids = (keep: (c: CheckResult) => boolean) =>
    report.checks
      .filter(keep)
      .map((c) => c.id)
      .join(',');
  const out: FlatResult = { ok: report.ok, at: report.at, failed: ids((c) => !c.ok && !c.skipped) };
  const skippedIds = ids((c) => c.skipped === true);
  if (skippedIds !== '') out.skipped = skippedIds;
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
