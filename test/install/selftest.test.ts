import { createPublicKey } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AccessUnit, CameraSource, CameraStatus } from '../../src/camera/types.ts';
import { selftestReportSchema } from '../../src/install/brokerSession.ts';
import { buildSelftestChecks } from '../../src/install/checks.ts';
import { cameraCheck, gpioCheck, type IlluminatorProbe, irCheck } from '../../src/install/probes.ts';
import type { RunProcess } from '../../src/install/process.ts';
import { runSelftestChecks, type SelftestCheck, selftestCommandHandler } from '../../src/install/selftest.ts';
import { runSelftest, type SelftestIo } from '../../src/install/selftestRuns.ts';
import {
  configProblemOf,
  diskCheck,
  policyCheck,
  serviceCheck,
  storedPolicy,
} from '../../src/install/systemProbes.ts';
import { selftestVerb } from '../../src/install/verbs.ts';
import { type EpochMillis, signPolicy, verifyPolicy } from '../../src/policy/index.ts';
import { accessUnit } from '../fixtures/h264.ts';
import { ManualTime } from '../fixtures/time.ts';
import { ed25519 } from './pki.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'nattsyn-selftest-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const check = (id: string, ok: boolean | Error): SelftestCheck => ({
  id,
  title: `Check ${id}`,
  fix: `fix ${id}`,
  run: async () => {
    if (ok instanceof Error) throw ok;
    return { ok, detail: `${id} measured` };
  },
});

function io(
  checks: SelftestCheck[],
  opened: string[] = [],
): SelftestIo & { printed: string[]; errors: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    printed: out,
    errors: err,
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    checks: async () => ({ deviceId: 'AAAA-BBBB-CCCC', checks }),
    now: () => new Date('2026-11-23T13:00:00Z'),
    monotonic: () => 0,
    openAimingWindow: async () => {
      opened.push('selftest');
      return Date.parse('2026-11-23T13:10:00Z') as EpochMillis;
    },
  };
}

