/**
 * `nattsyn selftest`: runs the checks the composition root builds, prints the report (or `--json`),
 * exits 1 when a check failed. A local run means an installer is at the device, so it reopens the
 * 10-minute aiming window; the remote `cmd/selftest` never does.
 */

import { type CliIo, EXIT_FAILURE, EXIT_OK, exitCodeOf, parse } from '../platform/cliIo.ts';
import type { EpochMillis } from '../policy/index.ts';
import { formatReport, runSelftestChecks, type SelftestCheck } from './selftest.ts';

export interface SelftestIo extends CliIo {
  /** The device id (undefined before registration) and its checks, built by the composition root. */
  checks(): Promise<{ deviceId: string | undefined; checks: SelftestCheck[] }>;
  now: () => Date;
  monotonic: () => number;
  /** Opens the aiming window (InstallWindow.open('selftest')); left out where there is no state dir. */
  openAimingWindow?: (() => Promise<EpochMillis>) | undefined;
}

export const SELFTEST_HELP = `Usage: nattsyn selftest [--json] [--config FILE]

Checks, in order: registration and certificate (after the config file, named, when it is missing or
not JSON), camera present and delivering frames, IR illuminator lights a dark scene, GPIO lines
present, clock synchronised, broker reachable over TLS with the device certificate, policy valid for
this device, disk space, service running.
Prints a fix for each failed check and exits 1 if any failed; a check that measures through a failed
one (the IR illuminator through the camera) is shown as SKIP with the reason. Afterwards an install
token may preview the camera for 10 minutes.

  --json         the report as JSON on stdout
  --config FILE  the service config (default /etc/nattsyn/config.json)
  -h, --help     this text
`;

const OPTIONS = {
  json: { type: 'boolean', default: false },
  /** Read by the composition root (which config to test); accepted here so parsing stays strict. */
  config: { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

export function runSelftest(args: readonly string[], io: SelftestIo): Promise<number> {
  return exitCodeOf(io, async () => {
    const v = parse(args, OPTIONS);
    if (v.help) {
      io.out(SELFTEST_HELP);
      return EXIT_OK;
    }
    const { deviceId, checks } = await io.checks();
    const report = await runSelftestChecks(checks, deviceId, io);
    io.out(v.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
    if (deviceId !== undefined && io.openAimingWindow) {
      const until = await io.openAimingWindow();
      if (!v.json)
        io.out(`Aiming preview open for an install token until ${new Date(until).toISOString()}.\n`);
    }
    return report.ok ? EXIT_OK : EXIT_FAILURE;
  });
}
