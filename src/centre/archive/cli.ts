/**
 * `nattsyn audit export`: the access follow-up from the archive's database, as CSV or JSON on
 * stdout. Reads only: it never migrates or writes the archive. Dates are whole days in the given
 * time zone (`--to` inclusive) or ISO 8601 instants. Devices are labelled with the room and
 * care-plan reference the roster gave them at the time (recorded in the database by the centre),
 * else with those of `--roster FILE`.
 */
import { access, readFile } from 'node:fs/promises';
import { Temporal } from 'temporal-polyfill';
import { UsageError } from '../../errors.ts';
import { type CliIo, EXIT, parseVerbArgs, showHelp } from '../../platform/cliIo.ts';
import { parseRoster } from '../roster/document.ts';
import type { ArchiveDatabaseConfig } from './config.ts';
import { openDatabase, schemaVersion } from './database.ts';
import type { SqlDatabase } from './db/sql.ts';
import { type AccessFilter, exportAccess } from './export.ts';
import { accessCsv, accessJson, type DeviceLabel, type DeviceLabels } from './exportFormat.ts';
import { labelAt, labelHistory } from './rosterLabels.ts';

export const AUDIT_EXPORT_HELP = `Usage: nattsyn audit export --db FILE|postgres://USER@HOST:PORT/DB [options]

Who looked at which device, when, for how long, with which outcome or why they
were refused, how far each device's audit trail is archived and verified, and
the centre's own audit (sign-ins, sign-outs, refusals at the centre).

  --db FILE|URL          the archive: a SQLite file, or a PostgreSQL URL
  --password-file FILE   PostgreSQL password (never put it in the URL)
  --roster FILE          room labels for devices the archive has none for
  --device ID            one device only
  --from DATE            from this day (YYYY-MM-DD) or instant (ISO 8601)
  --to DATE              up to and including this day, or before this instant
  --tz ZONE              the zone of whole days (default Europe/Stockholm)
  --format csv|json      default csv`;

export interface AuditExportDeps {
  /** Labels for devices neither the database nor `--roster` names. */
  labels?: DeviceLabels;
  now?: () => number;
}

export async function runAuditExport(args: string[], io: CliIo, deps: AuditExportDeps = {}): Promise<number> {
  const { values, positionals } = parseVerbArgs(args, {
    db: { type: 'string' },
    'password-file': { type: 'string' },
    roster: { type: 'string' },
    device: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    tz: { type: 'string', default: 'Europe/Stockholm' },
    format: { type: 'string', default: 'csv' },
    help: { type: 'boolean' },
  });
  if (values.help) return showHelp(io, AUDIT_EXPORT_HELP);
  if (positionals.length > 0) throw new UsageError(`${positionals[0]}: unexpected argument`);
  if (!values.db) throw new UsageError('--db: required (a SQLite file or a postgres:// URL)');
  if (values.format !== 'csv' && values.format !== 'json')
    throw new UsageError('--format: expected csv or json');
  const filter = parseFilter(values);
  const fromFile = values.roster ? await rosterFileLabels(values.roster) : undefined;
  const database = await databaseFor(values.db, values['password-file']);
  const db = await openDatabase(database).catch((cause: unknown) => {
    if (database.kind === 'sqlite')
      throw new UsageError(`--db: ${values.db} is not a SQLite database`, { cause });
    throw cause;
  });
  try {
    if ((await schemaVersion(db)) === 0) throw new UsageError(`--db: ${values.db} holds no nattsyn archive`);
    const data = await exportAccess(db, filter);
    const labels = await labelsFor(db, fromFile, deps.labels);
    const shown: Record<string, string> = {};
    for (const key of ['device', 'from', 'to'] as const) if (values[key]) shown[key] = values[key];
    const generatedAt = new Date((deps.now ?? Date.now)()).toISOString();
    io.out(
      values.format === 'json'
        ? accessJson(data, { generatedAt, filter: shown }, labels)
        : accessCsv(data, labels),
    );
    return EXIT.ok;
  } finally {
    await db.close();
  }
}

/** The database's label history first, then the roster file, then the caller's. */
async function labelsFor(
  db: SqlDatabase,
  fromFile: ReadonlyMap<string, DeviceLabel> | undefined,
  fallback: DeviceLabels | undefined,
): Promise<DeviceLabels> {
  const history = (await schemaVersion(db)) >= 2 ? await labelHistory(db) : new Map();
  return (deviceId, atMs) => {
    const span = labelAt(history, deviceId, atMs ?? Number.POSITIVE_INFINITY);
    if (span) return { roomLabel: span.room, carePlanRef: span.carePlanRef };
    return fromFile?.get(deviceId) ?? fallback?.(deviceId, atMs);
  };
}

async function rosterFileLabels(file: string): Promise<Map<string, DeviceLabel>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new UsageError(`--roster: cannot read ${file}`);
  }
  const parsed = parseRoster(text);
  if (!parsed.ok) throw new UsageError(parsed.problems.map((p) => `--roster: ${file}: ${p}`).join('\n'));
  return new Map(
    [...parsed.roster.devices.values()].map((d) => [
      d.deviceId,
      { roomLabel: d.room, carePlanRef: d.carePlanRef },
    ]),
  );
}

function parseFilter(values: { device?: string; from?: string; to?: string; tz?: string }): AccessFilter {
  const zone = values.tz ?? 'Europe/Stockholm';
  try {
    Temporal.Now.zonedDateTimeISO(zone);
  } catch {
    throw new UsageError(`--tz: unknown time zone ${zone}`);
  }
  const filter: AccessFilter = {};
  if (values.device) filter.deviceId = values.device;
  if (values.from) filter.fromMs = instant(values.from, zone, '--from', 0);
  if (values.to) filter.toMs = instant(values.to, zone, '--to', 1);
  if (filter.fromMs !== undefined && filter.toMs !== undefined && filter.fromMs >= filter.toMs)
    throw new UsageError('--to: must come after --from');
  return filter;
}

/** A day's start in `zone` (plus `addDays`), or an ISO 8601 instant with its offset. */
function instant(text: string, zone: string, flag: string, addDays: number): number {
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) {
    try {
      return Temporal.PlainDate.from(text).add({ days: addDays }).toZonedDateTime({ timeZone: zone })
        .epochMilliseconds;
    } catch {
      throw new UsageError(`${flag}: ${text} is not a date`);
    }
  }
  const ms = /^\d{4}-\d{2}-\d{2}T.+(Z|[+-]\d{2}:\d{2})$/.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(ms)) throw new UsageError(`${flag}: expected YYYY-MM-DD or an ISO 8601 time with offset`);
  return ms;
}

async function databaseFor(db: string, passwordFile: string | undefined): Promise<ArchiveDatabaseConfig> {
  if (/^postgres(ql)?:\/\//.test(db)) {
    if (/^postgres(ql)?:\/\/[^/@]*:[^/@]*@/.test(db))
      throw new UsageError('--db: put the password in --password-file, not the URL');
    return { kind: 'postgres', url: db, port: 5432, ...(passwordFile ? { passwordFile } : {}) };
  }
  if (passwordFile) throw new UsageError('--password-file: only for a postgres:// archive');
  try {
    await access(db);
  } catch {
    throw new UsageError(`--db: no archive at ${db}`);
  }
  return { kind: 'sqlite', file: db };
}
