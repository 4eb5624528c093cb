/**
 * The MQTT link to the monitoring centre (mqtt v5). Owns the connection, the reconnect back-off, the
 * `status` topic with its Last Will and connection counter, and the routing of inbound messages.
 * What is announced on connect (info, health) and what flows (outbox, inbound) belong to others,
 * which hook in with `onConnect` and `onMessage`.
 *
 * mqtt.js has no back-off of its own and keeps unacknowledged QoS 1 messages only in memory, so
 * reconnecting is ours (`reconnectPeriod: 0`, `client.reconnect()` after a jittered delay, which
 * also gives each connection fresh stores) and durability is the outbox's.
 */
import mqtt, { type IClientOptions, type IClientPublishOptions, type MqttClient } from 'mqtt';
import { NattsynError } from '../errors.ts';
import { Backoff } from '../platform/backoff.ts';
import { type Logger as Log, silentLogger as silentLog } from '../platform/ports.ts';
import { systemTime, type Time, type Timer, withTimeout } from '../platform/time.ts';
import type { DurableStore } from '../policy/index.ts';
import type { MqttConfig } from './config.ts';
import {
  type InboundProperties,
  inboundProperties,
  linkOptions,
  type PublishOptions,
  publishProperties,
} from './linkOptions.ts';
import { type StatusPayload, topicsFor } from './payloads.ts';

const COUNTER_FILE = 'mqtt.connection.json';

export interface MqttLinkDeps {
  deviceId: string;
  config: MqttConfig;
  /** Keeps the connection counter across restarts (the state directory). */
  store: DurableStore;
  random?: () => number;
  time?: Time;
  log?: Log;
  connect?: (url: string, options: IClientOptions) => MqttClient;
  readFile?: (file: string) => Promise<string>;
  /** The policy version in force, carried in every status (also the Last Will). */
  policyVersion?: () => number | undefined;
}

export type { InboundProperties, PublishOptions };

type ConnectHook = (connection: number) => Promise<void>;
type MessageHook = (
  suffix: string,
  payload: Buffer,
  retained: boolean,
  properties: InboundProperties,
) => void;

export class MqttLink {
  readonly topics: ReturnType<typeof topicsFor>;
  readonly schedule: Backoff;
  readonly #deps: MqttLinkDeps;
  readonly #time: Time;
  readonly #log: Log;
  readonly #connectHooks: ConnectHook[] = [];
  readonly #disconnectHooks = new Set<() => void>();
  readonly #messageHooks = new Set<MessageHook>();
  readonly #listening = new Set<string>();
  readonly #pending = new Set<(error: Error) => void>();
  #client: MqttClient | undefined;
  #connection = 0;
  #attempt = 0;
  #online = false;
  #dialed = false;
  #stopping = false;
  #retry: Timer | undefined;
  #willPolicyVersion: number | null = null;
  /** The close was ours, to re-arm the will: dial again at once, not after a back-off. */
  #rearming = false;

  constructor(deps: MqttLinkDeps) {
    this.#deps = deps;
    this.topics = topicsFor(deps.deviceId);
    this.schedule = new Backoff(deps.config.backoff);
    this.#time = deps.time ?? systemTime;
    this.#log = deps.log ?? silentLog;
  }

  /** Connected and announced (`status` online published). */
  get online(): boolean {
    return this.#online;
  }

  get connected(): boolean {
    return this.#client?.connected === true;
  }

  get connection(): number {
    return this.#connection;
  }

  /** Runs, in registration order, on every connection before `status` goes online. */
  onConnect(hook: ConnectHook): () => void {
    this.#connectHooks.push(hook);
    return () => {
      const i = this.#connectHooks.indexOf(hook);
      if (i >= 0) this.#connectHooks.splice(i, 1);
    };
  }

  onDisconnect(hook: () => void): () => void {
    this.#disconnectHooks.add(hook);
    return () => this.#disconnectHooks.delete(hook);
  }

  /**
   * Also subscribes, now and on every connection, to a topic under this device's subtree (e.g. the
   * relayed WHEP requests): its messages reach `onMessage`.
   */
  listen(topic: string): void {
    if (!topic.startsWith(`${this.topics.base}/`)) throw new Error(`not under this device: ${topic}`);
    this.#listening.add(topic);
    const client = this.#client;
    if (client?.connected) void client.subscribeAsync(topic, { qos: 1, nl: true }).catch(() => undefined);
  }

  /** Inbound messages on `policy` and `cmd/<name>`; `suffix` is the topic after the device base. */
  onMessage(hook: MessageHook): () => void {
    this.#messageHooks.add(hook);
    return () => this.#messageHooks.delete(hook);
  }

