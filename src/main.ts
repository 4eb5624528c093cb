/**
 * The composition root: builds every part from the validated config and the real implementations
 * of the side-effect ports, starts them in order and stops them within a bound (platform/
 * lifecycle.ts): a start that fails stops whatever it started, and a stop first closes what takes
 * requests (HTTP, so the sessions end and are audited, then access control) before draining the
 * rest. It wires; every decision (the camera's lead, the audit log's failure mode, the clock's
 * trust) belongs to a part.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { openAuditLog } from './access/auditStart.ts';
import { AccessController, RefusalRecorder, type RequestOrigin } from './access/index.ts';
import { type Config, type LoadedConfig, type SystemdEnvironment, tokenTrustOf } from './config.ts';
import {
  CommandRegistry,
  HealthService,
  pauseCommands,
  perceptualHash,
  readinessCameraLeadMs,
  SdNotify,
} from './health/index.ts';
import { InstallWindow, loadIdentityKey, remoteSelftestCommand } from './install/index.ts';
import type { Logger } from './log.ts';
import { FsStore } from './platform/fsStore.ts';
import { PartStack } from './platform/lifecycle.ts';
import { PerMinuteLimiter } from './platform/limiter.ts';
import { prepareStateDir } from './platform/startupFiles.ts';
import { sha256Hex, softwareVersion, timesyncProbe } from './platform/system.ts';
import { ClockSync, systemTime, type Time } from './platform/time.ts';
import { AuditLog } from './policy/index.ts';
import { RelayEndpoint, relayServe } from './relay/index.ts';
import {
  type DialTls,
  relayFallback,
  type StreamingDeps,
  StreamingService,
  viewerState,
} from './stream/index.ts';

export interface ServiceOptions {
  systemd?: SystemdEnvironment;
  /** Hardware-edge overrides for tests and the demo (GPIO, process spawning). */
  streaming?: Pick<StreamingDeps, 'gpio' | 'spawn'>;
  /** The time port; the real one unless a test drives time. */
  time?: Time;
  /** How long a stop may take in all (platform/lifecycle.ts). */
  stopBoundMs?: number;
}

/**
 * What stops first (issue 9, item 11): systemd's notice, then what takes requests (the centre's
 * relay, then the stream: no new request, every live session ended and audited, the camera off),
 * then access control (any session still being set up); the health link drains its inbound
 * messages and says `stopped` after that, within the bound.
 */
const STOP_FIRST = ['notify', 'relay', 'streaming', 'access'];

export interface RunningService {
  access: AccessController;
  /** The one refusal recorder (access/refusals.ts): the relay's `refused` hook writes through it too. */
  refusals: RefusalRecorder;
  audit: AuditLog;
  streaming: StreamingService;
  health: HealthService | undefined;
  /** The viewer page and WHEP base URL; undefined with the device's own listener off. */
  url: string | undefined;
  stop(): Promise<void>;
}

