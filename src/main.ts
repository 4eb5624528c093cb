/**
 * The composition root: builds every part from the validated config and the real implementations
 * of the side-effect ports, starts them in order and stops them in reverse. It decides nothing.
 */
import { randomBytes } from 'node:crypto';
import { AccessController } from './access/index.ts';
import type { LoadedConfig } from './config.ts';
import type { Logger } from './log.ts';
import { FsStore } from './platform/fsStore.ts';
import { sha256Hex, systemClock, timesyncProbe } from './platform/system.ts';
import { AuditLog } from './policy/index.ts';

/** How often the NTP-sync flag is re-read (the gate reads the cached value). */
const CLOCK_PROBE_MS = 5_000;

export interface RunningService {
  access: AccessController;
  audit: AuditLog;
  stop(): Promise<void>;
}

interface Stoppable {
  stop(): Promise<void> | void;
}

export async function startService(loaded: LoadedConfig, log: Logger): Promise<RunningService> {
  const { config } = loaded;
  const state = new FsStore(config.stateDir);
  const audit = new AuditLog({ store: state, sha256: sha256Hex, now: systemClock.now }, config.audit);
  const { recoveredBytes } = await audit.open();
  if (recoveredBytes > 0) log.warn({ recoveredBytes }, 'cut a torn last audit line left by a crash');

  const clockSync = await startClockProbe(config.clock, log);
  const access = new AccessController({
    clock: systemClock,
    timers: {
      setTimeout: (fn, ms) => setTimeout(fn, ms),
      clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
    },
    audit,
    state,
    trust: {
      issuer: config.tokens.issuer,
      keys: loaded.issuerKeys,
      deviceId: config.deviceId,
      maxLifetimeSeconds: config.tokens.maxLifetimeSeconds,
      clockToleranceSeconds: config.tokens.clockToleranceSeconds,
    },
    policyKey: loaded.policyKey,
    clockSynced: clockSync.synced,
    randomId: () => randomBytes(18).toString('base64url'),
    log: log.child({ module: 'access' }),
  });
  await access.start();
  await audit.append({
    type: 'service_start',
    actor: 'device',
    detail: { policyVersion: access.policy?.body.version ?? 0 },
  });

  const started: Stoppable[] = [clockSync];
  return {
    access,
    audit,
    stop: async () => {
      await access.stop();
      for (const part of started.reverse()) await part.stop();
    },
  };
}

async function startClockProbe(clock: LoadedConfig['config']['clock'], log: Logger) {
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
