import { describe, expect, it } from 'vitest';
import { PartStack } from '../../src/platform/lifecycle.ts';
import { silentLogger } from '../../src/platform/ports.ts';
import { ManualTime, settle } from '../fixtures/time.ts';

function parts(stopped: string[]) {
  const part = (name: string, start: () => unknown = () => undefined) => ({
    start,
    stop: () => void stopped.push(name),
  });
  return { part };
}

describe('PartStack (issue 9, items 2 and 11)', () => {
  it('stops_a_part_whose_start_failed_half_way_and_every_part_started_before_it', async () => {
    const stopped: string[] = [];
    const { part } = parts(stopped);
    const stack = new PartStack({ time: new ManualTime(), log: silentLogger });
    await stack.start('clock', part('clock'));
    await stack.start('access', part('access'));
    const failing = part('health', () => Promise.reject(new Error('EROFS')));
    await expect(stack.start('health', failing)).rejects.toThrow('EROFS');
    await stack.stop();
    expect(stopped).toEqual(['health', 'access', 'clock']);
  });

  it('stops_the_named_parts_first_in_that_order_then_the_rest_newest_first_once', async () => {
    const stopped: string[] = [];
    const { part } = parts(stopped);
    const stack = new PartStack({ time: new ManualTime(), log: silentLogger });
    for (const name of ['clock', 'access', 'install', 'streaming', 'health'])
      await stack.start(name, part(name));
    stack.add('notify', part('notify'));
    await Promise.all([stack.stop(['notify', 'streaming', 'access']), stack.stop()]);
    expect(stopped).toEqual(['notify', 'streaming', 'access', 'health', 'install', 'clock']);
  });

  it('leaves_a_part_that_overruns_the_bound_behind_and_still_stops_the_others', async () => {
    const stopped: string[] = [];
    const { part } = parts(stopped);
    const time = new ManualTime();
    const errors: string[] = [];
    const log = { ...silentLogger, error: (o: object) => void errors.push(JSON.stringify(o)) };
    const stack = new PartStack({ time, log, boundMs: 10_000 });
    await stack.start('clock', part('clock'));
    await stack.start('health', { start: () => undefined, stop: () => new Promise(() => undefined) });
    await stack.start('streaming', part('streaming'));
    let done = false;
    const stopping = stack.stop().then(() => {
      done = true;
    });
    await settle();
    expect(stopped).toEqual(['streaming']);
    await time.run(9_999);
    expect(done).toBe(false);
    await time.run(1);
    await stopping;
    expect(stopped).toEqual(['streaming', 'clock']);
    expect(errors.join()).toContain('health did not stop in time');
    expect(time.pending).toBe(0);
  });
});
