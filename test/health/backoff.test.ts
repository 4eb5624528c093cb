import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { backoffConfigSchema, mqttConfigSchema } from '../../src/health/config.ts';
import { MqttLink } from '../../src/health/link.ts';
import { Backoff } from '../../src/platform/backoff.ts';
import { FsStore } from '../../src/platform/fsStore.ts';
import { ManualTime } from '../fixtures/time.ts';
import { freePort } from '../support/mosquitto.ts';

describe('reconnect back-off', () => {
  const schedule = new Backoff(backoffConfigSchema.parse({}));

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
    const time = new ManualTime();
    const nextTimer = async () => {
      const { inMs } = await time.next('mqtt-reconnect');
      requested.push(inMs);
      return () => time.advance(inMs);
    };
    const port = await freePort();
    const random = [0, 0.5, 0.25, 1, 0];
    let r = 0;
    const link = new MqttLink({
      deviceId: 'dev-backoff',
      config: mqttConfigSchema.parse({ url: `mqtt://127.0.0.1:${port}` }),
      store: new FsStore(dir),
      time,
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
