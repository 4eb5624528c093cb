/**
 * Fuzzing every inbound MQTT message the device acts on (issue 13, item 15): any topic under the
 * device's subtree, retained or not, with garbage, signed policies and signed commands (by the
 * pinned key or a stranger's). The handler never throws; every answer it publishes is a valid
 * command result with a stable code; a command runs only when answered `ok`, once per id; and a
 * refused message leaves the policy in force and the seen-command ids as they were.
 */
import { createPublicKey, KeyObject } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  COMMAND_JWS_TYPE,
  COMMAND_REJECT_CODES,
  CommandRegistry,
  SEEN_COMMANDS_FILE,
} from '../../src/health/commands.ts';
import type { EventSink } from '../../src/health/events.ts';
import { InboundHandler } from '../../src/health/inbound.ts';
import { commandResultPayloadSchema, topicsFor } from '../../src/health/payloads.ts';
import { POLICY_JWS_TYPE } from '../../src/policy/index.ts';
import { DEVICE, type Harness, makeHarness } from '../access/harness.ts';
import { anyText, expectStableCode, runs, timed } from './budget.ts';
import { type KeyPair, keyPair, mostly, notJws, signRaw } from './signing.ts';

let h: Harness;
let stranger: KeyPair;
let pinned: KeyObject;
let handler: InboundHandler;
const published: { topic: string; payload: string }[] = [];
let pings = 0;

beforeAll(async () => {
  h = await makeHarness({ start: '2026-11-24T13:00:00Z' });
  stranger = await keyPair();
  pinned = KeyObject.from(h.policyPrivateKey);
  const commands = new CommandRegistry();
  commands.register('ping', async () => ({ pong: true, run: ++pings }));
  const events: EventSink = { raise: async (code) => ({ code }) as never };
  handler = new InboundHandler({
    deviceId: DEVICE,
    link: {
      onMessage: () => () => undefined,
      publish: async (topic: string, payload: string | Buffer) => {
        published.push({ topic, payload: String(payload) });
      },
      topics: topicsFor(DEVICE),
    } as never,
    access: h.access,
    events,
    commands,
    commandKey: createPublicKey(pinned),
    audit: h.audit,
    store: h.store,
    time: h.time,
  });
});
afterAll(async () => {
  await h.access.stop();
  await h.cleanup();
});

const NOW = Date.parse('2026-11-24T13:00:00Z');
const commandBody = fc.record(
  {
    deviceId: mostly(fc.constant(DEVICE), fc.constant('dev-other-2')),
    name: mostly(fc.constant('ping'), fc.constantFrom('selftest', 'nope')),
    id: mostly(
      fc.constantFrom('cmd-00000001', 'cmd-00000002', 'cmd-00000003'),
      fc.stringMatching(/^[a-z0-9]{8,12}$/),
    ),
    issuedAt: mostly(fc.constant(new Date(NOW - 1000).toISOString()), anyText(20)),
    expiry: mostly(
      fc.constant(new Date(NOW + 300_000).toISOString()),
      fc.constant(new Date(NOW - 1).toISOString()),
    ),
  },
  { requiredKeys: ['deviceId', 'name', 'id', 'issuedAt', 'expiry'] },
);
const signed = (typ: string, body: fc.Arbitrary<unknown>) =>
  fc
    .record({
      body,
      typ: mostly(fc.constant(typ), fc.constantFrom(COMMAND_JWS_TYPE, POLICY_JWS_TYPE, 'JWT')),
      own: mostly(fc.constant(true), fc.constant(false)),
    })
    .map(({ body: b, typ: t, own }) =>
      signRaw({ alg: 'EdDSA', typ: t }, JSON.stringify(b), own ? pinned : stranger.privateKey),
    );
const message = fc.record({
  suffix: fc.oneof(
    fc.constantFrom(
      'policy',
      'cmd/ping',
      'cmd/selftest',
      'cmd/PING',
      'cmd/',
      'cmd/ping/res',
      'audit/ack',
      'audit/resend',
      'whep/req',
      'status',
    ),
    anyText(30),
  ),
  text: fc.oneof(notJws, signed(COMMAND_JWS_TYPE, commandBody), signed(POLICY_JWS_TYPE, fc.jsonValue())),
  retained: mostly(fc.constant(false), fc.constant(true)) as fc.Arbitrary<boolean>,
});

describe('inbound MQTT messages under fuzzing', () => {
  it('never_throw_answer_with_stable_codes_and_run_a_command_once_only_when_answered_ok', async () => {
    const ran = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(message, async ({ suffix, text, retained }) => {
        const before = {
          policy: h.access.policy?.body.version,
          seen: await h.store.read(SEEN_COMMANDS_FILE),
          pings,
        };
        const answered = published.length;
        await timed(() => handler.handle(suffix, text, retained), 1000);
        const answers = published
          .slice(answered)
          .map((p) => ({ topic: p.topic, body: commandResultPayloadSchema.parse(JSON.parse(p.payload)) }));
        expect(answers.length).toBeLessThanOrEqual(1);
        const answer = answers[0];
        if (answer) {
          expect(answer.topic).toBe(topicsFor(DEVICE).cmdResult(answer.body.name));
          if (!answer.body.ok) expectStableCode(answer.body.code, COMMAND_REJECT_CODES);
        }
        if (answer?.body.ok) {
          expect(pings).toBe(before.pings + 1);
          ran.set(answer.body.id!, (ran.get(answer.body.id!) ?? 0) + 1);
          expect(ran.get(answer.body.id!)).toBe(1);
        } else {
          // Refused (or not a command): nothing ran, and no command id was spent.
          expect(pings).toBe(before.pings);
          expect(await h.store.read(SEEN_COMMANDS_FILE)).toBe(before.seen);
        }
        if (suffix !== 'policy') expect(h.access.policy?.body.version).toBe(before.policy);
      }),
      runs('inbound'),
    );
    expect(pings, 'no command got past its checks').toBeGreaterThan(0);
  });
});
