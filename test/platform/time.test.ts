import { afterEach, describe, expect, it, vi } from 'vitest';
import { MAX_TIMER_STEP_MS, systemTime, withTimeout } from '../../src/platform/time.ts';
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

describe('systemTime, the real timers', () => {
  const DAY = 86_400_000;

  afterEach(() => {
    vi.useRealTimers();
  });

  it('waits out a timer longer than Node can hold (24.8 days) instead of firing it at once', () => {
    // A resident's pause may run 30 days; Node fires a timeout over 2^31 - 1 ms after 1 ms.
    vi.useFakeTimers();
    const fired: string[] = [];
    systemTime.timeout('pause-until', 30 * DAY, () => fired.push('pause-until'));
    vi.advanceTimersByTime(1000);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(MAX_TIMER_STEP_MS);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(30 * DAY - MAX_TIMER_STEP_MS - 1000 - 1);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(fired).toEqual(['pause-until']);
  });

  it('cancels a long timer in any of its steps', () => {
    vi.useFakeTimers();
    const fired: string[] = [];
    const timer = systemTime.timeout('window', 40 * DAY, () => fired.push('window'));
    vi.advanceTimersByTime(MAX_TIMER_STEP_MS + 5);
    timer.cancel();
    vi.advanceTimersByTime(40 * DAY);
    expect(fired).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('fires a short timer on time, and a negative delay at once', () => {
    vi.useFakeTimers();
    const fired: string[] = [];
    systemTime.timeout('short', 250, () => fired.push('short'));
    systemTime.timeout('late', -5, () => fired.push('late'));
    vi.advanceTimersByTime(0);
    expect(fired).toEqual(['late']);
    vi.advanceTimersByTime(249);
    expect(fired).toEqual(['late']);
    vi.advanceTimersByTime(1);
    expect(fired).toEqual(['late', 'short']);
  });
});
