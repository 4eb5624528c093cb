/**
 * The device's half of WHEP over MQTT: a relayed request enters the same WHEP service as the local
 * HTTP route only after it proves to be a live request from the centre: not retained, answered
 * only inside this device's own subtree, signed by a pinned centre relay key, for this device,
 * fresh (issuedAt and the MQTT message expiry within bounds) and never seen before. Every refusal
 * is audited; the answer goes back on the response topic with the correlation data.
 */
import type { KeyObject } from 'jose';
import type { Logger } from '../platform/ports.ts';
import type { Clock, Timer, Timers } from '../platform/time.ts';
import {
  deviceTopics,
  RELAY_CLOCK_SKEW_MS,
  RELAY_MAX_EXPIRY_SECONDS,
  type RelayRefusalCode,
  TOPIC_ID,
  verifySignedJson,
  WHEP_RELAY_JWS_TYPE,
  type WhepRelayRequest,
  type WhepRelayResponse,
  whepRelayRequestSchema,
} from '../protocol/index.ts';

/** One inbound MQTT message on `whep/req` with the MQTT 5 properties that matter here. */
export interface RelayMessage {
  payload: Buffer;
  retained: boolean;
  responseTopic: string | undefined;
  correlationData: Buffer | undefined;
  messageExpiryInterval: number | undefined;
}

export type RelayAnswer = Omit<WhepRelayResponse, 'id'>;

export interface DeviceRelayDeps {
  deviceId: string;
  /** The centre's relay public keys (more than one during a rotation). */
  centreKeys: readonly (KeyObject | CryptoKey)[];
  /** The device's WHEP service (and the viewer state) behind the relay transport. */
  serve(request: WhepRelayRequest): Promise<RelayAnswer>;
  /** Publishes the answer (QoS 1) with the request's correlation data. */
  publish(topic: string, payload: string, correlationData: Buffer): Promise<void>;
  /** Audits a refused relayed request (fsync) before anything else happens. */
  refused(code: RelayRefusalCode, detail: Record<string, string>): Promise<void>;
  time: Pick<Clock, 'now'> & Pick<Timers, 'timeout'>;
  log: Logger;
}

/** How long a request id is remembered: past it, `issuedAt` alone refuses the message. */
const REMEMBER_MS = RELAY_MAX_EXPIRY_SECONDS * 1000 + 2 * RELAY_CLOCK_SKEW_MS;

export class DeviceRelay {
  readonly #d: DeviceRelayDeps;
  readonly #seen = new Map<string, Timer>();
  readonly #responsePrefix: string;

  constructor(deps: DeviceRelayDeps) {
    this.#d = deps;
    this.#responsePrefix = deviceTopics(deps.deviceId).whepResponse('');
  }

  /** Forgets remembered ids (their timers) on stop. */
  stop(): void {
    for (const timer of this.#seen.values()) timer.cancel();
    this.#seen.clear();
  }

  async onMessage(message: RelayMessage): Promise<void> {
    // A retained request would be served again to every reconnect: never act on one, never answer it.
    if (message.retained) return this.#refuse('relay_retained', undefined, message);
    const instance = this.#instanceOf(message.responseTopic);
    const correlation = message.correlationData;
    if (instance === undefined || correlation === undefined || correlation.length > 64) {
      return this.#refuse('relay_bad_response_topic', undefined, message);
    }
    const verdict = await this.#verify(message, instance, correlation);
    if (!verdict.ok) return this.#refuse(verdict.code, verdict.answerable ? instance : undefined, message);
    const request = verdict.request;
    this.#remember(request.id);
    let answer: RelayAnswer;
    try {
      answer = await this.#d.serve(request);
    } catch (error) {
      this.#d.log.error({ err: String(error) }, 'relayed request failed');
      answer = errorAnswer(500, 'internal', 'the device could not handle the request');
    }
    await this.#answer(instance, correlation, { id: request.id, ...answer });
  }

  async #verify(
    message: RelayMessage,
    instance: string,
    correlation: Buffer,
  ): Promise<
    { ok: true; request: WhepRelayRequest } | { ok: false; code: RelayRefusalCode; answerable: boolean }
  > {
    const expiry = message.messageExpiryInterval;
    if (expiry === undefined || expiry > RELAY_MAX_EXPIRY_SECONDS) {
      return { ok: false, code: 'relay_expired', answerable: true };
    }
    const jws = message.payload.toString('utf8');
    let request: WhepRelayRequest | undefined;
    for (const key of this.#d.centreKeys) {
      const v = await verifySignedJson(jws, {
        typ: WHEP_RELAY_JWS_TYPE,
        key,
        schema: whepRelayRequestSchema,
      });
      if (v.ok) request = v.value;
      else if (v.reason !== 'bad_signature') return { ok: false, code: 'relay_malformed', answerable: true };
      if (request) break;
    }
    if (!request) return { ok: false, code: 'relay_unsigned', answerable: true };
    if (request.deviceId !== this.#d.deviceId)
      return { ok: false, code: 'relay_wrong_device', answerable: true };
    if (request.instanceId !== instance || request.id !== correlation.toString('utf8')) {
      return { ok: false, code: 'relay_malformed', answerable: true };
    }
    const age = this.#d.time.now() - request.issuedAt;
    if (age > RELAY_MAX_EXPIRY_SECONDS * 1000 + RELAY_CLOCK_SKEW_MS || age < -RELAY_CLOCK_SKEW_MS) {
      return { ok: false, code: 'relay_expired', answerable: true };
    }
    if (this.#seen.has(request.id)) return { ok: false, code: 'relay_replayed', answerable: false };
    return { ok: true, request };
  }

  #instanceOf(responseTopic: string | undefined): string | undefined {
    if (!responseTopic?.startsWith(this.#responsePrefix)) return undefined;
    const instance = responseTopic.slice(this.#responsePrefix.length);
    return TOPIC_ID.test(instance) ? instance : undefined;
  }

  #remember(id: string): void {
    const timer = this.#d.time.timeout('relay-request-id', REMEMBER_MS, () => this.#seen.delete(id));
    this.#seen.set(id, timer);
  }

  async #refuse(code: RelayRefusalCode, instance: string | undefined, message: RelayMessage): Promise<void> {
    await this.#d.refused(code, { transport: 'relay' });
    this.#d.log.warn({ code }, 'relayed request refused');
    if (instance === undefined || message.correlationData === undefined) return;
    const id = message.correlationData.toString('utf8');
    if (!/^[A-Za-z0-9_-]{22,64}$/.test(id)) return;
    await this.#answer(instance, message.correlationData, {
      id,
      ...errorAnswer(code === 'relay_unsigned' ? 401 : 400, code, 'the relayed request was refused'),
    });
  }

  async #answer(instance: string, correlation: Buffer, answer: WhepRelayResponse): Promise<void> {
    const topic = deviceTopics(this.#d.deviceId).whepResponse(instance);
    await this.#d.publish(topic, JSON.stringify(answer), correlation).catch((error) => {
      this.#d.log.warn({ err: String(error) }, 'relay answer not delivered');
    });
  }
}

export function errorAnswer(status: number, code: string, message: string): RelayAnswer {
  return {
    status,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code, message }),
  };
}
