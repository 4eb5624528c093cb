/**
 * The audit archive of one centre instance. It holds a persistent MQTT 5 session (clean start off,
 * session expiry set) in a shared subscription group, so the broker queues this instance's share
 * while it restarts and several instances split the load. Each record is judged and committed
 * before its PUBACK goes back (mqtt.js `customHandleAcks`): an instance killed mid-batch has its
 * unacknowledged messages redelivered. Only after the commit does the device get its
 * acknowledgement; a gap makes the archive ask the device to resend; a record that breaks the chain
 * is kept as suspect and raises an alarm (logged, stored, published and emitted). After each commit
 * the device's archive state goes out retained for watchers (the round, the monitor), and the
 * instance's own presence is retained beside it.
 */
import { hostname as osHostname } from 'node:os';
import mqtt, { type IClientOptions, type IPublishPacket, type MqttClient } from 'mqtt';
import { Emitter } from '../../platform/emitter.ts';
import { type Logger, realTimers, type Timers } from '../../platform/ports.ts';
import {
  ARCHIVE_ALARM_TOPIC,
  type ArchiveAlarm,
  type AuditResend,
  archiveInstanceTopic,
  archiveSubscriptions,
  deviceTopics,
  parseArchiveTopic,
} from '../../protocol/index.ts';
import type { ArchiveConfig, ArchiveDatabaseConfig } from './config.ts';
import { type ArchiveLink, archiveClientOptions, instancePayload } from './config.ts';
import { openMigrated } from './database.ts';
import type { SqlDatabase } from './db/sql.ts';
import { AckPublisher, archiveStateOf, type Publish, StatePublisher } from './publish.ts';
import { ResendScheduler } from './resend.ts';
import { ArchiveStore, type StoredAlarm } from './store.ts';

export interface ArchiveMqtt extends ArchiveLink {
  url: string;
  connect?: (url: string, options: IClientOptions) => MqttClient;
}

export interface AuditArchiveDeps {
  config: ArchiveConfig;
  mqtt: ArchiveMqtt;
  log: Logger;
  clock: { now(): number };
  timers?: Timers;
  hostname?: () => string;
  openDatabase?: (config: ArchiveDatabaseConfig) => Promise<SqlDatabase>;
  /** The centre's shared, migrated handle; the archive then neither migrates nor closes it. */
  database?: SqlDatabase;
}

export interface ArchiveStats {
  verified: number;
  pending: number;
  duplicate: number;
  suspect: number;
  malformed: number;
  events: number;
  acks: number;
  resendRequests: number;
  statesPublished: number;
  failures: number;
}

type AckDone = (errorOrCode: Error | number, reasonCode?: number) => void;

