/**
 * The centre's composition root: builds every part from the loaded config, starts them in order and
 * stops them in reverse. It decides nothing. A centre instance keeps no state of its own: presence
 * and schedules live in the broker; with the `archive` section, the audit archive, sign-outs, the
 * centre audit, look outcomes and roster labels live in the one database every instance shares, so
 * any number run side by side.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { type Logger, realTimers, type Timers } from '../platform/ports.ts';
import { buildCentreApp } from './app.ts';
import {
  ArchiveLookHistory,
  AuditArchive,
  CentreDatabase,
  DbCentreAudit,
  DbRevocations,
  RosterLabels,
} from './archive/index.ts';
import {
  type CentreAuditSink,
  LogAuditSink,
  MemoryRevocations,
  type SessionRevocations,
} from './auth/index.ts';
import { CentreBroker } from './broker.ts';
import { FallbackBridge, registerFallbackRoutes, startDeviceListener } from './fallback/index.ts';
import { Tagger } from './keys/index.ts';
import type { LoadedCentreConfig } from './load.ts';
import type { RelayRouteDeps } from './relay/face.ts';
import { WhepRelayClient } from './relay/relayClient.ts';
import { registerRelayRoutes } from './relay/routes.ts';
import { SessionUrls } from './relay/sessionUrl.ts';
import { TurnMinter } from './relay/turn.ts';
import type { LookHistory } from './round/lookHistory.ts';
import { type StaffConfig, StaffService } from './round/service.ts';

/** What tests put in place of what the config gives (the database's, or memory and the log). */
export interface CentreOverrides {
  now?: () => number;
  timers?: Timers;
  /** Where sign-ins, sign-outs and refusals are recorded; default: the database, else the log. */
  audit?: CentreAuditSink | undefined;
  /** Signed-out sessions; default: the database, else this instance's memory. */
  revocations?: SessionRevocations | undefined;
  /** Look outcomes; default: the archive's, else read from the devices' audit stream. */
  lookHistory?: LookHistory | undefined;
}

export interface RunningCentre {
  url: string;
  instanceId: string;
  app: FastifyInstance;
  broker: CentreBroker;
  /** The staff side (sign-in, roster, round), when configured. */
  staff: StaffService | undefined;
  /** The audit archive, with the `archive` section. */
  archive: AuditArchive | undefined;
  /** The shared database handle, with the `archive` section. */
  database: CentreDatabase | undefined;
  stop(): Promise<void>;
}

const randomId = () => randomBytes(18).toString('base64url');

export async function startCentre(
  loaded: LoadedCentreConfig,
  log: Logger,
  overrides: CentreOverrides = {},
): Promise<RunningCentre> {
  const { config } = loaded;
  const now = overrides.now ?? Date.now;
  const instanceId = config.instanceId ?? `c-${randomBytes(6).toString('hex')}`;
  const stack: { stop(): unknown }[] = [];
  const stopAll = async () => {
    for (const part of stack.splice(0).reverse()) await part.stop();
  };
  try {
    const staffConfig = staffConfigOf(config);
    const database = config.archive
      ? new CentreDatabase({ config: config.archive.database, log, now })
      : undefined;
    if (database) {
      await database.start();
      stack.push(database);
    }
    const db = database?.db;
    const archive =
      config.archive && db
        ? new AuditArchive({
            config: config.archive,
            mqtt: {
              url: config.mqtt.url,
              ...(loaded.brokerTls ? { tls: loaded.brokerTls } : {}),
              keepaliveSeconds: config.mqtt.keepaliveSeconds,
            },
            log,
            clock: { now },
            ...(overrides.timers ? { timers: overrides.timers } : {}),
            database: db,
          })
        : undefined;
    if (archive) {
      await archive.start();
      stack.push(archive);
    }
    const lookHistory = overrides.lookHistory ?? (db ? new ArchiveLookHistory(db) : undefined);
    const broker = new CentreBroker({
      config: config.mqtt,
      tls: loaded.brokerTls,
      instanceId,
      log,
      watch: staffConfig ? ['schedule', 'health', 'archive', ...(lookHistory ? [] : ['audit' as const])] : [],
    });
    const staff = staffConfig
      ? new StaffService({
          config: staffConfig,
          centreKey: loaded.centreKey,
          clientSecret: loaded.oidcClientSecret,
          broker,
          revocations:
            overrides.revocations ?? (db ? new DbRevocations(db, now) : new MemoryRevocations(now)),
          audit: overrides.audit ?? (db ? new DbCentreAudit({ db, instanceId, log }) : new LogAuditSink(log)),
          lookHistory,
          database: db,
          now,
          timers: overrides.timers ?? realTimers,
          randomId,
          log,
          staffRateLimitPerMinute: config.http.staffRateLimitPerMinute,
        })
      : undefined;
    if (staff && db) {
      const labels = new RosterLabels(db, now);
      const off = staff.roster.onReload.on((roster) => {
        labels.record(roster.devices.values()).catch((error: unknown) => {
          log.error({ err: String(error) }, 'roster labels not recorded');
        });
      });
      stack.push({ stop: off });
    }
    staff?.attach();
    await broker.start();
    stack.push(broker);
    const relay = new WhepRelayClient({
      broker,
      instanceId,
      signingKey: loaded.relayKey,
      timeoutMs: config.relay.timeoutMs,
      now,
      randomId,
      log,
    });
    relay.start();
    stack.push(relay);
    const turn =
      config.turn && loaded.turnSecret
        ? new TurnMinter({ ...config.turn, secret: loaded.turnSecret, now })
        : undefined;
    const app = await buildCentreApp({ http: config.http, tls: loaded.httpTls, log });
    const relayDeps: RelayRouteDeps = {
      relay,
      sessionUrls: new SessionUrls(new Tagger(loaded.centreKey.subkey('session-url'))),
      turn,
      randomId,
      rateLimitPerMinute: config.http.rateLimitPerMinute,
      ...(config.fallback && loaded.fallbackTls ? { fallbackMediaUrl: config.fallback.publicUrl } : {}),
    };
    registerRelayRoutes(app, relayDeps);
    if (config.fallback && loaded.fallbackTls) {
      const bridge = new FallbackBridge({ timers: overrides.timers ?? realTimers, log });
      stack.push(bridge);
      const listener = await startDeviceListener(bridge, { ...config.fallback, tls: loaded.fallbackTls });
      stack.push(listener);
      const unregister = registerFallbackRoutes(app, bridge);
      stack.push({ stop: unregister });
      log.info({ port: listener.port }, 'fallback device listener started');
    }
    if (staff) {
      stack.push(staff);
      await staff.start(app, relayDeps);
    }
    const url = await app.listen({ host: config.http.host, port: config.http.port });
    stack.push({ stop: () => app.close() });
    log.info({ url, instanceId, round: staff !== undefined }, 'nattsyn centre started');
    return { url, instanceId, app, broker, staff, archive, database, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

function staffConfigOf(config: LoadedCentreConfig['config']): StaffConfig | undefined {
  const { oidc, roster, staffTokens, session, round } = config;
  if (!oidc || !roster || !staffTokens) return undefined;
  return { oidc, roster, staffTokens, session, round };
}
