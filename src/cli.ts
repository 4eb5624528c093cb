#!/usr/bin/env node
/**
 * `nattsyn`: the command line. Dispatches to one module per verb; exit 0 ok, 1 runtime failure,
 * 2 usage or configuration error (with every problem listed, never a stack trace).
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runAudit } from './cli/audit.ts';
import { runCentre } from './cli/centre.ts';
import { runDemo } from './cli/demo.ts';
import { runKeys } from './cli/keys.ts';
import { runPolicy } from './cli/policy.ts';
import { runRun } from './cli/run.ts';
import { selftestHardware } from './cli/selftest.ts';
import { runToken } from './cli/token.ts';
import { runMonitor } from './health/index.ts';
import { registerVerb, selftestVerb, wipeVerb } from './install/index.ts';
import { type CliIo, EXIT, exitCodeOf, processIo, type Verb } from './platform/cliIo.ts';

const VERBS: Record<string, { run: Verb; summary: string }> = {
  run: { run: runRun, summary: 'run the service (what systemd starts)' },
  centre: { run: runCentre, summary: 'run the centre: staff reach devices in homes through it' },
  demo: { run: runDemo, summary: 'run the service on a synthetic IR camera, ready to view in a browser' },
  register: { run: registerVerb, summary: 'create the device identity and bind it to a care plan' },
  selftest: {
    run: selftestVerb(selftestHardware),
    summary: 'check camera, IR, GPIO, clock, broker, policy, disk',
  },
  monitor: { run: runMonitor, summary: 'the monitoring centre view of every device on a broker' },
  wipe: { run: wipeVerb, summary: 'decommission: remove identity, keys, policy, audit and config' },
  keys: { run: runKeys, summary: 'write an Ed25519 key pair (issuer or policy key)' },
  token: { run: runToken, summary: 'mint a staff token' },
  policy: { run: runPolicy, summary: 'sign a resident policy (policy sign)' },
  audit: {
    run: runAudit,
    summary: 'verify the audit log (audit verify); the access follow-up (audit export)',
  },
};

export const HELP = `Usage: nattsyn <command> [options]   (nattsyn <command> --help for its options)

Commands:
${Object.entries(VERBS)
  .map(([name, v]) => `  ${name.padEnd(10)}${v.summary}`)
  .join('\n')}`;

export async function main(argv: string[], io: CliIo): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(HELP);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const verb = VERBS[name];
  if (!verb) {
    io.err(`nattsyn: unknown command "${name}"\n${HELP}`);
    return EXIT.usage;
  }
  return exitCodeOf(io, () => verb.run(args, io), name);
}

/** Run as the program: directly, or through a symlink such as npm's bin link (`npx nattsyn`). */
function runAsProgram(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (runAsProgram()) {
  process.exitCode = await main(process.argv.slice(2), processIo);
}
