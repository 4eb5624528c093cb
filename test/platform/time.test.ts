import { describe, expect, it } from 'vitest';
import { systemTime, withTimeout } from '../../src/platform/time.ts';
import { ManualTime } from '../fixtures/time.ts';

describe('withTimeout, the one shared by the link, the outbox and the command handler', () => {
  it('settles like the promise and clears its timer', async () => {
    const time = new ManualTime();
    await expect(withTimeout(time, Promise.resolve(7), 1000, 'late')).resolves.toBe(7);
    await expect(withTimeout(time, Promise.reject(new Error('boom')), 1000, 'late')).rejects.toThrow('boom');
    expect(time.pending).toBe(0);
  });

  it('rejects with its message when the time runs out first', async () => {
    const time = new ManualTime();
    const never = new Promise<never>(() => undefined);
    const raced = withTimeout(time, never, 1000, 'command timed out');
    time.advance(1000);
    await expect(raced).rejects.toThrow('command timed out');
  });

  it('works on the real time too', async () => {
    await expect(withTimeout(systemTime, new Promise<never>(() => undefined), 5)).rejects.toThrow(
      'timed out',
    );
  });
});
