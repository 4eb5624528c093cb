/**
 * The composition root: builds every part from the validated config and the real implementations
 * of the side-effect ports, starts them in order and stops them in reverse. It decides nothing.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { AccessController } from './access/index.ts';
import type { CameraSource } from './camera/types.ts';
import type { Config, LoadedConfig, SystemdEnvironment } from './config.ts';
import { HealthService, perceptualHash, SdNotify } from './health/index.ts';
import {
  buildSelftestChecks,
  gpioLinesOf,
  InstallWindow,
  loadRegistration,
  runProcess,
  runSelftestChecks,
  selftestCommandHandler,
  storedPolicy,
} from './install/index.ts';
import type { Logger } from './log.ts';
import { FsStore } from './platform/fsStore.ts';
import { realTimers } from './platform/ports.ts';
import { sha256Hex, systemClock, timesyncProbe } from './platform/system.ts';
import { AuditLog, type TokenTrust } from './policy/index.ts';
import { type StreamingDeps, StreamingService } from './stream/index.ts';

/** How often the NTP-sync flag is re-read (the gate reads the cached value). */
const CLOCK_PROBE_MS = 5_000;
/** Readiness looks at the camera a while before a window: the camera must be running by then. */
const CAMERA_SETTLE_SECONDS = 120;

export interface ServiceOptions {
  systemd?: SystemdEnvironment;
  /** Hardware-edge overrides for tests and the demo (GPIO, process spawning). */
  streaming?: Pick<StreamingDeps, 'gpio' | 'spawn'>;
}

export interface RunningService {
  access: AccessController;
  audit: AuditLog;
  streaming: StreamingService;
  health: HealthService | undefined;
  /** The viewer page and WHEP base URL. */
  url: string;
  stop(): Promise<void>;
}

