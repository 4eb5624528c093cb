/** The fuzzing run's own promises (issue 13, item 15): at least 10,000 cases, every parser run. */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RUNS } from './budget.ts';

describe('the fuzzing budget', () => {
  it('runs_at_least_ten_thousand_cases_in_every_ci_run', () => {
    expect(Object.values(RUNS).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(10_000);
  });

  it('gives_every_parser_in_the_budget_its_runs', () => {
    const sources = readdirSync(import.meta.dirname)
      .filter((n) => n.endsWith('.test.ts'))
      .map((n) => readFileSync(`${import.meta.dirname}/${n}`, 'utf8'))
      .join('\n');
    expect(Object.keys(RUNS).filter((name) => !sources.includes(`runs('${name}')`))).toEqual([]);
  });
});
