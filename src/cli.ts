#!/usr/bin/env node
/**
 * `nattsyn`: the command line. Dispatches to one module per verb; exit 0 ok, 1 runtime failure,
 * 2 usage or configuration error (with every problem listed, never a stack trace).
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type CliIo, EXIT, exitCodeOf, processIo, type Verb } from './platform/cliIo.ts';

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
    summary: 'the whole night on this machine: broker, IdP, centre and three demo devices',
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
  token: { load: async () => (await import('./cli/keys.ts')).runToken, summary: 'mint a staff token' },
  policy: {
    load: async () => (await import('./cli/keys.ts')).runPolicy,
    summary: 'sign a resident policy (policy sign)',
  },
  audit: {
    load: async () => (await import('./cli/audit.ts')).runAudit,
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
  return exitCodeOf(io, async () => (await verb.load())(args, io), name);
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

/** How long the process may outlive its command's answer before it is made to exit. */
const EXIT_GRACE_MS = 2000;

if (runAsProgram()) {
  process.exitCode = await main(process.argv.slice(2), processIo);
  // A command has answered once main returns: nothing it left open (a part that did not stop in
  // time) may keep the process up as a zombie (issue 9, item 2). The timer is unref'd, so it only
  // fires when something still holds the event loop.
  setTimeout(() => {
    processIo.err('nattsyn: something was still open after the command ended; exiting');
    process.exit();
  }, EXIT_GRACE_MS).unref();
}
