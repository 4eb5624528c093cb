/** `nattsyn run`: the service itself, as systemd starts it. Stops cleanly on SIGTERM or SIGINT. */
import { configSchema, DEFAULT_CONFIG_PATH, loadConfig, systemdEnvironment } from '../config.ts';
import { createLogger } from '../log.ts';
import { startService } from '../main.ts';
import { type CliIo, EXIT, parseVerbArgs, showHelp, untilSignal } from '../platform/cliIo.ts';

export const RUN_HELP = `Usage: nattsyn run [--config ${DEFAULT_CONFIG_PATH}]

Runs the service: camera, live stream (WHEP and the viewer page), access policy and
health reporting. The config is validated completely first; every problem is
listed as <path>: <message> and the exit code is 2. Stops on SIGTERM or SIGINT.`;

export async function runRun(args: string[], io: CliIo, signal?: AbortSignal): Promise<number> {
  const { values } = parseVerbArgs(args, {
    config: { type: 'string', default: DEFAULT_CONFIG_PATH },
    help: { type: 'boolean' },
  });
  if (values.help) return showHelp(io, RUN_HELP);
  const loaded = await loadConfig(values.config, configSchema);
  const log = createLogger(loaded.config.log.level);
  const service = await startService(loaded, log, { systemd: systemdEnvironment() });
  try {
    await untilSignal(signal);
    log.info('stopping');
  } finally {
    await service.stop();
    log.flush();
  }
  return EXIT.ok;
}
