/**
 * The composition root: builds every part from the validated config and the real implementations
 * of the side-effect ports, starts them in order and stops them in reverse. It wires; every
 * decision (the camera's lead, the audit log's failure mode, the clock's trust) belongs to a part.
 */
import { randomBytes } from 'node:crypto';
import { openAuditLog, recordServiceStart } from './access/auditStart.ts';
import { AccessController } from './access/index.ts';
import { type Config, type LoadedConfig, type SystemdEnvironment, tokenTrustOf } from './config.ts';
import {
  CommandRegistry,
  HealthService,
  perceptualHash,
  readinessCameraLeadMs,
  SdNotify,
} from './health/index.ts';
import { InstallWindow, loadIdentityKey, remoteSelftestCommand } from './install/index.ts';
import type { Logger } from './log.ts';
import { ClockSync } from './platform/clockSync.ts';
import { FsStore } from './platform/fsStore.ts';
import { sha256Hex, softwareVersion, timesyncProbe } from './platform/system.ts';
import { systemTime, type Time } from './platform/time.ts';
import { AuditLog } from './policy/index.ts';
import { type StreamingDeps, StreamingService } from './stream/index.ts';

export interface ServiceOptions {
  systemd?: SystemdEnvironment;
  /** Hardware-edge overrides for tests and the demo (GPIO, process spawning). */
  streaming?: Pick<StreamingDeps, 'gpio' | 'spawn'>;
  /** The time port; the real one unless a test drives time. */
  time?: Time;
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
  const time = options.time ?? systemTime;
  const state = new FsStore(config.stateDir);
  const checkpointKey = await loadIdentityKey(config.stateDir).catch((error: unknown) => {
    log.warn({ err: String(error) }, 'identity key unreadable: audit checkpoints go unsigned');
    return undefined;
  });
  const audit = new AuditLog({ store: state, sha256: sha256Hex, time, checkpointKey }, config.audit);
  await openAuditLog(audit, log);
  // First on the stack, so stopped last: the checkpoint covers the session ends written on the way out.
  const stack: { stop(): unknown }[] = [{ stop: () => audit.checkpoint().catch(() => undefined) }];
  const started = async <P extends { start(): unknown; stop(): unknown }>(part: P): Promise<P> => {
    await part.start();
    stack.push(part);
    return part;
  };
  const stopAll = async () => {
    for (const part of stack.splice(0).reverse()) await part.stop();
  };
  try {
    const clock = await started(
      new ClockSync({
        probe: timesyncProbe(config.clock.timesyncFile),
        assumeSynced: config.clock.assumeSynced,
        time,
        onChangeLog: (synced) => log.info({ synced }, 'clock sync changed'),
      }),
    );
    if (config.clock.assumeSynced)
      log.warn('clock.assumeSynced is set: the clock is trusted without NTP (demo only)');
    const access = await started(
      new AccessController({
        time,
        audit,
        state,
        trust: tokenTrustOf(loaded),
        policyKey: loaded.policyKey,
        clockSynced: clock.synced,
        onClockSyncChange: (listener) => clock.onChange(listener),
        randomId: () => randomBytes(18).toString('base64url'),
        log: log.child({ module: 'access' }),
      }),
    );
    await recordServiceStart(audit, access.policy?.body.version ?? 0, log);

    const installWindow = new InstallWindow({ store: state, time, audit, perceptualHash });
    await installWindow.start((until) => access.setInstallPreview(until));
    stack.push(installWindow);

    const streaming = await started(
      new StreamingService(config, {
        access,
        time,
        cameraLeadMs: [readinessCameraLeadMs(config.health.readinessLeadMinutes)],
        logger: log.child({ module: 'stream' }),
        confirmReference: (keyframe, actor) => installWindow.confirmReference(keyframe, actor),
        ...options.streaming,
      }),
    );

    let health: HealthService | undefined;
    if (config.mqtt) {
      const commands = new CommandRegistry();
      commands.register(
        'selftest',
        remoteSelftestCommand({
          deviceId: config.deviceId,
          stateDir: config.stateDir,
          state,
          policyKey: loaded.policyKey,
          camera: streaming.camera,
          inUse: () => access.sessions().length > 0,
          gpio: config.camera.gpio,
          isClockSynced: async () =>
            config.clock.assumeSynced || (await timesyncProbe(config.clock.timesyncFile)()),
          time,
        }),
      );
      health = await started(
        new HealthService({
          deviceId: config.deviceId,
          softwareVersion: await softwareVersion(),
          mqtt: config.mqtt,
          health: config.health,
          store: state,
          stateDir: config.stateDir,
          audit,
          access,
          policyKey: loaded.policyKey,
          camera: streaming.camera,
          referenceHash: () => installWindow.reference,
          irOn: () => streaming.camera.status().state === 'running',
          assumeClockSynced: config.clock.assumeSynced,
          clockSynced: clock.synced,
          commands,
          time,
          log: log.child({ module: 'health' }),
        }),
      );
    } else log.warn('no mqtt section in the config: health, events and audit delivery are off');

    const notify = new SdNotify({
      socketPath: options.systemd?.notifySocket,
      watchdogUsec: options.systemd?.watchdogUsec,
      mainPid: process.pid,
      time,
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
