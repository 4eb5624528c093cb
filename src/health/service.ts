/**
 * The health folder assembled: link, durable events, outbox, reporter, frame checks, readiness,
 * inbound policy/commands and (opt-in) Home Assistant discovery, started and stopped in the right
 * order. main.ts builds one of these from config and the other services; it decides nothing here.
 */
import type { KeyObject } from 'jose';
import type { AccessControl } from '../access/types.ts';
import type { CameraSource } from '../camera/types.ts';
import type { AuditEntry, AuditRecord, DurableStore } from '../policy/index.ts';
import { CommandRegistry } from './commands.ts';
import type { HealthConfig, MqttConfig } from './config.ts';
import { EventQueue } from './events.ts';
import { FrameChecker } from './frames.ts';
import { enableDiscovery } from './homeAssistant.ts';
import { InboundHandler } from './inbound.ts';
import { type Inventory, readInventory } from './inventory.ts';
import { MqttLink } from './link.ts';
import { Outbox, type OutboxSource } from './outbox.ts';
import { type Log, silentLog, type Timers } from './ports.ts';
import { SystemProbes } from './probes.ts';
import { ReadinessCheck } from './readiness.ts';
import { HealthReporter } from './reporter.ts';
import type { ThumbnailDecoder } from './thumbnail.ts';

export interface HealthServiceDeps {
  deviceId: string;
  softwareVersion: string;
  mqtt: MqttConfig;
  health: HealthConfig;
  /** The state directory (events queue, connection counter) and its path for disk-space reports. */
  store: DurableStore;
  stateDir: string;
  audit: OutboxSource<AuditRecord> & { append(entry: AuditEntry): Promise<unknown> };
  access: Pick<AccessControl, 'windowState' | 'sessions' | 'applyPolicy'>;
  /** The pinned policy public key: verifies inbound commands too. */
  policyKey: KeyObject | CryptoKey;
  camera?: CameraSource;
  referenceHash?: () => string | undefined;
  irOn?: () => boolean;
  /** `true` trusts the clock where there is no systemd-timesyncd (demo, CI). */
  assumeClockSynced?: boolean;
  /**
   * The access gate's NTP-sync reading (main.ts: the clock probe it gives AccessController). Used for
   * `clock_unsynced` and the readiness check when given, so health and the gate never disagree.
   */
  clockSynced?: () => boolean;
  /** Without `clockSynced`: the flag file to read (config `clock.timesyncFile`). */
  timesyncFile?: string;
  commands?: CommandRegistry;
  inventory?: () => Promise<Inventory>;
  decode?: ThumbnailDecoder;
  now?: () => number;
  random?: () => number;
  timers?: Timers;
  log?: Log;
}

export class HealthService {
  readonly link: MqttLink;
  readonly events: EventQueue;
  readonly outbox: Outbox;
  readonly probes: SystemProbes;
  readonly frames: FrameChecker;
  readonly readiness: ReadinessCheck;
  readonly reporter: HealthReporter;
  readonly inbound: InboundHandler;
  readonly commands: CommandRegistry;
  readonly #deps: HealthServiceDeps;
  #off: Array<() => void> = [];
  #started = false;

  constructor(deps: HealthServiceDeps) {
    this.#deps = deps;
    const { deviceId, store, now, timers, camera, health, access } = deps;
    const log = deps.log ?? silentLog;
    this.commands = deps.commands ?? new CommandRegistry();
    this.events = new EventQueue({ store, ...(now ? { now } : {}) });
    this.link = new MqttLink({
      deviceId,
      config: deps.mqtt,
      store,
      log,
      policyVersion: () => access.windowState().policyVersion,
      ...pick({ now, timers, random: deps.random }),
    });
    this.outbox = new Outbox({
      link: this.link,
      audit: deps.audit,
      events: this.events,
      log,
      ...pick({ timers }),
    });
    this.probes = new SystemProbes({
      root: health.fsRoot,
      stateDir: deps.stateDir,
      ...pick({
        assumeClockSynced: deps.assumeClockSynced,
        clockSynced: deps.clockSynced,
        timesyncFile: deps.timesyncFile,
      }),
    });
    this.frames = new FrameChecker({
      config: health.frameCheck,
      referenceHash: deps.referenceHash ?? (() => undefined),
      events: this.events,
      log,
      ...pick({ camera, decode: deps.decode, irOn: deps.irOn, now }),
    });
    this.readiness = new ReadinessCheck({
      leadMinutes: health.readinessLeadMinutes,
      access,
      events: this.events,
      probes: {
        cameraDelivering: () => {
          const s = camera?.status();
          return s?.state === 'running' && s.lastFrameAgeMs !== undefined && s.lastFrameAgeMs < 5000;
        },
        frames: () => this.frames.verdict(),
        clockSynced: () => this.probes.clockSynced(),
        brokerReachable: () => this.link.connected,
      },
      ...pick({ now, timers }),
    });
    this.reporter = new HealthReporter({
      deviceId,
      softwareVersion: deps.softwareVersion,
      config: health,
      link: this.link,
      probes: this.probes,
      access,
      events: this.events,
      inventory: deps.inventory ?? readInventory,
      frames: this.frames,
      readiness: () => this.readiness.status(),
      log,
      ...pick({ camera, now, timers }),
    });
    this.inbound = new InboundHandler({
      deviceId,
      link: this.link,
      access: {
        windowState: () => access.windowState(),
        // The Last Will carries the policy version: a policy applied re-arms it.
        applyPolicy: async (jws, actor) => {
          const verdict = await access.applyPolicy(jws, actor);
          if (verdict.ok) this.link.refreshWill();
          return verdict;
        },
      },
      events: this.events,
      commands: this.commands,
      commandKey: deps.policyKey,
      audit: deps.audit,
      log,
      ...pick({ now }),
    });
  }

  /** How long before a window the camera should be started (access.cameraWanted(this)). */
  get cameraLeadMs(): number {
    return this.readiness.cameraLeadMs;
  }

  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    const { mqtt, deviceId, softwareVersion } = this.#deps;
    await this.events.open();
    await this.reporter.start();
    if (mqtt.homeAssistant.enabled) {
      this.#off.push(
        enableDiscovery(this.link, {
          deviceId,
          softwareVersion,
          prefix: mqtt.homeAssistant.prefix,
          expireAfterSeconds: 3 * this.#deps.health.periodSeconds,
        }),
      );
    }
    this.outbox.start();
    this.inbound.start();
    this.frames.start();
    this.readiness.start();
    await this.link.start();
  }

  /** Stops everything it started; the link says `stopped` last. Idempotent. */
  async stop(): Promise<void> {
    if (!this.#started) return;
    this.#started = false;
    for (const off of this.#off) off();
    this.#off = [];
    await this.readiness.stop();
    await this.frames.stop();
    await this.reporter.stop();
    await this.inbound.stop();
    await this.outbox.stop();
    await this.link.stop();
  }
}

/** Drops undefined values so optional deps stay absent (exact optional properties). */
function pick<T extends Record<string, unknown>>(o: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as never;
}
