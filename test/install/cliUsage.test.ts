/** The installer verbs' usage contract: --help exits 0, mistakes exit 2 with one line on stderr. */
import { describe, expect, it } from 'vitest';
import { runRegister } from '../../src/install/cliRegister.ts';
import { runWipe } from '../../src/install/cliWipe.ts';
import { runSelftest } from '../../src/install/selftestRuns.ts';

function io() {
  const printed: string[] = [];
  const errors: string[] = [];
  const unused = async (): Promise<never> => {
    throw new Error('not reached');
  };
  return {
    printed,
    errors,
    out: (t: string) => printed.push(t),
    err: (t: string) => errors.push(t),
    stateDir: '/nonexistent/nattsyn',
    configFiles: [],
    run: unused,
    now: () => new Date(0),
    monotonic: () => 0,
    checks: unused,
    openAudit: unused,
    serviceActive: unused,
  };
}

const verbs = [
  ['register', runRegister],
  ['selftest', runSelftest],
  ['wipe', runWipe],
] as const;

describe.each(verbs)('nattsyn %s', (name, run) => {
  it('prints its usage with --help and exits 0', async () => {
    const t = io();
    expect(await run(['--help'], t)).toBe(0);
    expect(t.printed.join('')).toMatch(new RegExp(`^Usage: nattsyn ${name}`));
  });

  it('exits 2 on an unknown flag or a stray argument', async () => {
    const t = io();
    expect(await run(['--nope'], t)).toBe(2);
    expect(await run(['stray'], t)).toBe(2);
    expect(t.errors).toHaveLength(2);
  });
});

describe('nattsyn register', () => {
  it('names the first missing option and exits 2', async () => {
    const t = io();
    expect(await runRegister(['--issuer', 'x', '--issuer-key', 'k.pem'], t)).toBe(2);
    expect(t.errors.join('')).toMatch(/--care-plan is required/);
  });

  it('refuses a care-plan reference that looks like a personnummer before touching anything', async () => {
    const t = io();
    const args = ['--care-plan', '194503121234', '--issuer', 'x', '--issuer-key', '/dev/null'].concat([
      '--policy-key',
      '/dev/null',
      '--broker',
      'mqtts://h:1',
      '--broker-ca',
      '/dev/null',
    ]);
    expect(await runRegister(args, t)).toBe(2);
    expect(t.errors.join('')).toMatch(/personnummer/);
  });
});