/** A camera behind the CameraSource contract that emits the given frames when started. */
function fakeCamera(
  frames: AccessUnit[],
  driver = 'fake',
): CameraSource & { started: number; stopped: number } {
  const listeners = new Set<(au: AccessUnit) => void>();
  const status: CameraStatus = {
    state: 'stopped',
    driver,
    fps: 0,
    lastFrameAgeMs: undefined,
    restarts: 0,
  };
  return {
    started: 0,
    stopped: 0,
    async start() {
      this.started++;
      for (const au of frames) for (const l of listeners) l(au);
    },
    async stop() {
      this.stopped++;
    },
    status: () => status,
    onAccessUnit(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    onStatus: () => () => {},
  };
}
const au = (keyframe: boolean): AccessUnit => accessUnit(new Uint8Array(4), { keyframe });

describe('nattsyn selftest', () => {
  it('prints each check, a fix under each failure, and exits 1 when one failed', async () => {
    const t = io([check('camera', true), check('clock', false), check('disk', new Error('statfs failed'))]);
    expect(await runSelftest([], t)).toBe(1);
    const text = t.printed.join('');
    expect(text).toMatch(/ok {2}\s+Check camera\s+camera measured/);
    expect(text).toMatch(/FAIL\s+Check clock\s+clock measured\n\s+fix: fix clock/);
    expect(text).toMatch(/FAIL\s+Check disk\s+statfs failed\n\s+fix: fix disk/);
    expect(text).toContain('2 of 3 checks failed.');
    expect(text).not.toContain('fix: fix camera');
  });

  it('exits 0 when every check passed, and reopens the aiming window', async () => {
    const opened: string[] = [];
    expect(await runSelftest([], io([check('camera', true)], opened))).toBe(0);
    expect(opened).toEqual(['selftest']);
  });

  it('prints the report as JSON with --json', async () => {
    const t = io([check('camera', true), check('clock', false)]);
    expect(await runSelftest(['--json'], t)).toBe(1);
    const report = selftestReportSchema.parse(JSON.parse(t.printed.join('')));
    expect(report).toMatchObject({ ok: false, deviceId: 'AAAA-BBBB-CCCC' });
    expect(report.checks[1]).toMatchObject({ id: 'clock', ok: false, fix: 'fix clock' });
  });

  it('exits 2 on an unknown flag and prints help with --help', async () => {
    const t = io([]);
    expect(await runSelftest(['--bogus'], t)).toBe(2);
    expect(t.errors.join('')).toMatch(/bogus/);
    expect(await runSelftest(['--help'], t)).toBe(0);
    expect(t.printed.join('')).toMatch(/^Usage: nattsyn selftest/);
  });

  it('fails a check that does not answer in time', async () => {
    let fire = () => {};
    const hanging: SelftestCheck = {
      id: 'broker',
      title: 'Broker',
      fix: 'f',
      run: () => new Promise(() => {}),
    };
    const running = runSelftestChecks([hanging], undefined, {
      now: () => new Date(0),
      monotonic: () => 0,
      timeoutMs: 5000,
      setTimeout: (fn) => {
        fire = fn;
        return 1;
      },
      clearTimeout: () => {},
    });
    fire();
    expect((await running).checks[0]).toMatchObject({ ok: false, detail: 'no answer within 5 s' });
  });

  it('answers the cmd/selftest command with the report', async () => {
    const handler = selftestCommandHandler(() => runSelftestChecks([check('a', true)], 'X', io([])));
    expect(await handler({})).toEqual({
      ok: true,
      at: '2026-11-23T13:00:00.000Z',
      failed: '',
      a: true,
      'a.detail': 'a measured',
    });
    const failing = selftestCommandHandler(() =>
      runSelftestChecks([check('a', true), check('b', false)], 'X', io([])),
    );
    expect(await failing({})).toMatchObject({ ok: false, failed: 'b', b: false });
  });
});

describe('self-test probes', () => {
  it('passes the camera once it delivered frames with a keyframe, and stops it', async () => {
    const camera = fakeCamera([au(true), au(false), au(false)]);
    expect(await cameraCheck(camera, { frames: 3 }).run()).toMatchObject({ ok: true });
    expect(camera.stopped).toBe(1);
  });

  it('fails the demo driver even though it delivers frames, and says how to pick the real camera', async () => {
    const camera = fakeCamera([au(true), au(false), au(false)], 'synthetic');
    const result = await runSelftestChecks([cameraCheck(camera, { frames: 3 })], 'X', io([]));
    expect(result.ok).toBe(false);
    expect(result.checks[0]).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/synthetic.*fake room/),
    });
    expect(result.checks[0]?.fix).toMatch(/camera\.driver to "rpicam"/);
    expect(camera.started).toBe(0);
  });

  it('fails the camera when no keyframe arrives in time', async () => {
    const time = new ManualTime();
    const camera = fakeCamera([au(false), au(false), au(false)]);
    const running = cameraCheck(camera, { frames: 3, timeoutMs: 10_000, time }).run();
    await Promise.resolve();
    time.advance(10_000);
    expect(await running).toMatchObject({ ok: false, detail: '3 frames, 0 keyframes from fake' });
  });

  it('passes the IR illuminator only when it brightens the scene, and leaves it off', async () => {
    let on = false;
    const states: boolean[] = [];
    const probe = (rise: number) => ({
      setIlluminator: async (v: boolean) => {
        on = v;
        states.push(v);
      },
      sampleLuma: async () => (on ? 10 + rise : 10),
    });
    expect(await irCheck(probe(40)).run()).toMatchObject({
      ok: true,
      detail: 'brightness 10 → 50 (need +15)',
    });
    expect(await irCheck(probe(2)).run()).toMatchObject({ ok: false });
    expect(states.at(-1)).toBe(false);
  });

  it('finds the GPIO lines on the SoC chip and reports their offset sysfs numbers', async () => {
    const chip = async (name: string, label: string, base: number, ngpio: number) => {
      await mkdir(path.join(dir, name));
      await writeFile(path.join(dir, name, 'label'), `${label}\n`);
      await writeFile(path.join(dir, name, 'base'), `${base}\n`);
      await writeFile(path.join(dir, name, 'ngpio'), `${ngpio}\n`);
    };
    await chip('gpiochip512', 'pinctrl-bcm2711', 512, 58);
    await chip('gpiochip570', 'raspberrypi-exp-gpio', 570, 8);
    const ok = await gpioCheck([{ name: 'ir', bcm: 17 }], dir).run();
    expect(ok).toEqual({ ok: true, detail: 'ir BCM 17 → 529 (pinctrl-bcm2711)' });
    expect(await gpioCheck([{ name: 'led', bcm: 60 }], dir).run()).toMatchObject({ ok: false });
    expect(await gpioCheck([{ name: 'ir', bcm: 17 }], path.join(dir, 'none')).run()).toMatchObject({
      ok: false,
    });
  });

  it('measures free disk space for real', async () => {
    expect(await diskCheck(dir, 1).run()).toMatchObject({ ok: true });
    expect(await diskCheck(dir, Number.MAX_SAFE_INTEGER).run()).toMatchObject({ ok: false });
  });

  it('asks systemctl whether the service is active', async () => {
    const answer =
      (stdout: string, code: number): RunProcess =>
      async () => ({ code, stdout, stderr: '' });
    expect(await serviceCheck(answer('active\n', 0)).run()).toEqual({
      ok: true,
      detail: 'nattsyn.service is active',
    });
    expect(await serviceCheck(answer('failed\n', 3)).run()).toMatchObject({ ok: false });
    expect(await serviceCheck(answer('', 127)).run()).toMatchObject({
      detail: 'nattsyn.service is systemctl not found',
    });
  });

  it('checks that the policy in force verifies for this device', async () => {
    const key = ed25519();
    const jws = await signPolicy(
      { deviceId: 'AAAA-BBBB-CCCC', version: 3, issuedAt: '2026-11-23T12:00:00Z' },
      key.privateKey,
    );
    const trust = (deviceId: string) => ({
      publicKey: createPublicKey(key.publicPem),
      deviceId,
      currentVersion: undefined,
    });
    const good = await verifyPolicy(jws, trust('AAAA-BBBB-CCCC'));
    const wrong = await verifyPolicy(jws, trust('ZZZZ-ZZZZ-ZZZZ'));
    expect(await policyCheck(async () => good).run()).toMatchObject({ ok: true, detail: /^version 3/ });
    expect(await policyCheck(async () => wrong).run()).toMatchObject({
      ok: false,
      detail: /policy_wrong_device/,
    });
    expect(await policyCheck(async () => undefined).run()).toMatchObject({ ok: false });
  });

  it('verifies the policy the service stored, afresh, for the CLI self-test', async () => {
    const key = ed25519();
    const jws = await signPolicy(
      { deviceId: 'AAAA-BBBB-CCCC', version: 2, issuedAt: '2026-11-23T12:00:00Z' },
      key.privateKey,
    );
    const files = new Map([['policy.jws', `${jws}\n`]]);
    const store = { read: async (name: string) => files.get(name) };
    const read = storedPolicy(store, createPublicKey(key.publicPem), 'AAAA-BBBB-CCCC');
    expect(await policyCheck(read).run()).toMatchObject({ ok: true, detail: /^version 2/ });
    files.clear();
    expect(await read()).toBeUndefined();
  });
});

