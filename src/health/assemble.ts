/**
 * The health folder's parts wired to each other from the service's dependencies: link, durable
 * events, outbox, probes, frame checks, readiness, reporter and inbound handler. Only constructs
 * (every constructor here only assigns); HealthService starts and stops them in order.
 */
import type { KeyObject } from 'jose';
import type { AccessControl } from '../access/types.ts';
import type { CameraSource } from '../camera/types.ts';
import { type Logger as Log, silentLogger as silentLog } from '../platform/ports.ts';
import type { Time } from '../platform/time.ts';
import type { AuditEntry, DurableStore } from '../policy/index.ts';
import type { AuditSource } from './auditDelivery.ts';
import { CommandRegistry } from './commands.ts';
import type { HealthConfig, MqttConfig } from './config.ts';
import { EventQueue } from './events.ts';
import { FrameChecker } from './frames.ts';
import { InboundHandler } from './inbound.ts';
import { type Inventory, readInventory } from './inventory.ts';
import { MqttLink } from './link.ts';
import { Outbox } from './outbox.ts';
import { SystemProbes } from './probes.ts';
import { ReadinessCheck } from './readiness.ts';
import { HealthReporter } from './reporter.ts';
import { SchedulePublisher } from './schedulePublisher.ts';
import type { ThumbnailDecoder } from './thumbnail.ts';

export interface HealthServiceDeps {
  deviceId: string;
  softwareVersion: string;
  mqtt: MqttConfig;
  health: HealthConfig;
  /** The state directory (events queue, connection counter) and its path for disk-space reports. */
  store: DurableStore;
  stateDir: string;
  /** The audit log: delivered to the archive, appended to by inbound commands, watched for writability. */
  audit: AuditSource & { append(entry: AuditEntry): Promise<unknown>; readonly writable: boolean };
  access: Pick<AccessControl, 'windowState' | 'sessions' | 'applyPolicy' | 'onChange' | 'plan'>;
  /** The pinned policy public key: verifies inbound commands too. */
  policyKey: KeyObject | CryptoKey;
  camera?: CameraSource;
  referenceHash?: () => string | undefined;
  irOn?: () => boolean;
  /** `true` trusts the clock where there is no systemd-timesyncd (demo, CI). */
  assumeClockSynced?: boolean;
  /**
   * The access gate's NTP-sync reading (platform/time.ts ClockSync, which the gate reads too). Used for
   * `clock_unsynced` and the readiness check when given, so health and the gate never disagree.
   */
  clockSynced?: () => boolean;
  /** Without `clockSynced`: the flag file to read (config `clock.timesyncFile`). */
  timesyncFile?: string;
  commands?: CommandRegistry;
  inventory?: () => Promise<Inventory>;
  decode?: ThumbnailDecoder;
  random?: () => number;
  time?: Time;
  log?: Log;
}

export interface HealthParts {
  link: MqttLink;
  events: EventQueue;
  outbox: Outbox;
  probes: SystemProbes;
  frames: FrameChecker;
  readiness: ReadinessCheck;
  reporter: HealthReporter;
  inbound: InboundHandler;
  commands: CommandRegistry;
  schedule: SchedulePublisher;
}

export function assembleHealth(deps: HealthServiceDeps): HealthParts {
  const { deviceId, store, time, camera, health, access } = deps;
  const log = deps.log ?? silentLog;
  const commands = deps.commands ?? new CommandRegistry();
  const events = new EventQueue({ store, ...pick({ time }) });
  const link = new MqttLink({
    deviceId,
    config: deps.mqtt,
    store,
    log,
    policyVersion: () => access.windowState().policyVersion,
    ...pick({ time, random: deps.random }),
  });
  const outbox = new Outbox({
    link: link,
    audit: deps.audit,
    events: events,
    log,
    ackWaitMs: deps.mqtt.auditAckWaitMs,
    ackWaitMaxMs: deps.mqtt.auditAckWaitMaxMs,
    ...pick({ time }),
  });
  const probes = new SystemProbes({
    root: health.fsRoot,
    stateDir: deps.stateDir,
    ...pick({
      assumeClockSynced: deps.assumeClockSynced,
      clockSynced: deps.clockSynced,
      timesyncFile: deps.timesyncFile,
    }),
  });
  const frames = new FrameChecker({
    config: health.frameCheck,
    referenceHash: deps.referenceHash ?? (() => undefined),
    events: events,
    log,
    ...pick({ camera, decode: deps.decode, irOn: deps.irOn, time }),
  });
  const readiness = new ReadinessCheck({
    leadMinutes: health.readinessLeadMinutes,
    access,
    events: events,
    probes: {
      cameraDelivering: () => {
        const s = camera?.status();
        return s?.state === 'running' && s.lastFrameAgeMs !== undefined && s.lastFrameAgeMs < 5000;
      },
      frames: () => frames.verdict(),
      clockSynced: () => probes.clockSynced(),
      brokerReachable: () => link.connected,
    },
    ...pick({ time }),
  });
  const reporter = new HealthReporter({
    deviceId,
    softwareVersion: deps.softwareVersion,
    config: health,
    link: link,
    probes: probes,
    access,
    events: events,
    inventory: deps.inventory ?? readInventory,
    frames: frames,
    readiness: () => readiness.status(),
    audit: () => {
      const backlog = outbox.audit.backlog();
      return {
        writable: deps.audit.writable,
        lastSeq: backlog.lastSeq,
        acknowledgedSeq: backlog.acknowledgedSeq,
        undelivered: backlog.count,
        oldestTs: backlog.oldestTs,
      };
    },
    log,
    ...pick({ camera, time }),
  });
  const inbound = new InboundHandler({
    deviceId,
    link: link,
    access: {
      windowState: () => access.windowState(),
      // The Last Will carries the policy version: a policy applied re-arms it.
      applyPolicy: async (jws, actor) => {
        const verdict = await access.applyPolicy(jws, actor);
        if (verdict.ok) link.refreshWill();
        return verdict;
      },
    },
    events: events,
    commands: commands,
    commandKey: deps.policyKey,
    audit: deps.audit,
    store,
    log,
    ...pick({ time }),
  });
  const schedule = new SchedulePublisher({ link, access, log, ...pick({ time }) });
  return { link, events, outbox, probes, frames, readiness, reporter, inbound, commands, schedule };
}

/** Drops undefined values so optional deps stay absent (exact optional properties). */
function pick<T extends Record<string, unknown>>(o: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as never;
}
