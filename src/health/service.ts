/**
 * The health folder as one service: its parts (assemble.ts) are built and started in order by
 * `start()` and stopped in reverse by `stop()`, the link saying `stopped` last. The constructor
 * only keeps the dependencies; main.ts builds one of these and decides nothing here.
 */
import { NattsynError } from '../errors.ts';
import { Subscriptions } from '../platform/emitter.ts';
import { assembleHealth, type HealthParts, type HealthServiceDeps } from './assemble.ts';
import type { CommandRegistry } from './commands.ts';
import type { EventQueue } from './events.ts';
import { enableDiscovery } from './homeAssistant.ts';
import type { MqttLink } from './link.ts';

export type { HealthServiceDeps };

export class HealthService {
  readonly #deps: HealthServiceDeps;
  readonly #subscriptions = new Subscriptions();
  #parts: HealthParts | undefined;

  constructor(deps: HealthServiceDeps) {
    this.#deps = deps;
  }

  /** The running parts (tests and the composition root look in); throws before `start()`. */
  get parts(): HealthParts {
    if (!this.#parts) throw new NattsynError('not_started', 'the health service is not started');
    return this.#parts;
  }

  get link(): MqttLink {
    return this.parts.link;
  }

  get events(): EventQueue {
    return this.parts.events;
  }

  get commands(): CommandRegistry {
    return this.parts.commands;
  }

  async start(): Promise<void> {
    if (this.#parts) return;
    const parts = assembleHealth(this.#deps);
    this.#parts = parts;
    const { mqtt, deviceId, softwareVersion } = this.#deps;
    await parts.events.open();
    await parts.reporter.start();
    if (mqtt.homeAssistant.enabled) {
      this.#subscriptions.add(
        enableDiscovery(parts.link, {
          deviceId,
          softwareVersion,
          prefix: mqtt.homeAssistant.prefix,
          expireAfterSeconds: 3 * this.#deps.health.periodSeconds,
        }),
      );
    }
    parts.outbox.start();
    parts.inbound.start();
    parts.frames.start();
    parts.readiness.start();
    parts.schedule.start();
    await parts.link.start();
  }

  /** Stops everything it started; the link says `stopped` last. Idempotent. */
  async stop(): Promise<void> {
    const parts = this.#parts;
    if (!parts) return;
    this.#parts = undefined;
    this.#subscriptions.clear();
    parts.schedule.stop();
    await parts.readiness.stop();
    await parts.frames.stop();
    await parts.reporter.stop();
    await parts.inbound.stop();
    await parts.outbox.stop();
    await parts.link.stop();
  }
}