export async function startService(
  loaded: LoadedConfig<Config>,
  log: Logger,
  options: ServiceOptions = {},
): Promise<RunningService> {
  const { config } = loaded;
  const time = options.time ?? systemTime;
  const { removedTemps } = await prepareStateDir(config.stateDir);
  if (removedTemps.length > 0)
    log.warn({ count: removedTemps.length }, 'removed temp files a crash left behind');
  const state = new FsStore(config.stateDir);
  const checkpointKey = await loadIdentityKey(config.stateDir).catch((error: unknown) => {
    log.warn({ err: String(error) }, 'identity key unreadable: audit checkpoints go unsigned');
    return undefined;
  });
  const audit = new AuditLog({ store: state, sha256: sha256Hex, time, checkpointKey }, config.audit);
  await openAuditLog(audit, log);
  const stack = new PartStack({
    time,
    log,
    ...(options.stopBoundMs ? { boundMs: options.stopBoundMs } : {}),
  });
  const stopAll = () => stack.stop(STOP_FIRST);
  // Added first, so stopped last: the checkpoint covers the session ends written on the way out.
  stack.add('auditCheckpoint', { stop: () => audit.checkpoint().catch(() => undefined) });
  try {
    const clock = await stack.start(
      'clock',
      new ClockSync({
        probe: timesyncProbe(config.clock.timesyncFile),
        assumeSynced: config.clock.assumeSynced,
        time,
        onChangeLog: (synced) => log.info({ synced }, 'clock sync changed'),
      }),
    );
    if (config.clock.assumeSynced)
      log.warn('clock.assumeSynced is set: the clock is trusted without NTP (demo only)');
    // One recorder for every refusal, whichever path refuses: access control and the relay's checks.
    const refusals = new RefusalRecorder({ audit, time, log: log.child({ module: 'refusals' }) });
    stack.add('refusals', refusals);
    const access = await stack.start(
      'access',
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
        refusals,
      }),
    );
    await access.recordServiceStart();

    const installWindow = new InstallWindow({ store: state, time, audit, perceptualHash });
    stack.add('installWindow', installWindow);
    await installWindow.start((until) => access.setInstallPreview(until));

    const streaming = await stack.start(
      'streaming',
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
      const pause = pauseCommands({ access, time });
      commands.register('pause', pause.pause);
      commands.register('resume', pause.resume);
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
      health = await stack.start(
        'health',
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
    if (health && config.relay) {
      const dialTls = await fallbackDialTls(config);
      stack.add(
        'relay',
        startRelay(loaded, { refusals, health, streaming, access, audit, time, log, dialTls }),
      );
    }

    const notify = new SdNotify({
      socketPath: options.systemd?.notifySocket,
      watchdogUsec: options.systemd?.watchdogUsec,
      mainPid: process.pid,
      time,
    });
    stack.add('notify', { stop: () => notify.stopping() });
    await notify.ready();
    const url = streaming.server.listening ? streaming.url : undefined;
    log.info({ url: url ?? null, policyVersion: access.policy?.body.version ?? null }, 'nattsyn started');
    return { access, refusals, audit, streaming, health, url, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

interface RelayParts {
  refusals: RefusalRecorder;
  health: HealthService;
  streaming: StreamingService;
  access: AccessController;
  audit: AuditLog;
  time: Time;
  log: Logger;
  /** The broker link's client certificate and CA: what the fallback dials the centre with. */
  dialTls: DialTls | undefined;
}

async function fallbackDialTls(config: Config): Promise<DialTls | undefined> {
  const tls = config.mqtt?.tls;
  if (!tls) return undefined;
  const [ca, cert, key] = await Promise.all([
    readFile(tls.caFile),
    readFile(tls.certFile),
    readFile(tls.keyFile),
  ]);
  return { ca, cert, key };
}

/** The centre's relay on the health link, serving the same WHEP service as the device's own route. */
function startRelay(loaded: LoadedConfig<Config>, p: RelayParts): RelayEndpoint {
  const { config } = loaded;
  const relayConfig = config.relay!;
  const relayLog = p.log.child({ module: 'relay' });
  const endpoint = new RelayEndpoint({
    deviceId: config.deviceId,
    centreKeys: loaded.relayKeys,
    link: p.health.link,
    serve: relayServe({
      whep: p.streaming.server.sessions,
      state: (token) => viewerState({ config: config.stream, access: p.access, time: p.time }, token),
      perStaff: new PerMinuteLimiter(relayConfig.rateLimitPerMinute, p.time),
      perDevice: new PerMinuteLimiter(relayConfig.deviceRateLimitPerMinute, p.time),
      ...fallbackOf(p, relayLog),
    }),
    // Anonymous garbage on the request topic shares the refusal budget with the HTTP route's.
    refused: (code, detail) => p.refusals.refused(code, detail),
    time: p.time,
    log: relayLog,
  });
  endpoint.start();
  return endpoint;
}

/** The relay's `fallback` route: only with a client certificate to dial the centre with. */
function fallbackOf(p: RelayParts, logger: Logger) {
  const fallback = p.streaming.server.fallback;
  const tls = p.dialTls;
  if (!fallback || !tls) return {};
  const deps = { fallback, tls, time: p.time, logger };
  return {
    fallback: (r: { token?: string | undefined; mediaUrl?: string | undefined }, origin: RequestOrigin) =>
      relayFallback(deps, { token: r.token, origin, mediaUrl: r.mediaUrl }),
  };
}
