/** The real `Time`: Node's wall clock, `performance.now()` and its timers. Only main.ts and the CLI pick it. */
import { epochMillis, monoMillis, type Time, type Timer } from './time.ts';

function timer(
  name: string,
  handle: ReturnType<typeof setTimeout>,
  clear: (h: typeof handle) => void,
): Timer {
  return { name, cancel: () => clear(handle) };
}

export const systemTime: Time = {
  now: () => epochMillis(Date.now()),
  monotonic: () => monoMillis(performance.now()),
  timeout: (name, ms, fn) => timer(name, setTimeout(fn, Math.max(0, ms)), clearTimeout),
  interval: (name, ms, fn) => timer(name, setInterval(fn, ms), clearInterval),
};
