/**
 * `nattsyn wipe`: decommissions the device (see wipe.ts for the guards). The device id must be typed
 * back, on the command line (`--confirm`) or at the prompt.
 */
import { UsageError } from '../errors.ts';
import { type CliIo, EXIT_OK, exitCodeOf, parse } from '../platform/cliIo.ts';
import type { ConnectBroker } from './brokerSession.ts';
import { loadRegistration } from './registration.ts';
import { type WipeAudit, wipe } from './wipe.ts';

export interface WipeIo extends CliIo {
  stateDir: string;
  configFiles: readonly string[];
  /** Opens the audit log in the state dir (AuditLog over FsStore, after `open()`). */
  openAudit(): Promise<WipeAudit>;
  connect?: ConnectBroker | undefined;
  serviceActive(): Promise<boolean>;
  now: () => Date;
  /** The config's Home Assistant discovery prefix, when discovery is enabled there. */
  homeAssistantPrefix?: string | undefined;
  /** Asks a question on the terminal; left out when there is none. */
  prompt?: ((question: string) => Promise<string>) | undefined;
}

export const WIPE_HELP = `Usage: nattsyn wipe [--confirm DEVICE-ID] [--force --export FILE]

Decommissions this device: announces "decommissioned" to the monitoring centre, then removes the
identity, keys, certificates, registration, policy, audit log and config. Stop the service first
(sudo systemctl stop nattsyn). Refuses while audit records or events have not reached the centre,
and without a broker connection.

  --confirm ID   the device id, typed back (asked for when left out)
  --force        wipe even with undelivered audit records or no broker
  --export FILE  with --force: write the audit log there first (outside /var/lib/nattsyn)
  --config FILE  the service config to remove (default /etc/nattsyn/config.json)
  -h, --help     this text
`;

const OPTIONS = {
  confirm: { type: 'string' },
  force: { type: 'boolean', default: false },
  export: { type: 'string' },
  config: { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

export function runWipe(args: readonly string[], io: WipeIo): Promise<number> {
  return exitCodeOf(io, async () => {
    const v = parse(args, OPTIONS);
    if (v.help) {
      io.out(WIPE_HELP);
      return EXIT_OK;
    }
    let typed = v.confirm;
    if (typed === undefined) {
      if (!io.prompt) throw new UsageError('--confirm DEVICE-ID is required without a terminal');
      typed = await io.prompt('Type this device’s id to wipe it: ');
    }
    const registration = await loadRegistration(io.stateDir).catch(() => undefined);
    const session =
      registration && io.connect ? await io.connect(registration).catch(() => undefined) : undefined;
    try {
      const result = await wipe(
        { typedDeviceId: typed, force: v.force, exportTo: v.export },
        {
          ...io,
          configFiles: v.config ? [v.config] : io.configFiles,
          audit: await io.openAudit(),
          publish: session?.publish,
        },
      );
      if (result.exported)
        io.out(`Exported ${result.exported.records} audit records to ${result.exported.file}.\n`);
      if (!result.announced)
        io.out('The broker was not reached: tell the monitoring centre by other means.\n');
      else if (!result.retainedCleared)
        io.out(
          'Announced, but some retained topics were not cleared: ask the monitoring centre to clear them.\n',
        );
      io.out(`Device ${result.deviceId} wiped: ${result.removed.length} files and folders removed.\n`);
      return EXIT_OK;
    } finally {
      await session?.close();
    }
  });
}
