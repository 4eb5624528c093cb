/**
 * Issue 13, item 8: a signed command is acted on once within its lifetime, also across a restart.
 * The device runs on a real mosquitto; the second device process is a new HealthService on the same
 * state directory, as after a reboot. Also the store of seen ids alone: expired ids are forgotten,
 * and a file that cannot be read refuses every command until any it held has expired.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  COMMAND_SKEW_MS,
  CommandRegistry,
  MAX_COMMAND_LIFETIME_MS,
  SEEN_COMMANDS_FILE,
  SeenCommands,
  signCommand,
} from '../../src/health/commands.ts';
import { healthConfigSchema, mqttConfigSchema } from '../../src/health/config.ts';
import { HealthService } from '../../src/health/service.ts';
import { FsStore } from '../../src/platform/fsStore.ts';
import { sha256Hex } from '../../src/platform/system.ts';
import { systemTime } from '../../src/platform/time.ts';
import { AuditLog } from '../../src/policy/index.ts';
import { FakeAccess } from '../fixtures/access.ts';
import { type Broker, startMosquitto } from '../support/mosquitto.ts';
import { type Centre, startCentre } from './fixtures/centre.ts';

const DEVICE = 'dev-replay';
let broker: Broker;
let keys: Awaited<ReturnType<typeof generateKeyPair>>;
let dir: string;

beforeAll(async () => {
  broker = await startMosquitto();
  keys = await generateKeyPair('EdDSA');
  dir = await mkdtemp(join(tmpdir(), 'nattsyn-replay-'));
});
afterAll(async () => {
  await broker.dispose();
  await rm(dir, { recursive: true, force: true });
});

/** One boot of the device on the shared state directory, counting the pings it runs. */
async function boot(): Promise<{ service: HealthService; runs: () => number }> {
  const store = new FsStore(dir);
  const audit = new AuditLog({ store, sha256: sha256Hex, time: systemTime });
  await audit.open();
  let runs = 0;
  const commands = new CommandRegistry();
  commands.register('ping', async () => ({ pong: true, run: ++runs }));
  const service = new HealthService({
    deviceId: DEVICE,
    softwareVersion: '0.1.0-test',
    mqtt: mqttConfigSchema.parse({ url: broker.url, backoff: { initialMs: 100, maxMs: 400 } }),
    health: healthConfigSchema.parse({}),
    store,
    stateDir: dir,
    audit,
    access: new FakeAccess({ deviceId: DEVICE, policyKey: keys.publicKey, audit }),
    policyKey: keys.publicKey,
    assumeClockSynced: true,
    commands,
  });
  await service.start();
  return { service, runs: () => runs };
}

const answers = (c: Centre) =>
  c.messages.filter((m) => m.topic === `nattsyn/v1/${DEVICE}/cmd/ping/res`).map((m) => JSON.parse(m.text));

describe('a signed command replayed after a restart', () => {
  it('is_refused_as_cmd_replayed_and_never_runs_again', async () => {
    const centre = await startCentre(broker.url);
    const online = (n: number) =>
      centre.waitFor(
        (m) =>
          m.filter((x) => x.topic === `nattsyn/v1/${DEVICE}/status` && x.text.includes('online')).length >= n,
      );
    const command = await signCommand(
      {
        deviceId: DEVICE,
        name: 'ping',
        id: 'ping-once-0001',
        issuedAt: new Date().toISOString(),
        expiry: new Date(Date.now() + 5 * 60_000).toISOString(),
      },
      keys.privateKey,
    );
    try {
      const first = await boot();
      await online(1);
      await centre.client.publishAsync(`nattsyn/v1/${DEVICE}/cmd/ping`, command, { qos: 1 });
      await centre.waitFor(() => answers(centre).length === 1);
      expect(first.runs()).toBe(1);
      await first.service.stop();

      const second = await boot();
      await online(2);
      await centre.client.publishAsync(`nattsyn/v1/${DEVICE}/cmd/ping`, command, { qos: 1 });
      await centre.waitFor(() => answers(centre).length === 2);
      expect(answers(centre).map((a) => [a.id, a.ok, a.code])).toEqual([
        ['ping-once-0001', true, undefined],
        ['ping-once-0001', false, 'cmd_replayed'],
      ]);
      expect(second.runs()).toBe(0);
      await second.service.stop();
    } finally {
      await centre.stop();
    }
  });
});

describe('the store of seen command ids', () => {
  const NOW = Date.parse('2026-11-23T01:00:00Z');

  it('forgets_ids_once_their_commands_have_expired', async () => {
    const store = new FsStore(await mkdtemp(join(dir, 'seen-')));
    const seen = new SeenCommands(store);
    await seen.remember('a-0001', NOW + 60_000, NOW);
    await seen.remember('b-0002', NOW + 600_000, NOW + 61_000);
    const again = new SeenCommands(store);
    expect(await again.has('a-0001', NOW + 61_000)).toBe(false);
    expect(await again.has('b-0002', NOW + 61_000)).toBe(true);
    expect(Object.keys(JSON.parse((await store.read(SEEN_COMMANDS_FILE))!))).toEqual(['b-0002']);
  });

  it('counts_every_id_as_seen_while_the_file_is_unreadable_then_starts_afresh', async () => {
    const folder = await mkdtemp(join(dir, 'seen-'));
    await writeFile(join(folder, SEEN_COMMANDS_FILE), '{"torn');
    const seen = new SeenCommands(new FsStore(folder));
    expect(await seen.has('new-0001', NOW)).toBe(true);
    expect(await seen.has('new-0001', NOW + MAX_COMMAND_LIFETIME_MS + COMMAND_SKEW_MS - 1)).toBe(true);
    expect(await seen.has('new-0001', NOW + MAX_COMMAND_LIFETIME_MS + COMMAND_SKEW_MS)).toBe(false);
    await seen.remember('new-0001', NOW + 2 * MAX_COMMAND_LIFETIME_MS, NOW + MAX_COMMAND_LIFETIME_MS);
    expect(JSON.parse(await readFile(join(folder, SEEN_COMMANDS_FILE), 'utf8'))).toEqual({
      'new-0001': NOW + 2 * MAX_COMMAND_LIFETIME_MS,
    });
  });
});
