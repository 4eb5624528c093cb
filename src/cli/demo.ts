/**
 * `nattsyn demo`: the real service on the synthetic IR camera, with its own keys, a signed policy
 * whose window is open now, an in-process MQTT broker (unless --mqtt) and a fresh state directory.
 * The first stdout line is one JSON object with everything needed to look (viewerUrl, whepUrl, token).
 */
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { configSchema, loadConfig, systemdEnvironment } from '../config.ts';
import { prepareDemoState, startDemoBroker } from '../demo.ts';
import { UsageError } from '../errors.ts';
import { createLogger } from '../log.ts';
import { startService } from '../main.ts';
import { type CliIo, EXIT, parseVerbArgs, showHelp, untilSignal } from './io.ts';

export const DEMO_HELP = `Usage: nattsyn demo [--state DIR] [--port 8080] [--mqtt URL] [--log-level info]

Runs the real service on a synthetic IR camera, listening on 127.0.0.1. It writes
its own issuer and policy keys (DIR/keys/), a signed policy with a window open
from now for 60 minutes plus the usual night windows, and its config into a
fresh state directory (a new temporary one unless --state names an empty one).
An in-process MQTT broker is used unless --mqtt names one. The first line on
stdout is JSON: viewerUrl (token in the fragment), whepUrl, token, deviceId,
stateDir, mqttUrl. Logs go to stderr. Ctrl-C stops it.`;

export async function runDemo(args: string[], io: CliIo, signal?: AbortSignal): Promise<number> {
  const { values } = parseVerbArgs(args, {
    state: { type: 'string' },
    port: { type: 'string', default: '8080' },
    mqtt: { type: 'string' },
    'log-level': { type: 'string', default: 'info' },
    help: { type: 'boolean' },
  });
  if (values.help) return showHelp(io, DEMO_HELP);
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('--port: a port number');
  const stateDir = await freshStateDir(values.state);
  const broker = values.mqtt ? undefined : await startDemoBroker();
  const mqttUrl = values.mqtt ?? broker!.url;
  const log = createLogger(values['log-level'] as 'info', 2);
  try {
    const demo = await prepareDemoState(stateDir, new Date(), {
      stream: {
        host: '127.0.0.1',
        port,
        deviceLabel: 'Demo room',
        timeZone: 'Europe/Stockholm',
        ice: { hostAddresses: ['127.0.0.1'] },
      },
      // The in-process broker (aedes) speaks MQTT 3.1.1; a broker named with --mqtt gets MQTT 5.
      mqtt: { url: mqttUrl, protocolVersion: broker ? 4 : 5 },
      camera: { driver: 'synthetic' },
      log: { level: values['log-level'] },
    });
    const loaded = await loadConfig(demo.configFile, configSchema);
    const service = await startService(loaded, log, { systemd: systemdEnvironment() });
    try {
      const verdict = await service.access.applyPolicy(demo.policyJws, 'demo');
      if (!verdict.ok) throw new Error(`the demo policy was refused: ${verdict.code}`);
      await service.streaming.scheduler.evaluate(); // the window is open now: start the camera at once
      io.out(
        JSON.stringify({
          viewerUrl: `${service.url}/#token=${demo.token}`,
          whepUrl: `${service.url}/whep`,
          token: demo.token,
          deviceId: demo.deviceId,
          stateDir,
          mqttUrl,
        }),
      );
      await untilSignal(signal);
    } finally {
      await service.stop();
    }
  } finally {
    await broker?.stop();
    log.flush();
  }
  return EXIT.ok;
}

async function freshStateDir(wanted: string | undefined): Promise<string> {
  if (!wanted) return mkdtemp(path.join(tmpdir(), 'nattsyn-demo-'));
  const dir = path.resolve(wanted);
  const entries = await readdir(dir).catch(() => []);
  if (entries.length > 0)
    throw new UsageError(`--state: ${dir} is not empty; the demo needs a fresh directory`);
  return dir;
}
