/**
 * Structured logs: JSON lines on stdout for journald, one child logger per module (`module` field).
 * Nothing secret and nothing from inside the room is ever logged: no tokens, no SDP, no frames.
 */
import { pino } from 'pino';

export type Logger = pino.Logger;

const REDACT = ['token', '*.token', 'authorization', '*.authorization', 'sdp', '*.sdp'];

/** JSON logs on stdout, or on stderr (fd 2) where stdout carries a command's own output (demo). */
export function createLogger(level: pino.LevelWithSilent = 'info', fd: 1 | 2 = 1): Logger {
  return pino(
    {
      level,
      base: { service: 'nattsyn' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT, censor: '[redacted]' },
    },
    pino.destination({ fd, sync: false }),
  );
}

export const silentLogger: Logger = pino({ level: 'silent' });
