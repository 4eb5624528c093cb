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
import { readFile } from 'node:fs/promises';
import mqtt, { type IClientOptions, type IClientPublishOptions, type MqttClient } from 'mqtt';
import { NattsynError, UsageError } from '../errors.ts';
import type { DurableStore } from '../policy/index.ts';
import { BackoffSchedule } from './backoff.ts';
import type { MqttConfig } from './config.ts';
import { type StatusPayload, topicsFor } from './payloads.ts';
import { type Log, realTimers, silentLog, type TimerHandle, type Timers, withTimeout } from './ports.ts';

const COUNTER_FILE = 'mqtt.connection.json';

export interface MqttLinkDeps {
  deviceId: string;
  config: MqttConfig;
  /** Keeps the connection counter across restarts (the state directory). */
  store: DurableStore;
  now?: () => number;
  random?: () => number;
  timers?: Timers;
  log?: Log;
  connect?: (url: string, options: IClientOptions) => MqttClient;
  readFile?: (file: string) => Promise<string>;
  /** The policy version in force, carried in every status (also the Last Will). */
  policyVersion?: () => number | undefined;
}

export interface PublishOptions {
  qos?: 0 | 1;
  retain?: boolean;
  /** MQTT 5 message expiry, seconds. */
  expirySeconds?: number;
}

type ConnectHook = (connection: number) => Promise<void>;
type MessageHook = (suffix: string, payload: Buffer, retained: boolean) => void;

export class MqttLink {
  readonly topics: ReturnType<typeof topicsFor>;
  readonly schedule: BackoffSchedule;
  readonly #deps: MqttLinkDeps;
  readonly #timers: Timers;
  readonly #log: Log;
  readonly #connectHooks: ConnectHook[] = [];
  readonly #disconnectHooks = new Set<() => void>();
  readonly #messageHooks = new Set<MessageHook>();
  readonly #pending = new Set<(error: Error) => void>();
  #client: MqttClient | undefined;
  #connection = 0;
  #attempt = 0;
  #online = false;
  #dialed = false;
  #stopping = false;
  #retry: TimerHandle | undefined;

  constructor(deps: MqttLinkDeps) {
    this.#deps = deps;
    this.topics = topicsFor(deps.deviceId);
    this.schedule = new BackoffSchedule(deps.config.backoff);
    this.#timers = deps.timers ?? realTimers;
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
    const client = (this.#deps.connect ?? mqtt.connect)(this.#deps.config.url, await this.#options());
    this.#client = client;
    client.on('connect', () => void this.#onConnected(client));
    client.on('close', () => this.#onClosed());
    client.on('error', (error) =>
      this.#log.warn({ code: (error as NodeJS.ErrnoException).code }, 'mqtt error'),
    );
    client.on('message', (topic, payload, packet) => this.#route(topic, payload, packet.retain));
    await this.#attemptConnect();
  }

  /** Publishes and resolves on PUBACK (QoS 1) or once written (QoS 0). Never queues while offline. */
  publish(topic: string, payload: string, options: PublishOptions = {}): Promise<void> {
    const client = this.#client;
    if (!client?.connected) return Promise.reject(offline());
    const opts: IClientPublishOptions = { qos: options.qos ?? 1, retain: options.retain ?? false };
    if (options.expirySeconds !== undefined && this.#deps.config.protocolVersion === 5)
      opts.properties = { messageExpiryInterval: options.expirySeconds };
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

  /** Publishes `stopped`, disconnects cleanly (no will) and releases every timer and socket. */
  async stop(): Promise<void> {
    this.#stopping = true;
    if (this.#retry !== undefined) this.#timers.clearTimeout(this.#retry);
    this.#retry = undefined;
    const client = this.#client;
    this.#client = undefined;
    if (!client) return;
    if (client.connected) {
      await withTimeout(this.#publishStatus(client, 'stopped'), 2000).catch(() => undefined);
    }
    this.#online = false;
    await new Promise<void>((resolve) => client.end(false, {}, () => resolve()));
    client.removeAllListeners();
    client.on('error', () => undefined);
    this.#failPending();
  }

  async #options(): Promise<IClientOptions> {
    const { config, deviceId } = this.#deps;
    const options: IClientOptions = {
      protocolVersion: config.protocolVersion,
      clientId: deviceId,
      clean: true,
      keepalive: config.keepaliveSeconds,
      connectTimeout: config.connectTimeoutMs,
      reconnectPeriod: 0,
      manualConnect: true,
      resubscribe: false,
      // mqtt-packet would otherwise build a 65,536-entry table of two-byte Buffers on the first
      // publish (6 MB of heap, measured) to save an allocation per packet id.
      writeCache: false,
    };
    if (config.tls) {
      const readRaw = this.#deps.readFile ?? ((f: string) => readFile(f, 'utf8'));
      const read = (field: 'caFile' | 'certFile' | 'keyFile') =>
        readRaw(config.tls![field]).catch((cause) => {
          throw new UsageError(`mqtt.tls.${field}: cannot read ${config.tls![field]}`, { cause });
        });
      options.ca = [await read('caFile')];
      options.cert = await read('certFile');
      options.key = await read('keyFile');
      if (config.tls.serverName) options.servername = config.tls.serverName;
    }
    // Not configurable on purpose (issue 4): the broker is always checked against the pinned CA.
    options.rejectUnauthorized = true;
    return options;
  }

  /** Bumps the durable connection counter, arms the Last Will with it, then dials. */
  async #attemptConnect(): Promise<void> {
    const client = this.#client;
    if (!client || this.#stopping) return;
    this.#connection += 1;
    await this.#deps.store.writeAtomic(COUNTER_FILE, JSON.stringify({ connection: this.#connection }));
    if (this.#client !== client || this.#stopping) return;
    client.options.will = {
      topic: this.topics.status,
      payload: Buffer.from(JSON.stringify(this.#status('offline'))),
      qos: 1,
      retain: true,
    };
    if (this.#dialed) client.reconnect();
    else client.connect();
    this.#dialed = true;
  }

  async #onConnected(client: MqttClient): Promise<void> {
    this.#attempt = 0;
    const { topics } = this;
    try {
      await client.subscribeAsync([topics.policy, topics.cmd], { qos: 1, nl: true });
      for (const hook of this.#connectHooks) await hook(this.#connection);
      await this.#publishStatus(client, 'online');
      this.#online = true;
      this.#log.info({ connection: this.#connection }, 'mqtt online');
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
    const delay = this.schedule.delay(this.#attempt, (this.#deps.random ?? Math.random)());
    this.#attempt += 1;
    this.#log.debug({ delay, attempt: this.#attempt }, 'mqtt reconnect scheduled');
    this.#retry = this.#timers.setTimeout(() => {
      this.#retry = undefined;
      void this.#attemptConnect().catch((error) =>
        this.#log.error({ err: String(error) }, 'mqtt dial failed'),
      );
    }, delay);
  }

  #route(topic: string, payload: Buffer, retained: boolean): void {
    const prefix = `${this.topics.base}/`;
    if (!topic.startsWith(prefix)) return;
    const suffix = topic.slice(prefix.length);
    for (const hook of this.#messageHooks) hook(suffix, payload, retained);
  }

  #status(state: StatusPayload['state']): StatusPayload {
    const now = (this.#deps.now ?? Date.now)();
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
  return new NattsynError('mqtt_offline', 'the broker is not connected', { status: 503 });
}
