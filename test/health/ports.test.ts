import { describe, expect, it } from 'vitest';
import type { TimerHandle } from '../../src/health/ports.ts';
import { withTimeout } from '../../src/health/ports.ts';

function manualTimers() {
  const pending = new Map<number, () => void>();
  let next = 1;
  return {
    pending,
    setTimeout: (fn: () => void) => {
      pending.set(next, fn);
      return next++ as unknown as TimerHandle;
    },
    clearTimeout: (h: TimerHandle) => void pending.delete(h as unknown as number),
    fireAll() {
      for (const [id, fn] of [...pending]) {
        pending.delete(id);
        fn();
      }
    },
  };
}

describe('withTimeout, the one shared by the link and the command handler', () => {
  it('settles like the promise and clears its timer', async () => {
    const timers = manualTimers();
    await expect(withTimeout(Promise.resolve(7), 1000, 'late', timers)).resolves.toBe(7);
    await expect(withTimeout(Promise.reject(new Error('boom')), 1000, 'late', timers)).rejects.toThrow(
      'boom',
    );
    expect(timers.pending.size).toBe(0);
  });

  it('rejects with its message when the time runs out first', async () => {
    const timers = manualTimers();
    const never = new Promise<never>(() => undefined);
    const raced = withTimeout(never, 1000, 'command timed out', timers);
    timers.fireAll();
    await expect(raced).rejects.toThrow('command timed out');
  });

  it('uses real timers by default', async () => {
    await expect(withTimeout(new Promise<never>(() => undefined), 5)).rejects.toThrow('timed out');
  });
});
