import { generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signCommand } from '../../src/health/commands.ts';
import { healthConfigSchema, mqttConfigSchema } from '../../src/health/config.ts';
import { HealthService } from '../../src/health/service.ts';
import { silentLogger } from '../../src/log.ts';
import { DEVICE, makeHarness } from '../access/harness.ts';
import { localHhmm, testStart } from '../fixtures/time.ts';
import { type Broker, startMosquitto } from '../support/mosquitto.ts';
import { type Centre, startCentre } from './fixtures/centre.ts';

let broker: Broker;
let centre: Centre;
beforeAll(async () => {
  broker = await startMosquitto();
  centre = await startCentre(broker.url);
});
afterAll(async () => {
  await centre.stop();
  await broker.dispose();
});

describe('health wired to the real access controller', () => {
  // Health runs on the harness's manual clock, and the window lies six hours after the test's start,
  // so no readiness check can fall inside its lead whatever the time of day the suite runs at.
  it('applies a policy from the centre, audits it, and does not refuse its retained copy on reconnect', async () => {
    const h = await makeHarness({ start: new Date(testStart()).toISOString() });
    const commandKeys = await generateKeyPair('EdDSA');
    const build = () =>
      new HealthService({
        deviceId: DEVICE,
        softwareVersion: '0.1.0-test',
        mqtt: mqttConfigSchema.parse({ url: broker.url, backoff: { initialMs: 100, maxMs: 400 } }),
        health: healthConfigSchema.parse({}),
        store: h.store,
        stateDir: h.dir,
        audit: h.audit,
        access: h.access,
        policyKey: commandKeys.publicKey,
        assumeClockSynced: true,
        time: h.time,
        log: silentLogger.child({ module: 'health' }),
      });
    const events = () =>
      centre.json(`${DEVICE}/event`) as Array<{ code: string; detail?: Record<string, unknown> }>;
    const first = build();
    await first.start();
    await centre.waitFor((m) =>
      m.some((x) => x.topic === `nattsyn/v1/${DEVICE}/status` && x.text.includes('online')),
    );
    const policy = await h.policy({
      version: 2,
      windows: [
        {
          id: 'night',
          start: localHhmm('Europe/Stockholm', h.time.wall + 6 * 3600_000),
          durationMinutes: 30,
          days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
        },
      ],
    });
    await centre.client.publishAsync(`nattsyn/v1/${DEVICE}/policy`, policy, { qos: 1, retain: true });
    await centre.waitFor(() => events().some((e) => e.code === 'policy_updated'));
    expect(h.access.windowState().policyVersion).toBe(2);
    await centre.waitFor((m) =>
      m.some((x) => x.topic.endsWith(`${DEVICE}/audit`) && x.text.includes('policy_applied')),
    );
    await first.stop();

    const second = build();
    await second.start();
    await centre.waitFor(
      (m) => m.filter((x) => x.topic.endsWith(`${DEVICE}/status`) && x.text.includes('online')).length >= 2,
    );
    // Inbound messages are handled in arrival order: once a later command is answered, the
    // retained policy delivered on subscribe has been handled too.
    const barrier = await signCommand(
      {
        deviceId: DEVICE,
        name: 'barrier',
        id: 'barrier-1',
        issuedAt: new Date(h.time.wall).toISOString(),
        expiry: new Date(h.time.wall + 60_000).toISOString(),
      },
      commandKeys.privateKey,
    );
    await centre.client.publishAsync(`nattsyn/v1/${DEVICE}/cmd/barrier`, barrier, { qos: 1 });
    await centre.waitFor((m) => m.some((x) => x.topic === `nattsyn/v1/${DEVICE}/cmd/barrier/res`));
    expect(events().map((e) => e.code)).toEqual(['policy_updated']);
    const health = centre.json(`${DEVICE}/health`).at(-1) as { policyVersion: number; nextWindow: unknown };
    expect(health.policyVersion).toBe(2);
    expect(health.nextWindow).not.toBeNull();
    await centre.client.publishAsync(`nattsyn/v1/${DEVICE}/policy`, '', { qos: 1, retain: true });
    await second.stop();
    await h.cleanup();
  });
});
