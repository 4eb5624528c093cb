/**
 * The MQTT link to the monitoring centre (mqtt v5): the connection, the reconnect back-off, the
 * `status` topic with its Last Will and connection counter; inbound routing is linkParts.ts.
 * What is announced on connect and what flows (outbox, inbound) hook in with `onConnect` and
 * `onMessage`. mqtt.js has no back-off of its own and keeps unacknowledged QoS 1 messages only in
 * memory, so reconnecting is ours (`client.reconnect()` after a jittered delay) and durability is
 * the outbox's. Whatever fails on the way (even saving the connection counter to a full disk), the
 * next attempt is always scheduled; a connection whose PUBACK is overdue is dropped and redialled.
 */
import mqtt, { type IClientOptions, type IClientPublishOptions, type MqttClient } from 'mqtt';
import { NattsynError } from '../errors.ts';
import { Backoff } from '../platform/backoff.ts';
import { type Logger as Log, silentLogger as silentLog } from '../platform/ports.ts';
import { systemTime, type Time, type Timer, withTimeout } from '../platform/time.ts';
import type { DurableStore } from '../policy/index.ts';
import type { MqttConfig } from './config.ts';
import { linkOptions, type PublishOptions, publishProperties } from './linkOptions.ts';
import { ConnectionCounter, forgetOutgoing, InFlight, LinkInbound, type MessageHook } from './linkParts.ts';
import { type StatusPayload, topicsFor } from './payloads.ts';

export interface MqttLinkDeps {
  deviceId: string;
  config: MqttConfig;
  /** Keeps the connection counter across restarts (the state directory); a failing store never stops dialling. */
  store: DurableStore;
  random?: () => number;
  time?: Time;
  log?: Log;
  connect?: (url: string, options: IClientOptions) => MqttClient;
  readFile?: (file: string) => Promise<string>;
  /** The policy version in force, carried in every status (also the Last Will). */
  policyVersion?: () => number | undefined;
}

export type { InboundProperties } from './linkOptions.ts';
export type { PublishOptions };

type ConnectHook = (connection: number) => Promise<void>;

export class MqttLink {
  readonly topics: ReturnType<typeof topicsFor>;
  readonly schedule: Backoff;
  readonly #deps: MqttLinkDeps;
  readonly #time: Time;
  readonly #log: Log;
  readonly #connectHooks: ConnectHook[] = [];
  readonly #disconnectHooks = new Set<() => void>();
  readonly #inbound: LinkInbound;
  readonly #pending: InFlight;
  readonly #counter: ConnectionCounter;
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
  /** Connections dropped for an overdue PUBACK. */
  pubackTimeouts = 0;

  constructor(deps: MqttLinkDeps) {
    this.#deps = deps;
    this.topics = topicsFor(deps.deviceId);
    this.schedule = new Backoff(deps.config.backoff);
    this.#time = deps.time ?? systemTime;
    this.#log = deps.log ?? silentLog;
    this.#counter = new ConnectionCounter(deps.store, this.#log);
    this.#inbound = new LinkInbound(this.topics.base, deps.config.maxInboundBytes, this.#log);
    this.#pending = new InFlight(this.#time, deps.config.pubackTimeoutMs, (waitedMs, inFlight) =>
      this.#pubackOverdue(waitedMs, inFlight),
    );
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

  /** Inbound payloads dropped as too large. */
  get oversized(): number {
    return this.#inbound.oversized;
  }

  /** Publishes awaiting their PUBACK. */
  get inFlight(): number {
    return this.#pending.size;
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
    this.#inbound.listening.add(topic);
    const client = this.#client;
    if (client?.connected) void client.subscribeAsync(topic, { qos: 1, nl: true }).catch(() => undefined);
  }

  /** Inbound messages on `policy` and `cmd/<name>`; `suffix` is the topic after the device base. */
  onMessage(hook: MessageHook): () => void {
    return this.#inbound.on(hook);
  }

  async start(): Promise<void> {
    if (this.#client) return;
    this.#stopping = false;
    this.#dialed = false;
    this.#connection = await this.#counter.load();
    const client = (this.#deps.connect ?? mqtt.connect)(this.#deps.config.url, await linkOptions(this.#deps));
    this.#client = client;
    client.on('connect', () => void this.#onConnected(client));
    client.on('close', () => this.#onClosed());
    client.on('error', (error) =>
      this.#log.warn({ code: (error as NodeJS.ErrnoException).code }, 'mqtt error'),
    );
    client.on('message', (topic, payload, packet) => this.#inbound.route(topic, payload, packet));
    await this.#attemptConnect().catch((error) => this.#dialFailed(error));
  }

  /** Publishes and resolves on PUBACK (QoS 1) or once written (QoS 0). Never queues while offline. */
  publish(topic: string, payload: string, options: PublishOptions = {}): Promise<void> {
    const client = this.#client;
    if (!client?.connected) return Promise.reject(offline());
    const opts: IClientPublishOptions = { qos: options.qos ?? 1, retain: options.retain ?? false };
    if (this.#deps.config.protocolVersion === 5) Object.assign(opts, publishProperties(options));
    return this.#pending.track((done) => client.publish(topic, payload, opts, (error) => done(error)));
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
    this.#pending.cancel();
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
    this.#pending.failAll(offline);
  }

  /** Bumps the connection counter (saved when the disk lets it), arms the Last Will with it, dials. */
  async #attemptConnect(): Promise<void> {
    const client = this.#client;
    if (!client || this.#stopping) return;
    this.#connection = await this.#counter.next();
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
      const inbound = [
        topics.policy,
        topics.cmd,
        topics.auditAck,
        topics.auditResend,
        ...this.#inbound.listening,
      ];
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
    this.#pending.failAll(offline);
    if (this.#client) forgetOutgoing(this.#client);
    if (wasOnline) for (const hook of this.#disconnectHooks) hook();
    if (this.#stopping || this.#retry !== undefined) return;
    if (this.#rearming) {
      this.#rearming = false;
      void this.#attemptConnect().catch((error) => this.#dialFailed(error));
      return;
    }
    this.#scheduleRetry();
  }

  #scheduleRetry(): void {
    if (this.#stopping || this.#retry !== undefined) return;
    const delay = this.schedule.delay(this.#attempt, (this.#deps.random ?? Math.random)());
    this.#attempt += 1;
    this.#log.debug({ delay, attempt: this.#attempt }, 'mqtt reconnect scheduled');
    this.#retry = this.#time.timeout('mqtt-reconnect', delay, () => {
      this.#retry = undefined;
      void this.#attemptConnect().catch((error) => this.#dialFailed(error));
    });
  }

  /** An attempt failed before it could dial: never the last one. */
  #dialFailed(error: unknown): void {
    this.#log.error({ err: String(error) }, 'mqtt dial failed; retrying');
    this.#scheduleRetry();
  }

  /** The broker holds this connection without serving it: drop it, and dial again after the back-off. */
  #pubackOverdue(waitedMs: number, inFlight: number): void {
    const client = this.#client;
    if (!client?.connected || this.#stopping) return;
    this.pubackTimeouts += 1;
    this.#log.warn({ waitedMs, inFlight }, 'PUBACK overdue; dropping the connection');
    client.stream?.destroy();
  }

  #status(state: StatusPayload['state']): StatusPayload {
    const since = new Date(this.#time.now()).toISOString();
    return {
      state,
      connection: this.#connection,
      since,
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
}

function offline(): NattsynError {
  return new NattsynError('mqtt_offline', 'the broker is not connected');
}
