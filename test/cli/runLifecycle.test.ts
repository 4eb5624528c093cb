/**
 * `nattsyn run` started and stopped as systemd does it, in its own process against a real
 * mosquitto: a start on a read-only state directory (a real read-only mount) never leaves a zombie
 * behind (issue 9, item 2), and SIGTERM with an inbound backlog ends the process within the bound
 * with every live session's end in the audit log (item 11).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FsStore } from '../../src/platform/fsStore.ts';
import { sha256Hex } from '../../src/platform/system.ts';
import { AuditLog, signPolicy, verifyAuditLog } from '../../src/policy/index.ts';
import { offerFixture, post } from '../fixtures/stream/http.ts';
import { type Centre, startCentre } from '../health/fixtures/centre.ts';
import { type Broker, startMosquitto } from '../support/mosquitto.ts';
import { prepareServiceState, type ServiceProcess, spawnService } from '../support/serviceProcess.ts';

let broker: Broker;
let centre: Centre;
beforeAll(async () => {
  broker = await startMosquitto();
  centre = await startCentre(broker.url);
});
afterAll(async () => {
  await centre?.stop();
  await broker?.dispose();
});

const dirs: string[] = [];
const services: ServiceProcess[] = [];
afterEach(async () => {
  for (const s of services.splice(0)) s.kill();
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function stateDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'nattsyn-run-'));
  dirs.push(dir);
  return dir;
}

describe('nattsyn run on a read-only state directory (issue 9, item 2)', () => {
  it('starts_denies_every_look_with_audit_unavailable_and_reports_to_the_centre', async () => {
    if (process.getuid?.() !== 0)
      throw new Error('this test mounts a read-only state directory: run as root');
    const state = await prepareServiceState(await stateDir(), broker.url);
    const service = spawnService(state, { readOnlyState: true });
    services.push(service);
    const outcome = await Promise.race([
      service.exited.then((code) => ({ exited: code, started: undefined })),
      service
        .log('nattsyn started', 20_000)
        .then((line) => ({ exited: undefined, started: String(line.url) })),
    ]);
    // Not a zombie and not a crash: the service runs, fails closed, and the centre hears of it.
    expect(outcome, service.stderr().slice(-600)).toMatchObject({ exited: undefined });
    // Started: every request is refused because it cannot be audited, and the centre hears of it.
    const refused = await post(outcome.started!, offerFixture('chromium-video'), state.token);
    expect(refused.res.status).toBe(503);
    expect(refused.json().code).toBe('audit_unavailable');
    const base = `nattsyn/v1/${state.deviceId}`;
    await centre.waitFor((m) => m.some((x) => x.topic === `${base}/status` && x.text.includes('"online"')));
    await centre.waitFor((m) =>
      m.some((x) => x.topic === `${base}/health` && x.text.includes('audit_unwritable')),
    );
    service.proc.kill('SIGTERM');
    expect(await service.exited).toBe(0);
  }, 60_000);
});

describe('nattsyn run stopped by SIGTERM (issue 9, item 11)', () => {
  it('stops_within_the_bound_with_an_inbound_backlog_and_audits_every_live_session_end', async () => {
    const dir = await stateDir();
    const state = await prepareServiceState(dir, broker.url);
    const service = spawnService(state);
    services.push(service);
    const url = String((await service.log('nattsyn started')).url);
    const base = `nattsyn/v1/${state.deviceId}`;
    await centre.waitFor((m) => m.some((x) => x.topic === `${base}/status` && x.text.includes('"online"')));
    const granted = await post(url, offerFixture('chromium-video'), state.token);
    expect(granted.res.status).toBe(201);
    const sessionId = granted.res.headers.get('location')!.split('/').pop()!;

    // A backlog of signed policies the device works through one at a time (each audited, stored, evented).
    const body = JSON.parse(Buffer.from(state.policyJws.split('.')[1]!, 'base64url').toString('utf8'));
    const backlog = await Promise.all(
      Array.from({ length: BACKLOG }, (_, i) => signPolicy({ ...body, version: i + 2 }, state.policyKey)),
    );
    for (const jws of backlog) centre.client.publish(`${base}/policy`, jws, { qos: 1 });
    await centre.waitFor((m) =>
      m.some((x) => x.topic === `${base}/event` && x.text.includes('policy_updated')),
    );

    const sent = Date.now();
    service.proc.kill('SIGTERM');
    expect(await service.exited).toBe(0);
    const tookMs = Date.now() - sent;
    expect(tookMs).toBeLessThan(10_000); // systemd kills at TimeoutStopSec=15s
    // The backlog was really there at SIGTERM: the device had not worked through it (waiting
    // policies coalesce into the newest, so what is left is dropped or never begun).
    const updated = centre.messages.filter(
      (m) => m.topic === `${base}/event` && m.text.includes('policy_updated'),
    );
    expect(updated.length).toBeLessThan(BACKLOG);
    const store = new FsStore(dir);
    const audit = new AuditLog({ store, sha256: sha256Hex, time: { now: () => Date.now() as never } });
    await audit.open();
    const records = await audit.readAfter(0, 100_000);
    expect(records.filter((r) => r.type === 'session_end' && r.sessionId === sessionId)).toMatchObject([
      { code: 'shutdown' },
    ]);
    expect(await verifyAuditLog(store, sha256Hex)).toMatchObject({ ok: true });
    console.info(`SIGTERM to exit: ${tookMs} ms with ${BACKLOG} policies queued`);
  }, 90_000);
});

/** About 25 s of work on a 2-core machine (each policy is verified, audited, stored and evented). */
const BACKLOG = 4000;
