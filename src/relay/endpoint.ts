/**
 * The relay on the device's MQTT link: subscribes to the device's own `whep/req`, hands each message
 * with its MQTT 5 properties to the relay's checks (deviceRelay.ts) and publishes the answer with the
 * request's correlation data. Started after the streaming service, stopped before it.
 */
import type { KeyObject } from 'jose';
import type { Logger } from '../platform/ports.ts';
import type { Clock, Timers } from '../platform/time.ts';
import type { RelayRefusalCode } from '../protocol/index.ts';
import { DeviceRelay, type DeviceRelayDeps } from './deviceRelay.ts';

/** What the relay needs of the device's MQTT link (health/link.ts). */
export interface RelayLinkPort {
  topics: { whepRequest: string };
  listen(topic: string): void;
  onMessage(
    hook: (
      suffix: string,
      payload: Buffer,
      retained: boolean,
      properties: {
        responseTopic: string | undefined;
        correlationData: Buffer | undefined;
        messageExpiryInterval: number | undefined;
      },
    ) => void,
  ): () => void;
  publish(topic: string, payload: string, options: { qos: 1; correlationData: Buffer }): Promise<void>;
}

export interface RelayEndpointDeps {
  deviceId: string;
  centreKeys: readonly (KeyObject | CryptoKey)[];
  link: RelayLinkPort;
  serve: DeviceRelayDeps['serve'];
  /** Audits a refused relayed request. */
  refused(code: RelayRefusalCode, detail: Record<string, string>): Promise<void>;
  time: Pick<Clock, 'now'> & Pick<Timers, 'timeout'>;
  log: Logger;
}

export class RelayEndpoint {
  readonly #d: RelayEndpointDeps;
  #relay: DeviceRelay | undefined;
  #off: (() => void) | undefined;

  constructor(deps: RelayEndpointDeps) {
    this.#d = deps;
  }

  start(): void {
    if (this.#relay) return;
    const { link } = this.#d;
    const relay = new DeviceRelay({
      ...this.#d,
      publish: (topic, payload, correlationData) => link.publish(topic, payload, { qos: 1, correlationData }),
    });
    this.#relay = relay;
    const suffix = link.topics.whepRequest.split('/').slice(-2).join('/');
    this.#off = link.onMessage((topic, payload, retained, properties) => {
      if (topic !== suffix) return;
      void relay.onMessage({ payload, retained, ...properties }).catch((error) => {
        this.#d.log.error({ err: String(error) }, 'relayed request failed');
      });
    });
    link.listen(link.topics.whepRequest);
  }

  stop(): void {
    this.#off?.();
    this.#off = undefined;
    this.#relay?.stop();
    this.#relay = undefined;
  }
}
