/**
 * The one place that turns readings into problems (the `problems` list of `health`) and decides
 * which of them raise an event when they appear. Pure: the reporter feeds it, tests call it.
 */
import type { CameraStatus } from '../camera/types.ts';
import type { HealthConfig } from './config.ts';
import type { FrameVerdict } from './frames.ts';
import { type EventCode, HEALTH_PROBLEMS, type HealthProblem } from './payloads.ts';
import type { SystemSnapshot } from './probes.ts';

export interface Readings {
  system: SystemSnapshot;
  camera: CameraStatus | undefined;
  frames: FrameVerdict | undefined;
  windowOpen: boolean;
  policyVersion: number | undefined;
  /** The audit log; undefined where the device reports none. */
  audit?: { writable: boolean; undelivered: number; oldestUndeliveredSeconds: number | null } | undefined;
}

export function problemsOf(
  r: Readings,
  config: Pick<HealthConfig, 'overheatingC' | 'diskLowBytes' | 'auditBacklogRecords' | 'auditBacklogSeconds'>,
): HealthProblem[] {
  const out: HealthProblem[] = [];
  const cam = r.camera?.state;
  if (
    cam === 'failed' ||
    cam === 'stalled' ||
    (r.windowOpen && r.camera !== undefined && cam === 'stopped')
  ) {
    out.push('camera_fault');
  }
  if (r.frames?.covered) out.push('camera_covered');
  if (r.frames?.frozen) out.push('camera_frozen');
  if (r.frames?.moved) out.push('camera_moved');
  if (!r.system.clockSynced) out.push('clock_unsynced');
  if (r.system.throttling?.undervoltageNow) out.push('undervoltage');
  if (r.system.throttling?.throttledNow) out.push('throttled');
  if (r.system.cpuTemperatureC !== null && r.system.cpuTemperatureC >= config.overheatingC)
    out.push('overheating');
  if (r.system.diskFreeBytes !== null && r.system.diskFreeBytes < config.diskLowBytes) out.push('disk_low');
  if (r.policyVersion === undefined) out.push('no_policy');
  if (r.audit && !r.audit.writable) out.push('audit_unwritable');
  if (
    r.audit &&
    (r.audit.undelivered > config.auditBacklogRecords ||
      (r.audit.oldestUndeliveredSeconds ?? 0) > config.auditBacklogSeconds)
  )
    out.push('audit_backlog');
  return out;
}

/** Problems the reporter raises as events; frame problems are raised by the frame checker itself. */
const FRAME_PROBLEMS: readonly HealthProblem[] = ['camera_covered', 'camera_frozen', 'camera_moved'];
const REPORTER_EVENTS: ReadonlySet<HealthProblem> = new Set(
  HEALTH_PROBLEMS.filter((p) => p !== 'no_policy' && !FRAME_PROBLEMS.includes(p)),
);

/** Problems present now that were not before and that the reporter announces as events. */
export function newProblemEvents(
  before: readonly HealthProblem[],
  now: readonly HealthProblem[],
): EventCode[] {
  return now.filter((p) => !before.includes(p) && REPORTER_EVENTS.has(p)) as EventCode[];
}
