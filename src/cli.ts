#!/usr/bin/env node
/**
 * `nattsyn`: the command line. Dispatches to one module per verb; exit 0 ok, 1 runtime failure,
 * 2 usage or configuration error (with every problem listed, never a stack trace).
 */
import { pathToFileURL } from 'node:url';
import { type CliIo, EXIT, processIo, type Verb } from './cli/io.ts';
import { NattsynError, UsageError } from './errors.ts';

/**
 * Each verb's module is loaded when that verb runs, not before: `nattsyn run` (the device, on a
 * board with 512 MB for everything) never loads the centre's sign-in and relay, the demo's broker
 * or the registration's QR code, and `nattsyn centre` never loads the camera or WebRTC.
 */
const VERBS: Record<string, { load: () => Promise<Verb>; summary: string }> = {
  run: {
    load: async () => (await import('./cli/run.ts')).runRun,
    summary: 'run the service (what systemd starts)',
  },
  centre: {
    load: async () => (await import('./cli/centre.ts')).runCentre,
    summary: 'run the centre: staff reach devices in homes through it',
  },
  demo: {
    load: async () => (await import('./cli/demo.ts')).runDemo,
    summary: 'run the service on a synthetic IR camera, ready to view in a browser',
  },
  register: {
    load: async () => (await import('./install/index.ts')).registerVerb,
    summary: 'create the device identity and bind it to a care plan',
  },
  selftest: {
    load: async () => {
      const [{ selftestVerb }, { selftestHardware }] = await Promise.all([
        import('./install/index.ts'),
        import('./cli/selftest.ts'),
      ]);
      return selftestVerb(selftestHardware);
    },
    summary: 'check camera, IR, GPIO, clock, broker, policy, disk',
  },
  monitor: {
    load: async () => (await import('./health/index.ts')).runMonitor,
    summary: 'the monitoring centre view of every device on a broker',
  },
  wipe: {
    load: async () => (await import('./install/index.ts')).wipeVerb,
    summary: 'decommission: remove identity, keys, policy, audit and config',
  },
  keys: {
    load: async () => (await import('./cli/keys.ts')).runKeys,
    summary: 'write an Ed25519 key pair (issuer or policy key)',
  },
  token: { load: async () => (await import('./cli/token.ts')).runToken, summary: 'mint a staff token' },
  policy: {
    load: async () => (await import('./cli/policy.ts')).runPolicy,
    summary: 'sign a resident policy (policy sign)',
  },
  audit: {
    load: async () => (await import('./cli/audit.ts')).runAudit,
    summary: 'verify the audit log (audit verify)',
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
  try {
    return await (await verb.load())(args, io);
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
