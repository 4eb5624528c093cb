/**
 * Fuzzing the config files (issue 13, item 15), the device's (src/config.ts) and the centre's
 * (src/centre/config.ts): valid files with keys deleted, replaced by any JSON or added, and file
 * text from anywhere. Each is either taken or refused as a usage error (exit 2) that lists every
 * problem as `<path>: <message>`; nothing else escapes, nothing takes long.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCentreConfig } from '../../src/centre/config.ts';
import { newKeyPair } from '../../src/cli/keys.ts';
import { configSchema, loadConfig, parseConfig } from '../../src/config.ts';
import { UsageError } from '../../src/errors.ts';
import { anyText, runs, timed } from './budget.ts';

const DEVICE_CONFIG = {
  deviceId: 'dev-fuzz-1',
  stateDir: 'state',
  policy: { publicKey: 'policy.pub' },
  tokens: { issuer: 'https://care.example', publicKeys: ['issuer.pub'], maxLifetimeSeconds: 3600 },
  clock: { assumeSynced: true },
  audit: { maxSegmentBytes: 65536, keepSegments: 4 },
  log: { level: 'warn' },
  camera: { driver: 'synthetic', fps: 15, gpio: { enabled: false } },
  stream: { port: 0, corsOrigins: ['https://centre.example'], iceServers: [{ urls: 'stun:192.0.2.1:3478' }] },
  mqtt: { url: 'mqtt://127.0.0.1:1883', keepaliveSeconds: 30 },
  health: { periodSeconds: 60 },
};
const CENTRE_CONFIG = {
  keyFile: 'centre.key',
  http: { port: 0, rateLimitPerMinute: 60 },
  mqtt: { url: 'mqtt://127.0.0.1:1883' },
  relay: { signingKey: 'relay.key', timeoutMs: 5000 },
  turn: { urls: ['turn:192.0.2.1:3478?transport=udp'], secretFile: 'turn.secret' },
};

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A deep copy of `base` with edits at paths chosen by index: delete, replace with any JSON, add a key. */
function mutated(base: Json) {
  const edit = fc.record({
    path: fc.array(fc.nat(), { minLength: 1, maxLength: 4 }),
    op: fc.constantFrom('delete', 'replace', 'add'),
    value: fc.jsonValue() as fc.Arbitrary<Json>,
    key: fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('__proto__', 'constructor', 'toString')),
  });
  return fc.array(edit, { maxLength: 5 }).map((edits) => {
    const root = structuredClone(base);
    for (const e of edits) {
      let node: Json = root;
      for (const [depth, step] of e.path.entries()) {
        if (node === null || typeof node !== 'object') break;
        const keys = Object.keys(node);
        if (keys.length === 0) break;
        const key = keys[step % keys.length]!;
        const container = node as Record<string, Json>;
        if (depth === e.path.length - 1 || container[key] === null || typeof container[key] !== 'object') {
          if (e.op === 'delete') delete container[key];
          else if (e.op === 'replace') container[key] = e.value;
          else
            Object.defineProperty(container, e.key, {
              value: e.value,
              enumerable: true,
              writable: true,
              configurable: true,
            });
          break;
        }
        node = container[key]!;
      }
    }
    return root;
  });
}

/** A usage error that says what is wrong, line by line, as `<path>: <message>`. */
function expectUsageError(error: unknown): void {
  expect(error).toBeInstanceOf(UsageError);
  const [first, ...problems] = (error as UsageError).message.split('\n');
  if (first === 'invalid configuration') {
    expect(problems.length).toBeGreaterThan(0);
    for (const line of problems) expect(line).toMatch(/^[^\s:][^\n]*: .+/);
  } else expect(first).toMatch(/^\S.*: .+/);
}

async function takenOrUsageError(f: () => unknown): Promise<boolean> {
  try {
    await f();
    return true;
  } catch (error) {
    expectUsageError(error);
    return false;
  }
}

describe('config files under fuzzing', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'nattsyn-fuzz-config-'));
    for (const name of ['policy', 'issuer'])
      await writeFile(path.join(dir, `${name}.pub`), (await newKeyPair()).publicPem);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('takes_a_device_config_or_lists_every_problem_as_a_usage_error', async () => {
    expect(parseConfig(configSchema, DEVICE_CONFIG).deviceId).toBe('dev-fuzz-1');
    let taken = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof({ weight: 5, arbitrary: mutated(DEVICE_CONFIG) }, fc.jsonValue()),
        async (raw) => {
          if (await timed(() => takenOrUsageError(() => parseConfig(configSchema, raw)))) taken += 1;
        },
      ),
      { ...runs('config'), numRuns: runs('config').numRuns! - 200 },
    );
    expect(taken, 'no mutated config was taken').toBeGreaterThan(0);
  });

  it('reads_a_device_config_file_of_any_text_or_refuses_it_as_a_usage_error', async () => {
    const file = path.join(dir, 'config.json');
    const text = fc.oneof(
      mutated(DEVICE_CONFIG).map((c) => JSON.stringify(c)),
      anyText(400),
      fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b).toString('latin1')),
    );
    await fc.assert(
      fc.asyncProperty(text, async (t) => {
        await writeFile(file, t);
        await timed(() => takenOrUsageError(() => loadConfig(file, configSchema)), 1000);
      }),
      { ...runs('config'), numRuns: 200 },
    );
  });

  it('takes_a_centre_config_or_lists_every_problem_as_a_usage_error', async () => {
    const file = path.join(dir, 'centre.json');
    expect(parseCentreConfig(CENTRE_CONFIG, file).keyFile).toBe(path.join(dir, 'centre.key'));
    let taken = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof({ weight: 5, arbitrary: mutated(CENTRE_CONFIG) }, fc.jsonValue()),
        async (raw) => {
          if (await timed(() => takenOrUsageError(() => parseCentreConfig(raw, file)))) taken += 1;
        },
      ),
      runs('centreConfig'),
    );
    expect(taken, 'no mutated centre config was taken').toBeGreaterThan(0);
  });
});
