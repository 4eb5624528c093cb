/** `nattsyn centre`: the monitoring centre's service (WHEP relay, sign-in, round, archive). */
import { DEFAULT_CENTRE_CONFIG_PATH, loadCentreConfig } from '../centre/load.ts';
import { startCentre } from '../centre/main.ts';
import { createLogger } from '../log.ts';
import { type CliIo, EXIT, parseVerbArgs, showHelp, untilSignal } from '../platform/cliIo.ts';

export const CENTRE_HELP = `Usage: nattsyn centre [--config ${DEFAULT_CENTRE_CONFIG_PATH}]

Runs the centre: staff reach devices in homes through it (WHEP relayed over
MQTT 5 to each device, TURN credentials per look). The config is validated
completely first; every problem is listed as <path>: <message> and the exit
code is 2. Stops on SIGTERM or SIGINT.`;

export async function runCentre(args: string[], io: CliIo, signal?: AbortSignal): Promise<number> {
  const { values } = parseVerbArgs(args, {
    config: { type: 'string', default: DEFAULT_CENTRE_CONFIG_PATH },
    help: { type: 'boolean' },
  });
  if (values.help) return showHelp(io, CENTRE_HELP);
  const loaded = await loadCentreConfig(values.config);
  const log = createLogger(loaded.config.log.level);
  const centre = await startCentre(loaded, log.child({ module: 'centre' }));
  try {
    await untilSignal(signal);
    log.info('stopping');
  } finally {
    await centre.stop();
    log.flush();
  }
  return EXIT.ok;
}
