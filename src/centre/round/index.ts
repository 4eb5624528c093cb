/** The night round: tonight's checks per staff member, looks without a token in the browser, outcomes. */
export {
  buildRound,
  type LookOption,
  lookFor,
  type Readiness,
  type Round,
  type RoundCheck,
  type RoundDevice,
  readinessOf,
} from './checks.ts';
export { type RoundConfig, roundConfigSchema } from './config.ts';
export { type DeviceSnapshot, Fleet, type HealthSummary } from './fleet.ts';
export { type LookHistory, type LookRecord, MemoryLookHistory } from './lookHistory.ts';
export { LATE_GRACE_MS, LOOK_HANDLE_HEADER } from './lookRoutes.ts';
export { type StaffConfig, StaffService } from './service.ts';