export async function startService(
  loaded: LoadedConfig<Config>,
  log: Logger,
  options: ServiceOptions = {},
): Promise<RunningService> {
  const { config } = loaded;
  const state = new FsStore(config.stateDir);
  const audit = new AuditLog({ store: state, sha256: sha256Hex, now: systemClock.now }, config.audit);
  await openAudit(audit, log);
  const stack: { stop(): unknown }[] = [];
  const stopAll = async () => {
    for (const part of stack.splice(0).reverse()) await part.stop();
  };
  try {
    const clockSync = await startClockProbe(config.clock, log);
    stack.push(clockSync);
    const trust = tokenTrust(loaded);
    const access = new AccessController({
      clock: systemClock,
      timers: realTimers,
      audit,
      state,
      trust,
      policyKey: loaded.policyKey,
      clockSynced: clockSync.synced,
      randomId: () => randomBytes(18).toString('base64url'),
      log: log.child({ module: 'access' }),
    });
    await access.start();
    stack.push(access);
    await audit
      .append({
        type: 'service_start',
        actor: 'device',
        detail: { policyVersion: access.policy?.body.version ?? 0 },
      })
      .catch((error) =>
        log.error({ err: error }, 'audit log unwritable: every request is denied until it is'),
      );

    const installWindow = new InstallWindow({
      store: state,
      clock: systemClock,
      audit,
      perceptualHash,
      timers: realTimers,
    });
    await installWindow.start((until) => access.setInstallPreview(until));
    stack.push(installWindow);

    const leadSeconds = Math.max(
      config.camera.leadSeconds,
      config.health.readinessLeadMinutes * 60 + CAMERA_SETTLE_SECONDS,
    );
    const streaming = new StreamingService(
      { camera: { ...config.camera, leadSeconds }, stream: config.stream },
      {
        access,
        trust,
        now: systemClock.now,
        logger: log.child({ module: 'stream' }),
        confirmReference: (keyframe, actor) => installWindow.confirmReference(keyframe, actor),
        ...options.streaming,
      },
    );
    await streaming.start();
    stack.push(streaming);

    const health = config.mqtt
      ? await startHealth(loaded, {
          clockSynced: clockSync.synced,
          access,
          audit,
          state,
          streaming,
          installWindow,
          log,
        })
      : undefined;
    if (health) stack.push(health);
    else log.warn('no mqtt section in the config: health, events and audit delivery are off');

    const notify = new SdNotify({
      socketPath: options.systemd?.notifySocket,
      watchdogUsec: options.systemd?.watchdogUsec,
      mainPid: process.pid,
    });
    await notify.ready();
    stack.push({ stop: () => notify.stopping() });
    log.info({ url: streaming.url, policyVersion: access.policy?.body.version ?? null }, 'nattsyn started');
    return { access, audit, streaming, health, url: streaming.url, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/**
 * Opens the audit log. A log that cannot be read (a corrupt record, an unreadable disk) does not
 * stop the service: the log stays unwritable, the gate denies every request with
 * `audit_unavailable`, and health keeps reporting so the centre can send someone.
 */
async function openAudit(audit: AuditLog, log: Logger): Promise<void> {
  try {
    const { recoveredBytes } = await audit.open();
    if (recoveredBytes > 0) log.warn({ recoveredBytes }, 'cut a torn last audit line left by a crash');
  } catch (error) {
    log.error({ err: error }, 'audit log unreadable: every request is denied until it is repaired');
  }
}

function tokenTrust(loaded: LoadedConfig<Config>): TokenTrust {
  const { tokens, deviceId } = loaded.config;
  return {
    issuer: tokens.issuer,
    keys: loaded.issuerKeys,
    installKeys: loaded.installKeys,
    deviceId,
    maxLifetimeSeconds: tokens.maxLifetimeSeconds,
    clockToleranceSeconds: tokens.clockToleranceSeconds,
  };
}

interface HealthParts {
  /** The gate's own NTP reading, so health and the gate never disagree about the clock. */
  clockSynced: () => boolean;
  access: AccessController;
  audit: AuditLog;
  state: FsStore;
  streaming: StreamingService;
  installWindow: InstallWindow;
  log: Logger;
}

async function startHealth(loaded: LoadedConfig<Config>, p: HealthParts): Promise<HealthService> {
  const { config } = loaded;
  const health = new HealthService({
    deviceId: config.deviceId,
    softwareVersion: await softwareVersion(),
    mqtt: config.mqtt!,
    health: config.health,
    store: p.state,
    stateDir: config.stateDir,
    audit: p.audit,
    access: p.access,
    policyKey: loaded.policyKey,
    camera: p.streaming.camera,
    referenceHash: () => p.installWindow.reference,
    irOn: () => p.streaming.camera.status().state === 'running',
    assumeClockSynced: config.clock.assumeSynced,
    clockSynced: p.clockSynced,
    log: p.log.child({ module: 'health' }),
  });
  const camera = borrowed(p.streaming.camera, () => p.access.sessions().length > 0);
  health.commands.register(
    'selftest',
    selftestCommandHandler(async () => {
      const registration = await loadRegistration(config.stateDir).catch(() => undefined);
      const checks = buildSelftestChecks({
        registration,
        camera,
        gpioLines: gpioLinesOf(config.camera.gpio),
        gpioSysfsRoot: config.camera.gpio.sysfsRoot,
        isClockSynced: async () =>
          config.clock.assumeSynced || (await timesyncProbe(config.clock.timesyncFile)()),
        policy: storedPolicy(p.state, loaded.policyKey as never, config.deviceId),
        stateDir: config.stateDir,
        run: runProcess,
        now: () => new Date(),
        includeServiceCheck: false,
      });
      return runSelftestChecks(checks, config.deviceId, {
        now: () => new Date(),
        monotonic: systemClock.monotonic,
      });
    }),
  );
  await health.start();
  return health;
}

/**
 * The service's camera lent to the remote self-test: it may start it, but only stops it again when
 * it started it and nobody is watching (the scheduler stays in charge of running it for windows).
 */
function borrowed(camera: CameraSource, inUse: () => boolean): CameraSource {
  let startedByUs = false;
  return {
    ...camera,
    status: () => camera.status(),
    onAccessUnit: (l) => camera.onAccessUnit(l),
    onStatus: (l) => camera.onStatus(l),
    start: async () => {
      startedByUs = camera.status().state === 'stopped';
      if (startedByUs) await camera.start();
    },
    stop: async () => {
      if (startedByUs && !inUse()) await camera.stop();
      startedByUs = false;
    },
  };
}

async function softwareVersion(): Promise<string> {
  const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

async function startClockProbe(clock: Config['clock'], log: Logger) {
  const probe = timesyncProbe(clock.timesyncFile);
  let synced = clock.assumeSynced || (await probe());
  if (clock.assumeSynced) log.warn('clock.assumeSynced is set: the clock is trusted without NTP (demo only)');
  const timer = clock.assumeSynced
    ? undefined
    : setInterval(() => {
        void probe().then((v) => {
          if (v !== synced) log.info({ synced: v }, 'clock sync changed');
          synced = v;
        });
      }, CLOCK_PROBE_MS);
  timer?.unref();
  return { synced: () => synced, stop: () => clearInterval(timer) };
}
