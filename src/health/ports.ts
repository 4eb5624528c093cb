/** What the health folder needs from the world: the time port and a logger, injected so tests drive time. */
import { type Logger, silentLogger } from '../platform/ports.ts';

export type { Time, Timer } from '../platform/time.ts';
export type Log = Logger;
export const silentLog: Log = silentLogger;