export class AuditArchive {
  readonly #d: AuditArchiveDeps;
  readonly #alarms = new Emitter<[ArchiveAlarm]>();
  readonly #counts = {
    verified: 0,
    pending: 0,
    duplicate: 0,
    suspect: 0,
    malformed: 0,
    events: 0,
    failures: 0,
  };
  #store: ArchiveStore | undefined;
  #client: MqttClient | undefined;
  #acks: AckPublisher | undefined;
  #resend: ResendScheduler | undefined;
  #states: StatePublisher | undefined;
  #work: Promise<unknown> = Promise.resolve();
  #ready: Promise<void> | undefined;
  #markReady: () => void = () => undefined;
  #stopping = false;

  constructor(deps: AuditArchiveDeps) {
    this.#d = deps;
  }

  /** The archive's store, for the monitor and the export (after `start()`). */
  get store(): ArchiveStore {
    if (!this.#store) throw new Error('the archive is not started');
    return this.#store;
  }

  get clientId(): string {
    return this.#d.config.mqtt.clientId ?? `nattsyn-archive-${(this.#d.hostname ?? osHostname)()}`;
  }

  onAlarm(listener: (alarm: ArchiveAlarm) => void): () => void {
    return this.#alarms.on(listener);
  }

  stats(): ArchiveStats {
    return {
      ...this.#counts,
      acks: this.#acks?.published ?? 0,
      resendRequests: this.#resend?.requested ?? 0,
      statesPublished: this.#states?.published ?? 0,
    };
  }

  /** Resolves once the first subscription is in place (the broker may be down for a while). */
  ready(): Promise<void> {
    return this.#ready ?? Promise.reject(new Error('the archive is not started'));
  }

  /** Opens and migrates the database, then connects; the connection retries on its own. */
  async start(): Promise<void> {
    if (this.#store) return;
    const { config, log, clock } = this.#d;
    this.#stopping = false;
    const db =
      this.#d.database ?? (await openMigrated(config.database, log, () => clock.now(), this.#d.openDatabase));
    const store = new ArchiveStore(db);
    this.#store = store;
    const publish: Publish = (topic, payload, options) => this.#publish(topic, payload, options);
    this.#acks = new AckPublisher(publish, () => clock.now());
    this.#states = new StatePublisher({ read: (id) => archiveStateOf(db, id, clock.now()), publish });
    this.#resend = new ResendScheduler({
      timers: this.#d.timers ?? realTimers,
      log,
      graceMs: config.gapGraceMs,
      intervalMs: config.resendIntervalMs,
      progress: (deviceId) => store.progress(deviceId),
      request: (deviceId, fromSeq) => {
        const body: AuditResend = { fromSeq };
        return publish(deviceTopics(deviceId).auditResend, JSON.stringify(body), { qos: 1, retain: false });
      },
    });
    this.#ready = new Promise((resolve) => {
      this.#markReady = resolve;
    });
    this.#connect();
  }

  /** Finishes the record in hand, disconnects (the broker keeps the session) and closes the database. */
  async stop(): Promise<void> {
    if (!this.#store) return;
    this.#stopping = true;
    this.#resend?.stop();
    await this.#work.catch(() => undefined);
    // Acks in flight get a moment to leave; the retained ack is republished by whoever comes next.
    const timers = this.#d.timers ?? realTimers;
    let grace: ReturnType<Timers['setTimeout']> | undefined;
    const client = this.#client;
    // A clean stop says so (a crash leaves the Last Will's `offline`).
    const stopped = client?.connected
      ? client
          .publishAsync(archiveInstanceTopic(this.clientId), instancePayload('stopped'), {
            qos: 1,
            retain: true,
          })
          .catch(() => undefined)
      : undefined;
    await Promise.race([
      Promise.all([this.#acks?.idle(), this.#states?.idle(), stopped]),
      new Promise((resolve) => {
        grace = timers.setTimeout(() => resolve(undefined), 2000);
      }),
    ]);
    if (grace !== undefined) timers.clearTimeout(grace);
    this.#client = undefined;
    if (client) {
      await new Promise<void>((resolve) => client.end(false, {}, () => resolve()));
      client.removeAllListeners();
      client.on('error', () => undefined);
    }
    const store = this.#store;
    this.#store = undefined;
    if (!this.#d.database) await store.db.close();
  }

  #connect(): void {
    const { config, mqtt: link, log } = this.#d;
    const options = archiveClientOptions(config, link, this.clientId, (topic, payload, packet, done) =>
      this.#received(topic, payload, packet, done),
    );
    const client = (link.connect ?? mqtt.connect)(link.url, options);
    this.#client = client;
    const topics = archiveSubscriptions(config.mqtt.shareGroup);
    client.on('connect', (connack) => {
      log.info({ clientId: this.clientId, sessionPresent: connack.sessionPresent }, 'archive connected');
      client
        .subscribeAsync([topics.audit, topics.event], { qos: 1 })
        .then((granted) => {
          const refused = granted.filter((g) => g.qos > 1);
          if (refused.length > 0) log.error({ refused }, 'archive subscription refused by the broker');
          else this.#markReady();
        })
        .catch((error) => log.warn({ err: String(error) }, 'archive subscribe failed'));
      this.#acks?.flush();
      this.#states?.flush();
      client
        .publishAsync(archiveInstanceTopic(this.clientId), instancePayload('online'), {
          qos: 1,
          retain: true,
        })
        .catch(() => undefined);
    });
    // QoS 1 messages come through customHandleAcks; only a QoS 0 publish (never a device's) lands here.
    client.on('message', (topic, payload, packet) => {
      if (packet.qos === 0) this.#received(topic, payload, packet, () => undefined);
    });
    client.on('error', (error) => log.warn({ err: String(error) }, 'archive mqtt error'));
  }

  /** One message at a time, committed before `done` sends its PUBACK. */
  #received(topic: string, payload: Buffer, _packet: IPublishPacket, done: AckDone): void {
    const route = parseArchiveTopic(topic);
    if (!route) {
      done(0);
      return;
    }
    const text = payload.toString('utf8');
    const run = this.#work.then(() =>
      route.stream === 'audit'
        ? this.#archiveRecord(route.deviceId, text)
        : this.#archiveEvent(route.deviceId, text),
    );
    this.#work = run.catch(() => undefined);
    run.then(
      () => done(0),
      (error: unknown) => this.#failed(error, done),
    );
  }

  async #archiveRecord(deviceId: string, payload: string): Promise<void> {
    const result = await this.store.ingestAudit(deviceId, payload, this.#d.clock.now());
    this.#counts[result.outcome] += 1;
    for (const alarm of result.alarms) this.#raise(alarm);
    this.#acks?.offer(deviceId, result.head);
    this.#states?.offer(deviceId);
    this.#resend?.note(deviceId, result.head, result.highestSeq);
  }

  async #archiveEvent(deviceId: string, payload: string): Promise<void> {
    const outcome = await this.store.ingestEvent(deviceId, payload, this.#d.clock.now());
    if (outcome === 'stored') this.#counts.events += 1;
    if (outcome === 'malformed') this.#d.log.warn({ deviceId }, 'event payload refused');
  }

  /**
   * The database refused the write: no PUBACK, and the connection is dropped so the broker redelivers
   * the message to this session when it reconnects (MQTT resends unacknowledged messages only then).
   */
  #failed(error: unknown, done: AckDone): void {
    this.#counts.failures += 1;
    this.#d.log.error({ err: String(error) }, 'archive write failed; message left for redelivery');
    done(error instanceof Error ? error : new Error(String(error)));
    if (!this.#stopping) this.#client?.stream?.destroy();
  }

  #raise(alarm: StoredAlarm): void {
    const payload: ArchiveAlarm = {
      id: alarm.id,
      code: alarm.code,
      deviceId: alarm.deviceId,
      seq: alarm.seq,
      message: alarm.message,
      at: new Date(alarm.raisedMs).toISOString(),
    };
    this.#d.log.error({ alarm: payload }, 'audit record refused as suspect');
    this.#alarms.emit(payload);
    void this.#publish(ARCHIVE_ALARM_TOPIC, JSON.stringify(payload), { qos: 1, retain: false }).catch(
      () => undefined,
    );
  }

  #publish(topic: string, payload: string, options: { qos: 1; retain: boolean }): Promise<void> {
    const client = this.#client;
    if (!client || this.#stopping) return Promise.reject(new Error('archive stopped'));
    return client.publishAsync(topic, payload, options).then(() => undefined);
  }
}
