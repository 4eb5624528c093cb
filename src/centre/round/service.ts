/**
 * The staff side of the centre as one part the composition root starts and stops: sign-in (OIDC),
 * the roster and its gate, the look-token issuer, the broker mirror the round reads (schedules,
 * health, archive state) and the look history, with their routes, and, where the centre has its
 * database, the "who looked" page per device. Built only when the config has the staff sections; a
 * relay-only centre runs without it.
 */
import type { FastifyInstance } from 'fastify';
import { PerMinuteLimiter } from '../../platform/limiter.ts';
import type { Logger, Timers } from '../../platform/ports.ts';
import { systemTime } from '../../platform/time.ts';
import type { SqlExecutor } from '../archive/db/sql.ts';
import {
  authRoutes,
  type CentreAuditSink,
  type OidcConfig,
  type SessionConfig,
  type SessionRevocations,
  StaffAuth,
} from '../auth/index.ts';
import type { CentreBroker } from '../broker.ts';
import type { CentreKey } from '../keys/index.ts';
import type { RelayRouteDeps } from '../relay/face.ts';
import { nodeRosterFs, Roster, type RosterConfig, type RosterFs, RosterGate } from '../roster/index.ts';
import { StaffTokenIssuer, type StaffTokensConfig } from '../tokens/index.ts';
import { registerWhoLookedRoutes } from '../whoLooked/index.ts';
import { AuditLookFeed } from './auditLookFeed.ts';
import type { RoundConfig } from './config.ts';
import { Fleet } from './fleet.ts';
import { type LookHistory, MemoryLookHistory } from './lookHistory.ts';
import { registerLookRoutes } from './lookRoutes.ts';
import { registerRoundRoutes } from './routes.ts';

export interface StaffConfig {
  oidc: OidcConfig;
  session: SessionConfig;
  roster: RosterConfig;
  staffTokens: StaffTokensConfig;
  round: RoundConfig;
}

export interface StaffServiceDeps {
  config: StaffConfig;
  centreKey: CentreKey;
  clientSecret: string | undefined;
  broker: Pick<CentreBroker, 'onMessage' | 'presence' | 'onArchiveState'>;
  revocations: SessionRevocations;
  audit: CentreAuditSink;
  /** The archive's look history; without one, outcomes are read from the devices' audit stream. */
  lookHistory: LookHistory | undefined;
  /** The centre's database, for the "who looked" pages; without it they are not served. */
  database?: SqlExecutor | undefined;
  now: () => number;
  timers: Timers;
  randomId: () => string;
  log: Logger;
  rosterFs?: RosterFs;
  /** Requests per signed-in staff member per minute on the look routes. */
  staffRateLimitPerMinute: number;
}

export class StaffService {
  readonly roster: Roster;
  readonly auth: StaffAuth;
  readonly issuer: StaffTokenIssuer;
  readonly fleet: Fleet;
  readonly history: LookHistory;
  readonly #d: StaffServiceDeps;
  readonly #feed: AuditLookFeed | undefined;

  constructor(deps: StaffServiceDeps) {
    this.#d = deps;
    const { config, now, log } = deps;
    this.roster = new Roster({
      config: config.roster,
      fs: deps.rosterFs ?? nodeRosterFs,
      timers: deps.timers,
      logger: log,
    });
    this.auth = new StaffAuth({
      oidc: config.oidc,
      session: config.session,
      centreKey: deps.centreKey,
      clientSecret: deps.clientSecret,
      revocations: deps.revocations,
      audit: deps.audit,
      keepGroup: this.roster.knowsGroup,
      now,
      randomId: deps.randomId,
      logger: log,
    });
    this.issuer = new StaffTokenIssuer({
      config: config.staffTokens,
      centreKey: deps.centreKey,
      now,
      randomId: deps.randomId,
    });
    this.fleet = new Fleet({ broker: deps.broker, log });
    if (deps.lookHistory) {
      this.history = deps.lookHistory;
    } else {
      const memory = new MemoryLookHistory(now);
      this.history = memory;
      this.#feed = new AuditLookFeed({ broker: deps.broker, history: memory, log });
    }
  }

  /** Follows the broker; call before it connects so retained schedules and health are seen. */
  attach(): void {
    this.fleet.start();
    this.#feed?.start();
  }

  /** Reads the roster and the issuer key, reaches the IdP, and registers the staff routes. */
  async start(app: FastifyInstance, relay: RelayRouteDeps): Promise<void> {
    await this.roster.start();
    await this.issuer.start();
    await this.auth.start();
    const { now, audit, log } = this.#d;
    const gate = new RosterGate({ roster: this.roster, audit, now, logger: log });
    await app.register(authRoutes(this.auth));
    registerRoundRoutes(app, {
      auth: this.auth,
      roster: this.roster,
      fleet: this.fleet,
      history: this.history,
      config: this.#d.config.round,
      whoLooked: this.#d.database !== undefined,
      fallback: relay.fallbackMediaUrl !== undefined,
      now,
    });
    const perStaff = new PerMinuteLimiter(this.#d.staffRateLimitPerMinute, systemTime);
    registerLookRoutes(app, {
      ...relay,
      auth: this.auth,
      gate,
      issuer: this.issuer,
      fleet: this.fleet,
      roleOf: this.roster.roleFor,
      now,
      perStaff,
    });
    if (this.#d.database) {
      const db = this.#d.database;
      registerWhoLookedRoutes(app, { auth: this.auth, roster: this.roster, fleet: this.fleet, db, now });
    }
  }

  async stop(): Promise<void> {
    this.#feed?.stop();
    this.fleet.stop();
    await this.auth.stop();
    await this.issuer.stop();
    await this.roster.stop();
  }
}
