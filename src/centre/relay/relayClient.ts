/**
 * The centre's half of WHEP over MQTT 5 request/response. Each call is signed with the relay key,
 * published to the device's `whep/req` with a response topic inside the device's own subtree,
 * correlation data and a message expiry, and waits for the one answer that carries its id from
 * that device. A device that is not online fails at once (503); one that does not answer in time
 * fails with 504. The centre keeps nothing once the call settles.
 */
import type { KeyObject } from 'jose';
import { NattsynError } from '../../errors.ts';
import type { Logger } from '../../platform/ports.ts';
import {
  deviceTopics,
  RELAY_MAX_EXPIRY_SECONDS,
  type RelayIceServer,
  type RelayRoute,
  signJson,
  WHEP_RELAY_JWS_TYPE,
  type WhepRelayRequest,
  type WhepRelayResponse,
  whepRelayResponseSchema,
} from '../../protocol/index.ts';
import type { CentreBroker, InboundMessage } from '../broker.ts';

export interface RelayCall {
  deviceId: string;
  route: RelayRoute;
  sessionId?: string;
  contentType?: string;
  ifMatch?: string;
  body: string;
  token: string | undefined;
  iceServers?: RelayIceServer[];
  /** `fallback` only: where the device dials out to with the picture. */
  mediaUrl?: string;
}

export interface WhepRelayClientDeps {
  broker: Pick<CentreBroker, 'publish' | 'presence' | 'onMessage'>;
  instanceId: string;
  signingKey: KeyObject | CryptoKey;
  timeoutMs: number;
  now: () => number;
  /** ≥ 128 random bits, base64url. */
  randomId: () => string;
  log: Logger;
}

interface Pending {
  deviceId: string;
  settle: (reply: WhepRelayResponse | NattsynError) => void;
}

export class WhepRelayClient {
  readonly #d: WhepRelayClientDeps;
  readonly #pending = new Map<string, Pending>();
  #off: (() => void) | undefined;

  constructor(deps: WhepRelayClientDeps) {
    this.#d = deps;
  }

  start(): void {
    this.#off ??= this.#d.broker.onMessage((m) => this.#answer(m));
  }

  stop(): void {
    this.#off?.();
    this.#off = undefined;
    for (const p of [...this.#pending.values()])
      p.settle(new NattsynError('centre_stopping', 'the centre is stopping'));
  }

  async request(call: RelayCall): Promise<WhepRelayResponse> {
    const { broker, instanceId, timeoutMs } = this.#d;
    if (broker.presence(call.deviceId) !== 'online') {
      throw new NattsynError('device_offline', 'the device is not connected');
    }
    const id = this.#d.randomId();
    const envelope: WhepRelayRequest = {
      id,
      deviceId: call.deviceId,
      instanceId,
      issuedAt: this.#d.now(),
      route: call.route,
      body: call.body,
      ...optional(call),
    };
    const jws = await signJson(envelope, WHEP_RELAY_JWS_TYPE, this.#d.signingKey);
    const topics = deviceTopics(call.deviceId);
    const answered = new Promise<WhepRelayResponse | NattsynError>((resolve) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        resolve(new NattsynError('device_timeout', 'the device did not answer in time'));
      }, timeoutMs);
      this.#pending.set(id, {
        deviceId: call.deviceId,
        settle: (reply) => {
          clearTimeout(timer);
          this.#pending.delete(id);
          resolve(reply);
        },
      });
    });
    try {
      await broker.publish(topics.whepRequest, jws, {
        qos: 1,
        retain: false,
        properties: {
          responseTopic: topics.whepResponse(instanceId),
          correlationData: Buffer.from(id),
          messageExpiryInterval: Math.min(RELAY_MAX_EXPIRY_SECONDS, Math.ceil(timeoutMs / 1000)),
          contentType: 'application/jose',
        },
      });
    } catch (error) {
      this.#pending
        .get(id)
        ?.settle(new NattsynError('broker_unavailable', 'the broker is not connected', { cause: error }));
    }
    const reply = await answered;
    if (reply instanceof NattsynError) throw reply;
    return reply;
  }

  /** An answer counts only from the device asked, on this instance's topic, with a live id. */
  #answer(message: InboundMessage): void {
    if (message.rest !== `whep/res/${this.#d.instanceId}` || message.retained) return;
    const id = message.correlationData?.toString('utf8');
    const pending = id === undefined ? undefined : this.#pending.get(id);
    if (!pending || pending.deviceId !== message.deviceId) return;
    let parsed: ReturnType<typeof whepRelayResponseSchema.safeParse>;
    try {
      parsed = whepRelayResponseSchema.safeParse(JSON.parse(message.payload.toString('utf8')));
    } catch {
      parsed = { success: false } as typeof parsed;
    }
    if (!parsed.success || parsed.data.id !== id) {
      this.#d.log.warn({ deviceId: message.deviceId }, 'malformed relay answer');
      pending.settle(new NattsynError('device_bad_reply', 'the device sent a malformed answer'));
      return;
    }
    pending.settle(parsed.data);
  }
}

function optional(call: RelayCall): Partial<WhepRelayRequest> {
  const out: Partial<WhepRelayRequest> = {};
  if (call.sessionId !== undefined) out.sessionId = call.sessionId;
  if (call.contentType !== undefined) out.contentType = call.contentType;
  if (call.ifMatch !== undefined) out.ifMatch = call.ifMatch;
  if (call.token !== undefined) out.token = call.token;
  if (call.iceServers !== undefined && call.iceServers.length > 0) out.iceServers = call.iceServers;
  if (call.mediaUrl !== undefined) out.mediaUrl = call.mediaUrl;
  return out;
}
