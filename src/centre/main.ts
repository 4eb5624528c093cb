/**
 * The centre's composition root: builds every part from the loaded config, starts them in order and
 * stops them in reverse. It decides nothing. A centre instance keeps no state of its own: presence
 * and schedules live in the broker, the audit archive in the database, so any number run side by side.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { type Logger, realTimers, type Timers } from '../platform/ports.ts';
import { buildCentreApp } from './app.ts';
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

/** What tests (and, later, the archive) put in place of the defaults. */
export interface CentreOverrides {
  now?: () => number;
  timers?: Timers;
  /** Where sign-ins, sign-outs and refusals are recorded; default: the log. */
  audit?: CentreAuditSink;
  /** Signed-out sessions; default: this instance's memory. */
  revocations?: SessionRevocations;
  /** The archive's look history; default: outcomes read from the devices' audit stream. */
  lookHistory?: LookHistory;
}

export interface RunningCentre {
  url: string;
  instanceId: string;
  app: FastifyInstance;
  broker: CentreBroker;
  /** The staff side (sign-in, roster, round), when configured. */
  staff: StaffService | undefined;
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
    const broker = new CentreBroker({
      config: config.mqtt,
      tls: loaded.brokerTls,
      instanceId,
      log,
      watch: staffConfig ? ['schedule', 'health', ...(overrides.lookHistory ? [] : ['audit' as const])] : [],
    });
    const staff = staffConfig
      ? new StaffService({
          config: staffConfig,
          centreKey: loaded.centreKey,
          clientSecret: loaded.oidcClientSecret,
          broker,
          revocations: overrides.revocations ?? new MemoryRevocations(now),
          audit: overrides.audit ?? new LogAuditSink(log),
          lookHistory: overrides.lookHistory,
          now,
          timers: overrides.timers ?? realTimers,
          randomId,
          log,
        })
      : undefined;
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
    };
    registerRelayRoutes(app, relayDeps);
    if (config.fallback && loaded.fallbackTls) {
      const bridge = new FallbackBridge({ timers: overrides.timers ?? realTimers, log });
      stack.push(bridge);
      const listener = await startDeviceListener(bridge, { ...config.fallback, tls: loaded.fallbackTls });
      stack.push(listener);
      const unregister = registerFallbackRoutes(app, relayDeps, bridge, config.fallback.publicUrl);
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
    return { url, instanceId, app, broker, staff, stop: stopAll };
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
