/**
 * A streaming device behind the relay, for the round's tests until the device's own relay wiring
 * lands: a real device stack (synthetic ffmpeg camera, hub, WHEP server, access controller, hash-
 * chained audit log) pinning the centre's look-token key, and the real device half of the relay
 * (DeviceRelay: signature, freshness, replay) in front of it. `state`, `offer`, `trickle` and `end`
 * go to the device's own WHEP routes over loopback HTTP, one code path as on a device.
 *
 * `status` and `outcome` are not served by the device yet. Until they are, this double answers them
 * by the contract the round relies on (docs/round.md, "What the device must answer"): status from
 * the controller's live and ended sessions; an outcome only for a session this token opened, once,
 * within 15 minutes of its end, appended to the device's real hash chain as a `look_outcome`
 * record. The chain (grants, ends, outcomes) is published on the device's audit topic as it grows,
 * in order, so an archive verifies it link by link, sent again on the archive's `audit/resend` and,
 * while no ack moves, from the last ack every second (docs/centre.md, rules 4 and 5; the double
 * never prunes its log).
 */
import { decodeJwt } from 'jose';
import mqtt, { type MqttClient } from 'mqtt';
import { silentLogger } from '../../../src/platform/ports.ts';
import { systemTime } from '../../../src/platform/time.ts';
import {
  deviceTopics,
  lookOutcomeSchema,
  RELAY_REPLY_HEADERS,
  type WhepRelayRequest,
} from '../../../src/protocol/index.ts';
import { DeviceRelay, errorAnswer, type RelayAnswer } from '../../../src/relay/deviceRelay.ts';
import { asAnswer } from '../../../src/relay/serve.ts';
import { type DialTls, relayFallback } from '../../../src/stream/index.ts';
import { DEVICE, type StackOptions, startStack } from '../../fixtures/stream/stack.ts';
import { healthPayload, publishRetained, schedulePayload, statusPayload } from './devicePayloads.ts';

export { DEVICE as DOUBLE_DEVICE_ID };

export interface DeviceDoubleOptions {
  brokerUrl: string;
  centreRelayKey: CryptoKey;
  issuerKey: CryptoKey;
  window?: StackOptions['window'];
  /** The client certificate the device dials the centre's fallback listener with (route `fallback`). */
  fallbackTls?: DialTls;
}

const OUTCOME_GRACE_MS = 15 * 60_000;
const JSON_TYPE = { 'content-type': 'application/json' };

interface Ticket {
  tokenId: string;
  staffId: string;
  scope: string;
  windowId: string | undefined;
  startedAt: number;
}

interface Ended extends Ticket {
  code: string;
  at: number;
}

