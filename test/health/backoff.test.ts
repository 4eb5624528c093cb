import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BackoffSchedule } from '../../src/health/backoff.ts';
import { backoffConfigSchema, mqttConfigSchema } from '../../src/health/config.ts';
import { MqttLink } from '../../src/health/link.ts';
import type { TimerHandle, Timers } from '../../src/health/ports.ts';
import { FsStore } from '../../src/platform/fsStore.ts';
import { freePort } from '../support/mosquitto.ts';

describe('reconnect back-off', () => {
  const schedule = new BackoffSchedule(backoffConfigSchema.parse({}));

  it('doubles from 1 s up to a 60 s cap without jitter', () => {
    expect(schedule.delays(9, () => 0)).toEqual([1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000]);
  });

  it('shortens each delay by at most half with full jitter', () => {
    expect(schedule.delays(4, () => 0.999999)).toEqual([500, 1000, 2000, 4000]);
    for (const d of schedule.delays(50, Math.random).slice(10)) {
      expect(d).toBeGreaterThanOrEqual(30_000);
      expect(d).toBeLessThanOrEqual(60_000);
    }
  });

  it('is what the link waits between attempts, read from its timers without sleeping', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nattsyn-backoff-'));
    const requested: number[] = [];
    const pending: Array<() => void> = [];
    const waiters: Array<() => void> = [];
    const timers: Timers = {
      setTimeout: (fn, ms) => {
        requested.push(ms);
        pending.push(fn);
        for (const w of waiters.splice(0)) w();
        return 0 as unknown as TimerHandle;
      },
      clearTimeout: () => undefined,
      setInterval: () => 0 as unknown as TimerHandle,
      clearInterval: () => undefined,
    };
    const nextTimer = () =>
      new Promise<() => void>((resolve) => {
        const take = () => resolve(pending.shift()!);
        if (pending.length > 0) take();
        else waiters.push(take);
      });
    const port = await freePort();
    const random = [0, 0.5, 0.25, 1, 0];
    let r = 0;
    const link = new MqttLink({
      deviceId: 'dev-backoff',
      config: mqttConfigSchema.parse({ url: `mqtt://127.0.0.1:${port}` }),
      store: new FsStore(dir),
      timers,
      random: () => random[r++ % random.length]!,
    });
    await link.start();
    for (let i = 0; i < 5; i++) (await nextTimer())();
    await nextTimer();
    await link.stop();
    expect(requested).toEqual([1000, 1500, 3500, 4000, 16000, 32000]);
    expect(link.connection).toBe(6);
    await rm(dir, { recursive: true, force: true });
  });
});
