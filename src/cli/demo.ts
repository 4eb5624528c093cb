/**
 * `nattsyn demo`: the whole night on this machine (demoNight.ts): a broker, an OpenID provider with
 * a demo nurse, the centre with its round, and three demo residents' devices on synthetic cameras.
 * The first stdout line is one JSON object with everything needed to sign in and look.
 */
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { UsageError } from '../errors.ts';
import { createLogger } from '../log.ts';
import { type CliIo, EXIT, parseVerbArgs, showHelp, untilSignal } from '../platform/cliIo.ts';
import { startDemoNight } from './demoNight.ts';

export const DEMO_HELP = `Usage: nattsyn demo [--state DIR] [--port 8080] [--centre-port 8081] [--mqtt URL] [--log-level info]

Runs the whole night on this machine: a broker (mosquitto, MQTT 5, unless --mqtt
names one), an OpenID provider with a demo nurse, the centre (its round on
--centre-port) and three demo residents: Rum 12 with a window open now, Rum 14
whose window opens in ten minutes with a camera that cannot start, and Rum 16,
never connected. Keys, policies and configs go into a fresh folder (a new
temporary one unless --state names an empty one). The first line on stdout is
JSON: roundUrl, nurse (user and password), viewerUrl (Rum 12's own page, token in
the fragment), whepUrl, token, deviceId, stateDir, mqttUrl. Logs go to stderr.
Ctrl-C stops it.`;

export async function runDemo(args: string[], io: CliIo, signal?: AbortSignal): Promise<number> {
  const { values } = parseVerbArgs(args, {
    state: { type: 'string' },
    port: { type: 'string', default: '8080' },
    'centre-port': { type: 'string', default: '8081' },
    mqtt: { type: 'string' },
    'log-level': { type: 'string', default: 'info' },
    help: { type: 'boolean' },
  });
  if (values.help) return showHelp(io, DEMO_HELP);
  const port = portOf(values.port, '--port');
  const centrePort = portOf(values['centre-port'], '--centre-port');
  const root = await freshStateDir(values.state);
  const log = createLogger(values['log-level'] as 'info', 2);
  try {
    const night = await startDemoNight({ root, devicePort: port, centrePort, mqttUrl: values.mqtt, log });
    try {
      io.out(JSON.stringify(night.summary));
      await untilSignal(signal);
    } finally {
      await night.stop();
    }
  } finally {
    log.flush();
  }
  return EXIT.ok;
}

function portOf(text: string | undefined, what: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`${what}: a port number`);
  return port;
}

async function freshStateDir(wanted: string | undefined): Promise<string> {
  if (!wanted) return mkdtemp(path.join(tmpdir(), 'nattsyn-demo-'));
  const dir = path.resolve(wanted);
  const entries = await readdir(dir).catch(() => []);
  if (entries.length > 0)
    throw new UsageError(`--state: ${dir} is not empty; the demo needs a fresh directory`);
  return dir;
}
