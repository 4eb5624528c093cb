/**
 * `nattsyn monitor`: connects to the centre's broker, listens under `nattsyn/v1/+/` for `--wait`
 * seconds (retained status and health arrive at once; events and audit while it listens), then
 * prints the fleet table (devices needing a visit tonight first) or `--json`. `--watch` keeps
 * listening and reprints every `--wait` seconds until interrupted.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { Fleet, renderTable } from './fleet.ts';
import { TOPIC_ROOT } from './payloads.ts';

export interface MonitorIo {
  out: (text: string) => void;
  err: (text: string) => void;
  now?: () => number;
  connect?: (url: string, options: IClientOptions) => MqttClient;
  /** Ends `--watch`. */
  signal?: AbortSignal;
}

export const MONITOR_USAGE = `usage: nattsyn monitor --mqtt URL [--ca FILE --cert FILE --key FILE] [--json] [--wait SECONDS] [--watch]
  --mqtt URL      the centre's broker, mqtt://host:port or mqtts://host:port
  --ca, --cert, --key   PEM files for mqtts (the broker is checked against --ca)
  --json          print the devices as JSON instead of a table
  --wait SECONDS  how long to listen before printing (default 3)
  --watch         keep listening and reprint every --wait seconds
`;

/** Returns the exit code: 0 ok, 1 runtime failure, 2 usage. */
export async function runMonitor(args: string[], io: MonitorIo): Promise<number> {
  let values: ReturnType<typeof parse>;
  try {
    values = parse(args);
  } catch (error) {
    io.err(`${(error as Error).message}\n${MONITOR_USAGE}`);
    return 2;
  }
  if (values.help) {
    io.out(MONITOR_USAGE);
    return 0;
  }
  const url = values.mqtt;
  const wait = Number(values.wait ?? '3');
  if (!url || !/^mqtts?:\/\//.test(url) || !(wait > 0)) {
    io.err(`monitor: --mqtt URL is required and --wait must be positive\n${MONITOR_USAGE}`);
    return 2;
  }
  const now = io.now ?? Date.now;
  const options: IClientOptions = {
    protocolVersion: 5,
    reconnectPeriod: 1000,
    clean: true,
    connectTimeout: 10_000,
  };
  try {
    if (values.ca) options.ca = [await readFile(values.ca, 'utf8')];
    if (values.cert) options.cert = await readFile(values.cert, 'utf8');
    if (values.key) options.key = await readFile(values.key, 'utf8');
  } catch (error) {
    io.err(`monitor: cannot read a TLS file: ${(error as NodeJS.ErrnoException).code}\n`);
    return 2;
  }
  options.rejectUnauthorized = true;
  const fleet = new Fleet();
  const client = (io.connect ?? mqtt.connect)(url, options);
  client.on('message', (topic, payload) => fleet.receive(topic, payload.toString('utf8'), now()));
  try {
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
    });
    await client.subscribeAsync(`${TOPIC_ROOT}/+/+`, { qos: 1 });
    const print = () => {
      const devices = fleet.devices(now());
      io.out(values.json ? `${JSON.stringify(devices, null, 2)}\n` : renderTable(devices));
    };
    do {
      await sleep(wait * 1000, io.signal);
      print();
    } while (values.watch && !io.signal?.aborted);
    return 0;
  } catch (error) {
    io.err(`monitor: ${(error as Error).message}\n`);
    return 1;
  } finally {
    await client.endAsync(true).catch(() => undefined);
  }
}

function parse(args: string[]) {
  return parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      mqtt: { type: 'string' },
      ca: { type: 'string' },
      cert: { type: 'string' },
      key: { type: 'string' },
      json: { type: 'boolean' },
      wait: { type: 'string' },
      watch: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  }).values;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done);
  });
}