  async start(): Promise<void> {
    if (this.#client) return;
    this.#stopping = false;
    this.#dialed = false;
    const { store } = this.#deps;
    const saved = await store.read(COUNTER_FILE);
    this.#connection = saved === undefined ? 0 : Number(JSON.parse(saved).connection) || 0;
    const client = (this.#deps.connect ?? mqtt.connect)(this.#deps.config.url, await linkOptions(this.#deps));
    this.#client = client;
    client.on('connect', () => void this.#onConnected(client));
    client.on('close', () => this.#onClosed());
    client.on('error', (error) =>
      this.#log.warn({ code: (error as NodeJS.ErrnoException).code }, 'mqtt error'),
    );
    client.on('message', (topic, payload, packet) => this.#route(topic, payload, packet));
    await this.#attemptConnect();
  }

  /** Publishes and resolves on PUBACK (QoS 1) or once written (QoS 0). Never queues while offline. */
  publish(topic: string, payload: string, options: PublishOptions = {}): Promise<void> {
    const client = this.#client;
    if (!client?.connected) return Promise.reject(offline());
    const opts: IClientPublishOptions = { qos: options.qos ?? 1, retain: options.retain ?? false };
    if (this.#deps.config.protocolVersion === 5) Object.assign(opts, publishProperties(options));
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (error: Error) => {
        if (settled) return;
        settled = true;
        this.#pending.delete(fail);
        reject(error);
      };
      this.#pending.add(fail);
      client.publish(topic, payload, opts, (error) => {
        if (error) return fail(error);
        if (settled) return;
        settled = true;
        this.#pending.delete(fail);
        resolve();
      });
    });
  }

  /**
   * The will is fixed at connect, but a first policy comes later (issue 9: a device dying supervised
   * said `policyVersion: null`). On a new version, reconnect cleanly (a normal DISCONNECT drops the
   * old will unpublished) so the next connection arms the version in force.
   */
  refreshWill(): void {
    const now = this.#deps.policyVersion?.() ?? null;
    const was = this.#willPolicyVersion;
    if (!this.#client?.connected || !this.#online || this.#stopping || now === was) return;
    this.#log.info({ was, now }, 'mqtt reconnecting to re-arm the will');
    this.#rearming = true;
    this.#client.end(false);
  }

  /** Publishes `stopped`, disconnects cleanly (no will) and releases every timer and socket. */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#retry?.cancel();
    this.#retry = undefined;
    const client = this.#client;
    this.#client = undefined;
    if (!client) return;
    if (client.connected) {
      await withTimeout(this.#time, this.#publishStatus(client, 'stopped'), 2000).catch(() => undefined);
    }
    this.#online = false;
    await new Promise<void>((resolve) => client.end(false, {}, () => resolve()));
    client.removeAllListeners();
    client.on('error', () => undefined);
    this.#failPending();
  }

  /** Bumps the durable connection counter, arms the Last Will with it, then dials. */
  async #attemptConnect(): Promise<void> {
    const client = this.#client;
    if (!client || this.#stopping) return;
    this.#connection += 1;
    await this.#deps.store.writeAtomic(COUNTER_FILE, JSON.stringify({ connection: this.#connection }));
    if (this.#client !== client || this.#stopping) return;
    const will = this.#status('offline');
    this.#willPolicyVersion = will.policyVersion;
    const payload = Buffer.from(JSON.stringify(will));
    client.options.will = { topic: this.topics.status, payload, qos: 1, retain: true };
    if (this.#dialed) client.reconnect();
    else client.connect();
    this.#dialed = true;
  }

  async #onConnected(client: MqttClient): Promise<void> {
    this.#attempt = 0;
    const { topics } = this;
    try {
      const inbound = [topics.policy, topics.cmd, ...this.#listening];
      await client.subscribeAsync(inbound, { qos: 1, nl: true });
      for (const hook of this.#connectHooks) await hook(this.#connection);
      await this.#publishStatus(client, 'online');
      this.#online = true;
      this.#log.info({ connection: this.#connection }, 'mqtt online');
      // A policy applied while this connection was being announced is not in its will yet.
      this.refreshWill();
    } catch (error) {
      // Never stay connected but unannounced: drop the connection and let the back-off retry.
      this.#log.warn({ err: String(error) }, 'mqtt announce failed');
      if (this.#client === client && !this.#stopping) client.stream?.destroy();
    }
  }

  #onClosed(): void {
    const wasOnline = this.#online;
    this.#online = false;
    this.#failPending();
    if (wasOnline) for (const hook of this.#disconnectHooks) hook();
    if (this.#stopping || this.#retry !== undefined) return;
    if (this.#rearming) {
      this.#rearming = false;
      void this.#attemptConnect().catch((error) =>
        this.#log.error({ err: String(error) }, 'mqtt dial failed'),
      );
      return;
    }
    const delay = this.schedule.delay(this.#attempt, (this.#deps.random ?? Math.random)());
    this.#attempt += 1;
    this.#log.debug({ delay, attempt: this.#attempt }, 'mqtt reconnect scheduled');
    this.#retry = this.#time.timeout('mqtt-reconnect', delay, () => {
      this.#retry = undefined;
      void this.#attemptConnect().catch((error) =>
        this.#log.error({ err: String(error) }, 'mqtt dial failed'),
      );
    });
  }

  #route(topic: string, payload: Buffer, packet: mqtt.IPublishPacket): void {
    const prefix = `${this.topics.base}/`;
    if (!topic.startsWith(prefix)) return;
    const suffix = topic.slice(prefix.length);
    const properties = inboundProperties(packet);
    for (const hook of this.#messageHooks) hook(suffix, payload, packet.retain, properties);
  }

  #status(state: StatusPayload['state']): StatusPayload {
    const now = this.#time.now();
    return {
      state,
      connection: this.#connection,
      since: new Date(now).toISOString(),
      policyVersion: this.#deps.policyVersion?.() ?? null,
    };
  }

  #publishStatus(client: MqttClient, state: StatusPayload['state']): Promise<void> {
    if (this.#client !== client && state !== 'stopped') return Promise.resolve();
    return new Promise((resolve, reject) =>
      client.publish(
        this.topics.status,
        JSON.stringify(this.#status(state)),
        { qos: 1, retain: true },
        (error) => (error ? reject(error) : resolve()),
      ),
    );
  }

  #failPending(): void {
    for (const fail of [...this.#pending]) fail(offline());
  }
}

function offline(): NattsynError {
  return new NattsynError('mqtt_offline', 'the broker is not connected');
}