describe('buildSelftestChecks', () => {
  it('lists registration first and the service check only outside the service', async () => {
    const { buildSelftestChecks } = await import('../../src/install/checks.ts');
    const wiring = {
      registration: undefined,
      camera: fakeCamera([]),
      gpioLines: [],
      isClockSynced: async () => true,
      policy: async () => undefined,
      stateDir: dir,
      run: (async () => ({ code: 0, stdout: 'active', stderr: '' })) as RunProcess,
      now: () => new Date(),
    };
    const cli = buildSelftestChecks({ ...wiring, includeServiceCheck: true }).map((c) => c.id);
    expect(cli).toEqual(['registration', 'camera', 'gpio', 'clock', 'broker', 'policy', 'disk', 'service']);
    const remote = buildSelftestChecks({ ...wiring, includeServiceCheck: false, illuminator: undefined });
    expect(remote.map((c) => c.id)).not.toContain('service');
  });
});

describe('cameraIlluminatorProbe', () => {
  it('samples a keyframe after auto-exposure settled, with the light off then on, and stops the camera', async () => {
    const { cameraIlluminatorProbe } = await import('../../src/install/illuminatorProbe.ts');
    let lit = false;
    const listeners = new Set<(au: AccessUnit) => void>();
    let frame = 0;
    let stops = 0;
    const emit = (n: number) => {
      for (let i = 0; i < n; i++)
        for (const l of [...listeners])
          l({ ...au(frame % 5 === 0), pts90k: frame++, captureTime: lit ? 1 : 0 });
    };
    const camera: CameraSource = {
      ...fakeCamera([]),
      onAccessUnit(l) {
        listeners.add(l);
        return () => listeners.delete(l);
      },
      start: async () => {},
      stop: async () => {
        stops++;
      },
    };
    const sampled: number[] = [];
    const probe = cameraIlluminatorProbe({
      camera,
      settleFrames: 6,
      setIlluminator: async (on) => {
        lit = on;
      },
      lumaOf: async (keyframe) => {
        sampled.push(keyframe.pts90k);
        return keyframe.captureTime === 1 ? 80 : 10;
      },
    });
    const running = irCheck(probe).run();
    await vi.waitFor(() => expect(listeners.size).toBe(1));
    emit(12);
    await vi.waitFor(() => expect(sampled).toHaveLength(1));
    // The light is on only after the first sample unsubscribed; then the second one subscribes.
    await vi.waitFor(() => expect(lit && listeners.size === 1).toBe(true));
    emit(12);
    expect(await running).toEqual({ ok: true, detail: 'brightness 10 → 80 (need +15)' });
    expect(sampled[0]).toBe(10);
    expect(stops).toBe(1);
    expect(lit).toBe(false);
  });
});

