/**
 * The health folder's public surface: what the composition root, the CLI, the config and the
 * installer use. Tests of the folder's parts import the parts themselves.
 */
export { COMMAND_REJECT_CODES, CommandRegistry } from './commands.ts';
export { EventQueue } from './events.ts';
export { runMonitor } from './monitor.ts';
export { pauseCommands } from './pauseCommands.ts';
export { EVENT_CODES, type EventPayload, HEALTH_PROBLEMS } from './payloads.ts';
export { readinessCameraLeadMs } from './readiness.ts';
export { SdNotify } from './sdNotify.ts';
export { HealthService, type HealthServiceDeps } from './service.ts';
export { meanLuma, perceptualHash } from './thumbnail.ts';
