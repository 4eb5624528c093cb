/**
 * Fuzzing the relayed WHEP envelope (issue 13, item 15): whatever arrives on `whep/req` (garbage,
 * a stranger's signature, the centre's signature over near-valid requests, any MQTT 5 properties,
 * retained or not), the device relay never throws; it serves a request only when every check
 * passes and each id at most once; every refusal reaches the refusal recorder with a relay code;
 * and it answers only inside the device's own subtree, with a valid relay response.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.ts';
import { epochMillis, systemTime } from '../../src/platform/time.ts';
import {
  deviceTopics,
  RELAY_REFUSAL_CODES,
  RELAY_ROUTES,
  WHEP_RELAY_JWS_TYPE,
  whepRelayResponseSchema,
} from '../../src/protocol/index.ts';
import { DeviceRelay, errorAnswer, type RelayMessage } from '../../src/relay/deviceRelay.ts';
import { anyText, expectStableCode, runs, timed } from './budget.ts';
import { type KeyPair, keyPair, mostly, notJws, signRaw } from './signing.ts';

const DEVICE = 'dev-relay-1';
const INSTANCE = 'centre-1';
const NOW = Date.parse('2026-11-24T13:00:00Z');
const topics = deviceTopics(DEVICE);
const ID = fc.stringMatching(/^[A-Za-z0-9_-]{22,30}$/);

let centre: KeyPair;
let stranger: KeyPair;
let relay: DeviceRelay;
const served: string[] = [];
const refused: string[] = [];
const answers: { topic: string; payload: string }[] = [];

beforeAll(async () => {
  centre = await keyPair();
  stranger = await keyPair();
  relay = new DeviceRelay({
    deviceId: DEVICE,
    centreKeys: [centre.publicKey],
    serve: async (request) => {
      served.push(request.id);
      return errorAnswer(404, 'not_found', 'no such session');
    },
    publish: async (topic, payload) => {
      answers.push({ topic, payload });
    },
    refused: async (code) => {
      refused.push(code);
    },
    time: { now: () => epochMillis(NOW), timeout: systemTime.timeout },
    log: silentLogger,
  });
});
afterAll(() => relay.stop());

const request = (id: string) =>
  fc.record(
    {
      id: mostly(fc.constant(id), ID, anyText(30)),
      deviceId: mostly(fc.constant(DEVICE), fc.constant('dev-other-2')),
      instanceId: mostly(fc.constant(INSTANCE), fc.constant('centre-2')),
      issuedAt: mostly(
        fc.integer({ min: -5000, max: 5000 }).map((d) => NOW + d),
        fc.integer(),
        fc.constant(-1),
      ),
      route: mostly(fc.constantFrom(...RELAY_ROUTES), anyText(8)),
      sessionId: ID,
      contentType: fc.constantFrom('application/sdp', 'application/trickle-ice-sdpfrag'),
      body: anyText(300),
      token: anyText(100),
      iceServers: fc.array(
        fc.record({ urls: fc.array(fc.constantFrom('turn:198.51.100.1:3478', 'http://evil.example')) }),
      ),
      extra: fc.jsonValue(),
    },
    { requiredKeys: ['id', 'deviceId', 'instanceId', 'issuedAt', 'route', 'body'] },
  );

const message: fc.Arbitrary<RelayMessage> = ID.chain((id) =>
  fc.record({
    payload: fc
      .oneof(
        notJws,
        fc
          .record({
            body: request(id),
            own: mostly(fc.constant(true), fc.constant(false)),
            typ: mostly(fc.constant(WHEP_RELAY_JWS_TYPE), fc.constant('JWT')),
          })
          .map(({ body, own, typ }) =>
            signRaw(
              { alg: 'EdDSA', typ },
              JSON.stringify(body),
              own ? centre.privateKey : stranger.privateKey,
            ),
          ),
      )
      .map((text) => Buffer.from(text)),
    retained: mostly(fc.constant(false), fc.constant(true)) as fc.Arbitrary<boolean>,
    responseTopic: mostly(
      fc.constant(topics.whepResponse(INSTANCE)),
      fc.constantFrom(
        topics.whepResponse('x'),
        'nattsyn/v1/dev-other-2/whep/res/centre-1',
        `${topics.whepResponse('')}a/b`,
        undefined,
      ),
      anyText(60),
    ) as fc.Arbitrary<string | undefined>,
    correlationData: mostly(
      fc.constant(Buffer.from(id)),
      fc.uint8Array({ maxLength: 100 }).map((b) => Buffer.from(b)),
      fc.constant(undefined),
    ) as fc.Arbitrary<Buffer | undefined>,
    messageExpiryInterval: mostly(
      fc.integer({ min: 1, max: 10 }),
      fc.constantFrom(undefined, 0, 11, 3600),
    ) as fc.Arbitrary<number | undefined>,
  }),
);

describe('relayed WHEP envelopes under fuzzing', () => {
  it('are_served_once_when_every_check_passes_and_otherwise_refused_with_a_relay_code', async () => {
    await fc.assert(
      fc.asyncProperty(message, async (m) => {
        const [servedBefore, refusedBefore, answersBefore] = [served.length, refused.length, answers.length];
        await timed(() => relay.onMessage(m));
        const newlyServed = served.length - servedBefore;
        const newlyRefused = refused.slice(refusedBefore);
        expect(newlyServed + newlyRefused.length).toBe(1);
        for (const code of newlyRefused) expectStableCode(code, RELAY_REFUSAL_CODES);
        for (const a of answers.slice(answersBefore)) {
          expect(a.topic.startsWith(`${topics.base}/whep/res/`)).toBe(true);
          whepRelayResponseSchema.parse(JSON.parse(a.payload));
        }
        if (newlyServed === 1) {
          expect(m.retained).toBe(false);
          expect(m.responseTopic).toBe(topics.whepResponse(INSTANCE));
        }
        expect(new Set(served).size).toBe(served.length);
      }),
      runs('relay'),
    );
    expect(served.length, 'no relayed request got past its checks').toBeGreaterThan(0);
  });
});
