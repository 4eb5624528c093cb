/** The health folder's public surface: what main.ts, cli.ts, config.ts and the installer use. */
export { BackoffSchedule } from './backoff.ts';
export {
  COMMAND_JWS_TYPE,
  COMMAND_REJECT_CODES,
  type CommandHandler,
  CommandRegistry,
  type CommandResult,
  signCommand,
  verifyCommand,
} from './commands.ts';
export {
  type BackoffConfig,
  backoffConfigSchema,
  type FrameCheckConfig,
  frameCheckConfigSchema,
  type HealthConfig,
  healthConfigSchema,
  type MqttConfig,
  mqttConfigSchema,
} from './config.ts';
export { EventQueue, type EventSink } from './events.ts';
export { type DeviceView, Fleet } from './fleet.ts';
export { renderTable } from './fleetTable.ts';
export { FrameChecker, type FrameCheckerDeps, type FrameVerdict } from './frames.ts';
export { discoveryMessages, discoveryTopics, enableDiscovery } from './homeAssistant.ts';
export { InboundHandler } from './inbound.ts';
export { type Inventory, readInventory } from './inventory.ts';
export { jsonSchemas } from './jsonSchemas.ts';
export { MqttLink, type MqttLinkDeps, type PublishOptions } from './link.ts';
export { MONITOR_USAGE, type MonitorIo, runMonitor } from './monitor.ts';
export { Outbox, type OutboxSource } from './outbox.ts';
export {
  EVENT_CODES,
  type EventCode,
  type EventPayload,
  HEALTH_PROBLEMS,
  type HealthPayload,
  type InfoPayload,
  PUBLISHED_SCHEMAS,
  type StatusPayload,
  TOPIC_ROOT,
  topicsFor,
} from './payloads.ts';
export { type Log, realTimers, silentLog, type Timers } from './ports.ts';
export { decodeThrottled, SystemProbes, type SystemSnapshot } from './probes.ts';
export { READINESS_CHECKS, ReadinessCheck, type ReadinessProbes } from './readiness.ts';
export { HealthReporter } from './reporter.ts';
export { SdNotify, type SdNotifyDeps, systemdNotifySender } from './sdNotify.ts';
export { HealthService, type HealthServiceDeps } from './service.ts';
export {
  ffmpegThumbnailDecoder,
  hashDistance,
  meanLuma,
  perceptualHash,
  type Thumbnail,
  type ThumbnailDecoder,
} from './thumbnail.ts';
