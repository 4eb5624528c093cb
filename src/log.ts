/**
 * Structured logs: JSON lines on stdout for journald, one child logger per module (`module` field).
 * Nothing secret and nothing from inside the room is ever logged: no tokens, no SDP, no frames.
 */
import { pino } from 'pino';

export type Logger = pino.Logger;

export function createLogger(level: pino.LevelWithSilent = 'info'): Logger {
  return pino({
    level,
    base: { service: 'nattsyn' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: ['token', '*.token', 'authorization', '*.authorization', 'sdp', '*.sdp'],
      censor: '[redacted]',
    },
  });
}

export const silentLogger: Logger = pino({ level: 'silent' });