describe('checks that measure through another (issue 9, item 14)', () => {
  const wiring = (camera: CameraSource, illuminator: IlluminatorProbe) => ({
    registration: undefined,
    camera,
    illuminator,
    gpioLines: [],
    gpioSysfsRoot: dir,
    isClockSynced: async () => true,
    policy: async () => undefined,
    stateDir: dir,
    run: (async () => ({ code: 0, stdout: 'active', stderr: '' })) as RunProcess,
    now: () => new Date(),
    includeServiceCheck: false,
  });

  it('reports the IR check as skipped with the reason when the camera check fails, and never switches the light', async () => {
    const switched: boolean[] = [];
    const illuminator: IlluminatorProbe = {
      setIlluminator: async (on) => {
        switched.push(on);
      },
      sampleLuma: async () => 10,
    };
    const checks = buildSelftestChecks(wiring(fakeCamera([], 'synthetic'), illuminator));
    const t = io(checks);
    expect(await runSelftest(['--json'], t)).toBe(1);
    const report = selftestReportSchema.parse(JSON.parse(t.printed.join('')));
    expect(report.checks.find((c) => c.id === 'camera')).toMatchObject({ ok: false });
    expect(report.checks.find((c) => c.id === 'ir')).toEqual({
      id: 'ir',
      title: 'IR illuminator lights a dark scene',
      ok: false,
      skipped: true,
      detail: 'skipped: "Camera present and delivering frames" failed, so this could not be measured',
      fix: 'fix "Camera present and delivering frames" first, then run the self-test again',
      durationMs: 0,
    });
    expect(switched).toEqual([]);
    const text = io(checks);
    await runSelftest([], text);
    expect(text.printed.join('')).toMatch(/SKIP {2}IR illuminator lights a dark scene\s+skipped: "Camera/);
    expect(text.printed.join('')).toMatch(/ checks failed, 1 skipped\.\n/);
    const flat = await selftestCommandHandler(() => runSelftestChecks(checks, 'X', io([])))({});
    expect(flat).toMatchObject({ ok: false, skipped: 'ir', ir: false });
    expect(String(flat.failed).split(',')).not.toContain('ir');
  });

  it('still runs the IR check when the camera passed', async () => {
    let on = false;
    const illuminator: IlluminatorProbe = {
      setIlluminator: async (v) => {
        on = v;
      },
      sampleLuma: async () => (on ? 60 : 10),
    };
    const checks = buildSelftestChecks(
      wiring(fakeCamera([au(true), ...Array(9).fill(au(false))]), illuminator),
    );
    const report = await runSelftestChecks(checks, 'X', io([]));
    expect(report.checks.find((c) => c.id === 'ir')).toMatchObject({
      ok: true,
      detail: 'brightness 10 → 60 (need +15)',
    });
    expect(report.checks.find((c) => c.id === 'ir')).not.toHaveProperty('skipped');
  });

  it('names a missing config file as such, and skips the checks that would read their settings from it', async () => {
    const missing = path.join(dir, 'etc', 'config.json');
    const camera = fakeCamera([au(true)]);
    const verb = selftestVerb(async () => ({ camera, gpioLines: [{ name: 'IR illuminator', bcm: 17 }] }));
    const out: string[] = [];
    const code = await verb(['--config', missing, '--json'], {
      out: (t) => out.push(t),
      err: (t) => out.push(t),
    });
    expect(code).toBe(1);
    const report = selftestReportSchema.parse(JSON.parse(out.join('')));
    expect(report.checks[0]).toMatchObject({ id: 'config', ok: false, detail: `${missing} does not exist` });
    expect(report.checks[0]!.fix).toMatch(/nattsyn register/);
    for (const id of ['camera', 'gpio'])
      expect(report.checks.find((c) => c.id === id)).toMatchObject({
        skipped: true,
        detail: /"Config file present" failed/,
      });
    expect(camera.started).toBe(0);
  });

  it('finds nothing wrong with a readable JSON config, and names one that is not JSON', async () => {
    const file = path.join(dir, 'config.json');
    await writeFile(file, '{"deviceId": "AAAA-BBBB-CCCC"}\n');
    expect(await configProblemOf(file)).toBeUndefined();
    await writeFile(file, '{ not json');
    expect(await configProblemOf(file)).toBe(`${file} is not valid JSON`);
  });
});
