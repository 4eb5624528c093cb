#!/usr/bin/env node
/**
 * `nattsyn`: the command line. Dispatches to one module per verb; exit 0 ok, 1 runtime failure,
 * 2 usage or configuration error (with every problem listed, never a stack trace).
 */
import { pathToFileURL } from 'node:url';
import { runAudit } from './cli/audit.ts';
import { runCentre } from './cli/centre.ts';
import { runDemo } from './cli/demo.ts';
import { type CliIo, EXIT, processIo, type Verb } from './cli/io.ts';
import { runKeys } from './cli/keys.ts';
import { runPolicy } from './cli/policy.ts';
import { runRun } from './cli/run.ts';
import { selftestHardware } from './cli/selftest.ts';
import { runToken } from './cli/token.ts';
import { NattsynError, UsageError } from './errors.ts';
import { runMonitor } from './health/index.ts';
import { registerVerb, selftestVerb, wipeVerb } from './install/index.ts';

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
  audit: { run: runAudit, summary: 'verify the audit log (audit verify)' },
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
  try {
    return await verb.run(args, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`nattsyn ${name}: ${error.message}`);
      return EXIT.usage;
    }
    const code = error instanceof NattsynError ? ` [${error.code}]` : '';
    io.err(`nattsyn ${name}: ${(error as Error).message}${code}`);
    return EXIT.failure;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = await main(process.argv.slice(2), processIo);
}
