/**
 * `nattsyn monitor`: connects to the centre's broker, listens under `nattsyn/v1/+/` for `--wait`
 * seconds (retained status and health arrive at once; events and audit while it listens), and to
 * the archive's retained state of each device and presence of each instance, then
 * prints the fleet table (devices needing a visit tonight first) or `--json`. `--watch` keeps
 * listening and shows the table again every `--wait` seconds until interrupted: redrawn in place on
 * a terminal, appended where stdout is a file or a pipe (a log keeps every frame).
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { ARCHIVE_INSTANCE_TOPICS, ARCHIVE_STATE_TOPICS } from '../protocol/index.ts';
import { type DeviceView, Fleet } from './fleet.ts';
import { frame, isTimeZone, localTime, renderTable } from './fleetTable.ts';
import { TOPIC_ROOT } from './payloads.ts';

export interface MonitorIo {
  out: (text: string) => void;
  err: (text: string) => void;
  now?: () => number;
  connect?: (url: string, options: IClientOptions) => MqttClient;
  /** Ends `--watch`. */
  signal?: AbortSignal;
  /** stdout is a terminal: `--watch` redraws in place. */
  tty?: boolean;
  /** The terminal's height: a redrawn frame is cut to it. */
  rows?: number | undefined;
  /** The reader's IANA zone when `--tz` is not given (default: this machine's). */
  timeZone?: string;
}

export const MONITOR_USAGE = `usage: nattsyn monitor --mqtt URL [--ca FILE --cert FILE --key FILE] [--json] [--wait SECONDS] [--watch] [--tz ZONE]
  --mqtt URL      the centre's broker, mqtt://host:port or mqtts://host:port
  --ca, --cert, --key   PEM files for mqtts (the broker is checked against --ca)
  --json          print the devices as JSON instead of a table (times in UTC)
  --wait SECONDS  how long to listen before printing (default 3)
  --watch         keep listening and show the table every --wait seconds (redrawn in place on a terminal)
  --tz ZONE       IANA time zone of the table's times (default: this machine's)
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
  const timeZone = values.tz ?? io.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (!isTimeZone(timeZone)) {
    io.err(`monitor: --tz ${timeZone} is not an IANA time zone\n${MONITOR_USAGE}`);
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
    await client.subscribeAsync([`${TOPIC_ROOT}/+/+`, ARCHIVE_STATE_TOPICS, ARCHIVE_INSTANCE_TOPICS], {
      qos: 1,
    });
    const show = printer(io, { json: values.json === true, watch: values.watch === true, timeZone });
    do {
      await sleep(wait * 1000, io.signal);
      show(fleet.devices(now()), now(), fleet.archiveInstances());
    } while (values.watch && !io.signal?.aborted);
    return 0;
  } catch (error) {
    io.err(`monitor: ${(error as Error).message}\n`);
    return 1;
  } finally {
    await client.endAsync(true).catch(() => undefined);
  }
}

/** Writes one table (or JSON); under `--watch` with a title line, redrawn in place on a terminal. */
function printer(io: MonitorIo, o: { json: boolean; watch: boolean; timeZone: string }) {
  let first = true;
  return (devices: DeviceView[], at: number, archive: { online: number; known: number }) => {
    if (o.json) return io.out(`${JSON.stringify(devices, null, 2)}\n`);
    const table = renderTable(devices, { timeZone: o.timeZone }) + archiveLine(archive);
    if (!o.watch) return io.out(table);
    const title = `nattsyn monitor  ${localTime(new Date(at).toISOString(), o.timeZone, true)} ${o.timeZone}  ${devices.length} devices\n`;
    io.out(io.tty ? frame(title + table, first, io.rows) : `${first ? '' : '\n'}${title}${table}`);
    first = false;
  };
}

/** One line under the table about the archive instances, where any announced itself. */
function archiveLine(a: { online: number; known: number }): string {
  if (a.known === 0) return '';
  if (a.online === 0)
    return 'ARCHIVE DOWN: no archive instance is running; devices keep their audit records until one is\n';
  return `archive: ${a.online} of ${a.known} instances online\n`;
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
      tz: { type: 'string' },
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
