/**
 * When the archive asks a device to resend: after a grace period for a gap another instance may be
 * filling, from the verified head, again with a doubling wait while nothing moves, never once the
 * chain is complete. Time is a manual timer queue; the database is a table in memory.
 */
import { describe, expect, it } from 'vitest';
import type { ChainHead } from '../../../src/centre/archive/index.ts';
import { MAX_RESEND_INTERVAL_MS, ResendScheduler } from '../../../src/centre/archive/resend.ts';
import { silentLogger, type TimerHandle, type Timers } from '../../../src/platform/ports.ts';

class ManualTimers implements Timers {
  now = 0;
  #next = 1;
  readonly #due = new Map<number, { at: number; fn: () => void }>();
  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = this.#next++;
    this.#due.set(id, { at: this.now + ms, fn });
    return id as unknown as TimerHandle;
  }
  clearTimeout(handle: TimerHandle): void {
    this.#due.delete(handle as unknown as number);
  }
  setInterval(): TimerHandle {
    throw new Error('unused');
  }
  clearInterval(): void {}
  get pending(): number {
    return this.#due.size;
  }
  /** Moves time forward, firing what falls due, and lets the promises they start settle. */
  async advance(ms: number): Promise<void> {
    this.now += ms;
    for (const [id, t] of [...this.#due].sort((a, b) => a[1].at - b[1].at)) {
      if (t.at > this.now) continue;
      this.#due.delete(id);
      t.fn();
    }
    for (let i = 0; i < 5; i++) await Promise.resolve();
  }
}

function world() {
  const timers = new ManualTimers();
  const state = new Map<string, { head: ChainHead; highestSeq: number }>();
  const asked: Array<[string, number, number]> = [];
  const scheduler = new ResendScheduler({
    timers,
    log: silentLogger,
    graceMs: 2000,
    intervalMs: 30_000,
    progress: async (id) => state.get(id),
    request: async (id, fromSeq) => {
      asked.push([id, fromSeq, timers.now]);
    },
  });
  const set = (id: string, headSeq: number, highestSeq: number) => {
    const progress = { head: { seq: headSeq, hash: 'h' }, highestSeq };
    state.set(id, progress);
    scheduler.note(id, progress.head, highestSeq);
  };
  return { timers, scheduler, asked, set };
}

describe('resend scheduler', () => {
  it('asks_from_the_head_only_after_the_grace_period', async () => {
    const { timers, asked, set } = world();
    set('D1', 3, 5);
    await timers.advance(1999);
    expect(asked).toEqual([]);
    await timers.advance(1);
    expect(asked).toEqual([['D1', 4, 2000]]);
  });

  it('does_not_ask_when_the_gap_filled_during_the_grace_period', async () => {
    const { timers, asked, set } = world();
    set('D1', 3, 5);
    set('D1', 5, 5);
    await timers.advance(60_000);
    expect(asked).toEqual([]);
    expect(timers.pending).toBe(0);
  });

  it('asks_again_with_a_doubling_wait_while_nothing_moves_and_resets_when_the_head_moves', async () => {
    const { timers, asked, set } = world();
    set('D1', 3, 5);
    await timers.advance(2000);
    await timers.advance(30_000);
    await timers.advance(60_000);
    expect(asked.map(([, from, at]) => [from, at])).toEqual([
      [4, 2000],
      [4, 32_000],
      [4, 92_000],
    ]);
    set('D1', 4, 6);
    await timers.advance(120_000);
    expect(asked.at(-1)).toEqual(['D1', 5, 212_000]);
    await timers.advance(30_000);
    expect(asked.at(-1)).toEqual(['D1', 5, 242_000]);
  });

  it('caps_the_wait_at_ten_minutes_and_stops_cleanly', async () => {
    const { timers, scheduler, asked, set } = world();
    set('D1', 0, 9);
    for (let i = 0; i < 12; i++) await timers.advance(MAX_RESEND_INTERVAL_MS);
    const gaps = asked.slice(1).map(([, , at], i) => at - asked[i]![2]);
    expect(Math.max(...gaps)).toBe(MAX_RESEND_INTERVAL_MS);
    scheduler.stop();
    expect(timers.pending).toBe(0);
  });
});