export async function startDeviceDouble(o: DeviceDoubleOptions) {
  const stack = await startStack({ window: o.window ?? 'open', extraIssuerKeys: [o.issuerKey] });
  await stack.hub.waitForKeyframe(8000);
  const topics = deviceTopics(DEVICE);
  const client: MqttClient = await mqtt.connectAsync(o.brokerUrl, { protocolVersion: 5, clientId: DEVICE });
  const tickets = new Map<string, Ticket>();
  const ended = new Map<string, Ended>();
  const outcomes: { sessionId: string; outcome: string; staffId: string }[] = [];
  const served: WhepRelayRequest[] = [];
  let published = 0;
  let pumping: Promise<void> = Promise.resolve();
  const pump = () => {
    pumping = pumping
      .then(async () => {
        for (;;) {
          const batch = await stack.audit.readAfter(published, 100);
          if (batch.length === 0) return;
          for (const record of batch)
            await client.publishAsync(topics.audit, JSON.stringify(record), { qos: 1 });
          published = batch.at(-1)!.seq;
        }
      })
      .catch(() => undefined);
  };
  const offAppend = stack.audit.onAppend(() => pump());
  pump();
  let acked = 0;
  let ackMovedAt = Date.now();
  const resendTimer = setInterval(() => {
    if (published > acked && Date.now() - ackMovedAt >= 1000) {
      published = acked;
      ackMovedAt = Date.now();
      pump();
    }
  }, 500);
  const onArchive = (topic: string, payload: Buffer) => {
    const body = JSON.parse(payload.toString() || '{}') as { seq?: number; fromSeq?: number };
    if (topic === topics.auditAck && typeof body.seq === 'number' && body.seq > acked) {
      acked = body.seq;
      ackMovedAt = Date.now();
    }
    if (topic === topics.auditResend && typeof body.fromSeq === 'number') {
      published = Math.min(published, Math.max(acked, body.fromSeq - 1));
      pump();
    }
  };
  const offEnded = stack.access.onSessionEnded((sessionId, code) => {
    const t = tickets.get(sessionId);
    if (t) ended.set(sessionId, { code, at: stack.time.now(), ...t });
  });

  const forward = async (method: string, path: string, r: WhepRelayRequest): Promise<RelayAnswer> => {
    const headers: Record<string, string> = {};
    if (r.token) headers.authorization = `Bearer ${r.token}`;
    if (r.contentType) headers['content-type'] = r.contentType;
    if (r.ifMatch) headers['if-match'] = r.ifMatch;
    const hasBody = method === 'POST' || method === 'PATCH';
    const res = await fetch(`${stack.url}${path}`, { method, headers, body: hasBody ? r.body : undefined });
    const out: RelayAnswer['headers'] = {};
    for (const name of RELAY_REPLY_HEADERS) {
      const value = res.headers.get(name);
      if (value !== null) out[name] = value;
    }
    return { status: res.status, headers: out, body: await res.text() };
  };

  const status = (r: WhepRelayRequest): RelayAnswer => {
    const live = stack.access.sessions().find((s) => s.sessionId === r.sessionId);
    if (live) {
      const body = {
        live: true,
        until: new Date(live.until).toISOString(),
        endCode: null,
        pausedUntil: null,
      };
      return { status: 200, headers: JSON_TYPE, body: JSON.stringify(body) };
    }
    const e = ended.get(r.sessionId ?? '');
    if (!e) return errorAnswer(404, 'unknown_session', 'no such session');
    const body = { live: false, until: new Date(e.at).toISOString(), endCode: e.code, pausedUntil: null };
    return { status: 200, headers: JSON_TYPE, body: JSON.stringify(body) };
  };

  const outcome = async (r: WhepRelayRequest): Promise<RelayAnswer> => {
    const sessionId = r.sessionId ?? '';
    const owner = tickets.get(sessionId);
    const claims = r.token ? decodeJwt(r.token) : undefined;
    if (!owner || claims?.jti !== owner.tokenId)
      return errorAnswer(404, 'unknown_session', 'no such session');
    const e = ended.get(sessionId);
    if (e && stack.time.now() > e.at + OUTCOME_GRACE_MS)
      return errorAnswer(410, 'outcome_too_late', 'the look ended too long ago');
    if (outcomes.some((x) => x.sessionId === sessionId))
      return errorAnswer(409, 'outcome_recorded', 'this look already has its outcome');
    const parsed = lookOutcomeSchema.safeParse(JSON.parse(r.body || '{}'));
    if (!parsed.success) return errorAnswer(400, 'bad_outcome', 'unknown outcome');
    outcomes.push({ sessionId, outcome: parsed.data.outcome, staffId: owner.staffId });
    await stack.audit.append({
      type: 'look_outcome',
      actor: owner.staffId,
      code: parsed.data.outcome,
      sessionId,
      durationMs: (e?.at ?? stack.time.now()) - owner.startedAt,
      detail: { scope: owner.scope, ...(owner.windowId ? { windowId: owner.windowId } : {}) },
    });
    return { status: 201, headers: JSON_TYPE, body: JSON.stringify({ outcome: parsed.data.outcome }) };
  };

  const serve = async (r: WhepRelayRequest): Promise<RelayAnswer> => {
    served.push(r);
    const session = `/whep/${r.sessionId ?? ''}`;
    if (r.route === 'state') return forward('GET', '/api/state', r);
    if (r.route === 'trickle') return forward('PATCH', session, r);
    if (r.route === 'end') return forward('DELETE', session, r);
    if (r.route === 'status') return status(r);
    if (r.route === 'outcome') return outcome(r);
    return opening(() => (r.route === 'fallback' ? fallback(r) : forward('POST', '/whep', r)));
  };

  /** The device's own answer to a relayed fallback: admit, then dial the centre with the ticket. */
  const fallback = async (r: WhepRelayRequest): Promise<RelayAnswer> => {
    if (!o.fallbackTls) return errorAnswer(503, 'fallback_unavailable', 'no client certificate');
    const reply = await relayFallback(
      { fallback: stack.server.fallback!, tls: o.fallbackTls, time: systemTime, logger: silentLogger },
      { token: r.token, origin: { transport: 'relay', remote: r.instanceId }, mediaUrl: r.mediaUrl },
    );
    return asAnswer(reply);
  };

  /** Opens a session (WebRTC or fallback) and keeps whose it is, for its status and outcome. */
  const opening = async (open: () => Promise<RelayAnswer>): Promise<RelayAnswer> => {
    const before = new Set(stack.access.sessions().map((s) => s.sessionId));
    const answer = await open();
    const opened = stack.access.sessions().find((s) => !before.has(s.sessionId));
    if (opened)
      tickets.set(opened.sessionId, {
        tokenId: opened.tokenId,
        staffId: opened.staffId,
        scope: opened.scope,
        windowId: opened.windowId,
        startedAt: stack.time.now(),
      });
    return answer;
  };

  const relay = new DeviceRelay({
    deviceId: DEVICE,
    centreKeys: [o.centreRelayKey],
    serve,
    publish: (topic, payload, correlationData) =>
      client.publishAsync(topic, payload, { qos: 1, properties: { correlationData } }).then(() => undefined),
    refused: async () => undefined,
    time: stack.time,
    log: silentLogger,
  });
  await client.subscribeAsync([topics.whepRequest, topics.auditAck, topics.auditResend], { qos: 1 });
  client.on('message', (topic, payload, packet) => {
    if (topic !== topics.whepRequest) return onArchive(topic, payload);
    void relay.onMessage({
      payload,
      retained: packet.retain,
      responseTopic: packet.properties?.responseTopic,
      correlationData: packet.properties?.correlationData,
      messageExpiryInterval: packet.properties?.messageExpiryInterval,
    });
  });
  const now = stack.time.now();
  const window = { id: 'night-check', start: stack.windowEnd - 30 * 60_000, end: stack.windowEnd };
  await publishRetained(client, DEVICE, {
    status: statusPayload(now, 'online'),
    schedule: schedulePayload(now, [window], { timeZone: 'UTC' }),
    health: healthPayload(now, 'ready'),
  });

  return {
    deviceId: DEVICE,
    stack,
    client,
    window,
    served,
    outcomes,
    /** The device's wall clock (the stack's, shifted so its window sits where the test needs it). */
    now: stack.time.now,
    async stop() {
      offEnded();
      offAppend();
      clearInterval(resendTimer);
      await pumping.catch(() => undefined);
      relay.stop();
      for (const topic of [topics.status, topics.schedule, topics.health])
        await client.publishAsync(topic, '', { qos: 1, retain: true });
      await client.endAsync();
      await stack.stop();
    },
  };
}

export type DeviceDouble = Awaited<ReturnType<typeof startDeviceDouble>>;
