/**
 * When the camera should run, from access control's state: a window open or opening within the
 * lead (clock synced, not paused), or a live look; and the next instant that answer can change by
 * time alone (a window's end, a lead's start, a window's start, a pause's end).
 */
import { type EpochMillis, epochMillis } from '../policy/index.ts';
import type { CameraSchedule, WindowState } from './types.ts';

export function cameraScheduleAt(
  state: WindowState,
  now: EpochMillis,
  leadMs: number,
  liveSessions: number,
): CameraSchedule {
  const { open, next } = state;
  const soon = next !== undefined && next.start - now <= leadMs;
  const byWindows = state.clockSynced && !state.paused && (open !== undefined || soon);
  const edges = [open?.end, next && next.start - leadMs, next?.start, state.pause?.until].filter(
    (t): t is number => t !== undefined && t > now,
  );
  const recheckAt = edges.length > 0 ? epochMillis(Math.min(...edges)) : undefined;
  return { wanted: liveSessions > 0 || byWindows, recheckAt };
}
