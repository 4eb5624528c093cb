/**
 * The centre's link to the broker (MQTT 5). Owns the connection, the subscriptions every instance
 * needs (device presence from the retained `status`, the answers to this instance's relayed
 * requests) and routes inbound messages. Presence is the broker's retained state, mirrored here for
 * an immediate `503 device_offline`; nothing else is kept.
 */
import mqtt, { type IClientOptions, type IClientPublishOptions, type MqttClient } from 'mqtt';
import { NattsynError } from '../errors.ts';
import type { Logger } from '../platform/ports.ts';
import {
  ARCHIVE_STATE_TOPICS,
  centreTopics,
  parseArchiveStateTopic,
  parseDeviceTopic,
  TOPIC_ROOT,
} from '../protocol/index.ts';
import type { CentreConfig } from './config.ts';

export type Presence = 'online' | 'stopped' | 'offline';

export interface InboundMessage {
  topic: string;
  deviceId: string;
  /** The topic after `nattsyn/v1/<deviceId>/`. */
  rest: string;
  payload: Buffer;
  retained: boolean;
  correlationData: Buffer | undefined;
}

/** The PEM material of the centre's broker certificate, read (and checked) at start. */
export interface BrokerTlsMaterial {
  ca: string;
  cert: string;
  key: string;
  serverName?: string;
}

/**
 * Topics a feature asks the centre to follow besides presence and relay answers: devices' topics,
 * and `archive`, the archive's retained per-device state in the centre's own topic space.
 */
export type WatchedTopic = 'schedule' | 'health' | 'audit' | 'archive';

export interface CentreBrokerDeps {
  config: CentreConfig['mqtt'];
  /** The round follows every device's retained schedule and health (and audit, for look outcomes). */
  watch?: readonly WatchedTopic[];
  tls: BrokerTlsMaterial | undefined;
  instanceId: string;
  log: Logger;
  connect?: (url: string, options: IClientOptions) => MqttClient;
}

export class CentreBroker {
  readonly #d: CentreBrokerDeps;
  readonly #presence = new Map<string, Presence>();
  readonly #listeners = new Set<(message: InboundMessage) => void>();
  readonly #archiveListeners = new Set<(deviceId: string, payload: Buffer) => void>();
  #client: MqttClient | undefined;

  constructor(deps: CentreBrokerDeps) {
    this.#d = deps;
  }

  get connected(): boolean {
    return this.#client?.connected === true;
  }

  /** The device's presence as its retained `status` says; `offline` when never seen. */
  presence(deviceId: string): Presence {
    return this.#presence.get(deviceId) ?? 'offline';
  }

  onMessage(listener: (message: InboundMessage) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The archive's retained state of a device (empty payload: cleared); only with `archive` watched. */
  onArchiveState(listener: (deviceId: string, payload: Buffer) => void): () => void {
    this.#archiveListeners.add(listener);
    return () => this.#archiveListeners.delete(listener);
  }

  /** Connects and subscribes; resolves once the first connection is up (or rejects after the timeout). */
  async start(): Promise<void> {
    if (this.#client) return;
    const { config, instanceId } = this.#d;
    const client = (this.#d.connect ?? mqtt.connect)(config.url, this.#options());
    this.#client = client;
    const topics = centreTopics(instanceId);
    const watched = (this.#d.watch ?? []).map((w) =>
      w === 'audit' ? `${TOPIC_ROOT}/+/audit` : w === 'archive' ? ARCHIVE_STATE_TOPICS : topics[w],
    );
    client.on('connect', () => {
      // Subscriptions are renewed on every connection (clean start: the broker keeps nothing for us).
      client
        .subscribeAsync([topics.status, topics.whepResponses, ...watched], { qos: 1 })
        .then(() => this.#d.log.info({ instanceId }, 'centre broker link up'))
        .catch((error) => this.#d.log.warn({ err: String(error) }, 'centre subscribe failed'));
    });
    client.on('error', (error) => this.#d.log.warn({ err: String(error) }, 'centre broker error'));
    client.on('message', (topic, payload, packet) => this.#route(topic, payload, packet));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new NattsynError('broker_unreachable', `cannot reach the broker at ${config.url}`)),
        15_000,
      );
      client.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
    }).catch(async (error) => {
      await this.stop();
      throw error;
    });
  }

  publish(topic: string, payload: string, options: IClientPublishOptions): Promise<void> {
    const client = this.#client;
    if (!client?.connected) {
      return Promise.reject(new NattsynError('broker_unavailable', 'the broker is not connected'));
    }
    return client.publishAsync(topic, payload, options).then(() => undefined);
  }

  async stop(): Promise<void> {
    const client = this.#client;
    this.#client = undefined;
    if (!client) return;
    await client.endAsync(false).catch(() => undefined);
    client.removeAllListeners();
  }

  #route(topic: string, payload: Buffer, packet: mqtt.IPublishPacket): void {
    const archive = parseArchiveStateTopic(topic);
    if (archive?.kind === 'device') {
      for (const listener of this.#archiveListeners) listener(archive.id, payload);
      return;
    }
    const parsed = parseDeviceTopic(topic);
    if (!parsed) return;
    if (parsed.rest === 'status') this.#presenceFrom(parsed.deviceId, payload);
    const correlation = packet.properties?.correlationData;
    const message: InboundMessage = {
      topic,
      ...parsed,
      payload,
      retained: packet.retain,
      correlationData: correlation === undefined ? undefined : Buffer.from(correlation),
    };
    for (const listener of this.#listeners) listener(message);
  }

  #presenceFrom(deviceId: string, payload: Buffer): void {
    if (payload.length === 0) {
      this.#presence.delete(deviceId);
      return;
    }
    try {
      const state = (JSON.parse(payload.toString('utf8')) as { state?: unknown }).state;
      this.#presence.set(deviceId, state === 'online' || state === 'stopped' ? state : 'offline');
    } catch {
      this.#presence.set(deviceId, 'offline');
    }
  }

  #options(): IClientOptions {
    const { config, instanceId, tls } = this.#d;
    const options: IClientOptions = {
      protocolVersion: 5,
      clientId: `nattsyn-centre-${instanceId}`,
      clean: true,
      keepalive: config.keepaliveSeconds,
      reconnectPeriod: 2000,
      connectTimeout: 10_000,
      rejectUnauthorized: true,
      // Inbound messages past this are refused by the broker before they reach us.
      properties: { maximumPacketSize: 256 * 1024 },
    };
    if (tls) {
      Object.assign(options, { ca: [tls.ca], cert: tls.cert, key: tls.key });
      if (tls.serverName) options.servername = tls.serverName;
    }
    return options;
  }
}
