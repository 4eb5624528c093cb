/**
 * A real device behind the centre's relay: the service as startService runs it (synthetic camera,
 * its own listener off, the relay pinning the centre's relay key) and the centre from its
 * composition root, on a real mosquitto. A werift viewer looks through the centre's HTTP alone; the
 * device decides and audits every request, and refuses what the centre did not sign.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { exportSPKI, importPKCS8 } from 'jose';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ISSUER, prepareDemoState } from '../../src/cli/demoState.ts';
import { configSchema, loadConfig } from '../../src/config.ts';
import { silentLogger } from '../../src/log.ts';
import { type RunningService, startService } from '../../src/main.ts';
import { epochMillis } from '../../src/platform/time.ts';
import { mintStaffToken } from '../../src/policy/index.ts';
import { deviceTopics } from '../../src/protocol/index.ts';
import { type RelayLab, startRelayLab } from '../centre/relayHarness.ts';
import { viewerPeer } from '../fixtures/stream/viewerPeer.ts';

const run = promisify(execFile);

let lab: RelayLab;
let stateDir: string;
let service: RunningService;
let deviceId: string;
let issuerKey: CryptoKey;

const token = (o: { staffId?: string; deviceId?: string; ttlSeconds?: number } = {}) =>
  mintStaffToken(
    {
      issuer: DEMO_ISSUER,
      deviceId: o.deviceId ?? deviceId,
      staffId: o.staffId ?? 'nurse-relay',
      scope: 'view',
      ttlSeconds: o.ttlSeconds ?? 600,
      tokenId: crypto.randomUUID(),
      now: epochMillis(Date.now()),
    },
    issuerKey,
  );

beforeAll(async () => {
  // TURN is proven in the network lab (test/netns); here both peers meet on loopback.
  lab = await startRelayLab({ turn: undefined, relay: { signingKey: 'relay.key', timeoutMs: 8000 } });
  stateDir = await mkdtemp(join(tmpdir(), 'nattsyn-relay-e2e-'));
  const demo = await prepareDemoState(stateDir, new Date(), {
    stream: { listen: 'off', deviceLabel: 'Rum 7', ice: { hostAddresses: ['127.0.0.1'] } },
    mqtt: { url: lab.broker.url },
    relay: { centreKeys: ['keys/centre-relay.pub'], rateLimitPerMinute: 12 },
    camera: { driver: 'synthetic' },
    log: { level: 'silent' },
  });
  deviceId = demo.deviceId;
  issuerKey = (await importPKCS8(
    await readFile(join(stateDir, 'keys/issuer.key'), 'utf8'),
    'EdDSA',
  )) as CryptoKey;
  await writeFile(join(stateDir, 'keys/centre-relay.pub'), await exportSPKI(lab.centrePublicKey));
  service = await startService(await loadConfig(demo.configFile, configSchema), silentLogger);
  expect(service.access.policy?.body.version).toBe(1);
  await service.streaming.scheduler.evaluate();
  await until(() => lab.centre.broker.presence(deviceId) === 'online');
}, 60_000);

afterAll(async () => {
  await service?.stop();
  await lab?.dispose();
  await rm(stateDir, { recursive: true, force: true });
});

const centre = (path: string, init: RequestInit = {}) => fetch(`${lab.centre.url}${path}`, init);

describe('a device with its own listener off', () => {
  it('listens_on_no_tcp_port_of_its_own', async () => {
    expect(service.url).toBeUndefined();
    const { stdout } = await run('ss', ['-ltnpH']);
    const ours = stdout.split('\n').filter((l) => l.includes(`pid=${process.pid},`));
    // The only listener in this process is the centre's own HTTP port (the test runs both).
    expect(ours.map((l) => l.split(/\s+/)[3]!.split(':').pop())).toEqual([new URL(lab.centre.url).port]);
  });

  it('shows_the_viewer_its_window_state_through_the_centre', async () => {
    const res = await centre(`/d/${deviceId}/api/state`, {
      headers: { Authorization: `Bearer ${await token()}` },
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { deviceLabel: string; open: unknown; iceServers?: unknown[] };
    expect(body.deviceLabel).toBe('Rum 7');
    expect(body.open).not.toBeNull();
    expect(body.iceServers).toBeUndefined();
  });

  it('streams_to_a_viewer_through_the_relay_and_audits_the_look_as_relayed', async () => {
    const bearer = await token();
    const viewer = await viewerPeer();
    const res = await centre(`/d/${deviceId}/whep`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/sdp', Authorization: `Bearer ${bearer}` },
      body: viewer.offer,
    });
    expect(res.status).toBe(201);
    const location = res.headers.get('location')!;
    expect(location).toMatch(new RegExp(`^/d/${deviceId}/whep/`));
    const answer = await res.text();
    expect(answer).toMatch(/a=sendonly/);
    await viewer.accept(answer);
    await until(() => viewer.received.length > 20, 15_000);
    const status = await centre(location, {
      method: 'DELETE',
      headers: { Authorization: `Bearer ${bearer}` },
    });
    expect(status.status).toBe(200);
    await viewer.close();
    const records = await service.audit.readAfter(0, 10_000);
    const grant = records.find((r) => r.type === 'grant' && r.actor === 'nurse-relay');
    expect(grant?.detail).toMatchObject({ transport: 'relay', remote: 'centre' });
    expect(records.find((r) => r.type === 'session_end' && r.sessionId === grant?.sessionId)?.code).toBe(
      'closed_by_viewer',
    );
  });

  it('refuses_and_audits_a_token_for_another_device_and_an_expired_one', async () => {
    const viewer = await viewerPeer();
    const offer = (bearer: string) =>
      centre(`/d/${deviceId}/whep`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/sdp', Authorization: `Bearer ${bearer}` },
        body: viewer.offer,
      });
    const other = await offer(await token({ deviceId: 'dev-other-0001', staffId: 'nurse-other' }));
    expect(other.status).toBe(403);
    expect(other.headers.get('link')).toBeNull();
    const expired = await mintStaffToken(
      {
        issuer: DEMO_ISSUER,
        deviceId,
        staffId: 'nurse-late',
        scope: 'view',
        ttlSeconds: 60,
        tokenId: crypto.randomUUID(),
        now: epochMillis(Date.now() - 3_600_000),
      },
      issuerKey,
    );
    const late = await offer(expired);
    expect(late.status).toBe(401);
    expect(late.headers.get('link')).toBeNull();
    await viewer.close();
    const denials = (await service.audit.readAfter(0, 10_000)).filter((r) => r.type === 'deny');
    expect(denials.map((r) => [r.code, r.detail?.transport])).toEqual(
      expect.arrayContaining([
        ['wrong_device', 'relay'],
        ['token_expired', 'relay'],
      ]),
    );
  });

  it('refuses_and_audits_a_request_published_by_a_client_other_than_the_centre', async () => {
    const rogue = await mqtt.connectAsync(lab.broker.url, { protocolVersion: 5, clientId: 'rogue-e2e' });
    const topics = deviceTopics(deviceId);
    await rogue.publishAsync(topics.whepRequest, 'eyJhbGciOiJub25lIn0.e30.', {
      qos: 1,
      properties: {
        responseTopic: topics.whepResponse('rogue-e2e'),
        correlationData: Buffer.from('R'.repeat(24)),
        messageExpiryInterval: 5,
      },
    });
    await until(async () =>
      (await service.audit.readAfter(0, 10_000)).some(
        (r) => r.type === 'deny' && r.code === 'relay_unsigned',
      ),
    );
    await rogue.endAsync();
  });

  it('limits_relayed_requests_per_staff_subject', async () => {
    const bearer = await token({ staffId: 'nurse-busy' });
    const statuses: number[] = [];
    for (let i = 0; i < 14; i += 1) {
      const res = await centre(`/d/${deviceId}/api/state`, {
        headers: { Authorization: `Bearer ${bearer}` },
      });
      statuses.push(res.status);
    }
    expect(statuses.slice(0, 12).every((s) => s === 200)).toBe(true);
    expect(statuses.slice(12)).toEqual([429, 429]);
    const calm = await centre(`/d/${deviceId}/api/state`, {
      headers: { Authorization: `Bearer ${await token({ staffId: 'nurse-calm' })}` },
    });
    expect(calm.status).toBe(200);
  });

  it('publishes_its_schedule_retained_for_the_round', async () => {
    const watcher = await mqtt.connectAsync(lab.broker.url, { protocolVersion: 5, clientId: 'watch-e2e' });
    const got = new Promise<string>((resolve) => watcher.once('message', (_t, p) => resolve(p.toString())));
    await watcher.subscribeAsync(deviceTopics(deviceId).schedule, { qos: 1 });
    const schedule = JSON.parse(await got) as { windows: { id: string }[]; timeZone: string };
    expect(schedule.timeZone).toBe('Europe/Stockholm');
    expect(schedule.windows.map((w) => w.id)).toContain('demo-now');
    await watcher.endAsync();
  });
});

async function until(predicate: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}
