/**
 * A controller over a real audit log in a temp dir, with a clock and timers the test drives. The
 * state folder is a real FsStore behind the fault injector (`store.failing.add('append')`), on the
 * real filesystem or a watched one (`fs`).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { generateKeyPair } from 'jose';
import { AccessController, type AccessControllerDeps } from '../../src/access/index.ts';
import { silentLogger } from '../../src/log.ts';
import { type FileSystem, FsStore } from '../../src/platform/fsStore.ts';
import { sha256Hex } from '../../src/platform/system.ts';
import {
  AuditLog,
  mintStaffToken,
  type PolicyInput,
  type Scope,
  signPolicy,
} from '../../src/policy/index.ts';
import { FaultyStore } from '../fixtures/faultyStore.ts';
import { ManualTime } from '../fixtures/time.ts';

export const DEVICE = 'dev-test-1';
export const ISSUER = 'https://care.example/issuer';

export async function makeHarness(options: { start: string; synced?: boolean; fs?: FileSystem }) {
  const dir = await mkdtemp(path.join(tmpdir(), 'nattsyn-access-'));
  const issuer = await generateKeyPair('EdDSA');
  const policyKeys = await generateKeyPair('EdDSA', { extractable: true });
  const time = new ManualTime(options.start);
  const store = new FaultyStore(new FsStore(dir, options.fs ? { fs: options.fs } : {}));
  let synced = options.synced ?? true;
  const audit = new AuditLog({ store, sha256: sha256Hex, time });
  await audit.open();
  const build = (extra: Partial<AccessControllerDeps> = {}) =>
    new AccessController({
      time,
      audit,
      state: store,
      trust: {
        issuer: ISSUER,
        keys: [issuer.publicKey],
        deviceId: DEVICE,
        maxLifetimeSeconds: 43200,
        clockToleranceSeconds: 60,
      },
      policyKey: policyKeys.publicKey,
      clockSynced: () => synced,
      randomId: () => randomBytes(16).toString('base64url'),
      log: silentLogger,
      ...extra,
    });
  const access = build();
  await access.start();
  return {
    dir,
    time,
    store,
    audit,
    access,
    build,
    setSynced: (v: boolean) => {
      synced = v;
    },
    token: (
      o: { scope?: Scope; ttlSeconds?: number; staffId?: string; reason?: string; tokenId?: string } = {},
    ) =>
      mintStaffToken(
        {
          issuer: ISSUER,
          deviceId: DEVICE,
          staffId: o.staffId ?? 'nurse-7',
          scope: o.scope ?? 'view',
          ttlSeconds: o.ttlSeconds ?? 8 * 3600,
          reason: o.reason,
          tokenId: o.tokenId ?? randomUUID(),
          now: time.now(),
        },
        issuer.privateKey,
      ),
    /** The pinned policy key's private half, for documents `policy()` would refuse to sign. */
    policyPrivateKey: policyKeys.privateKey,
    policy: (body: Partial<PolicyInput> & { version: number }) =>
      signPolicy(
        {
          deviceId: DEVICE,
          issuedAt: new Date(time.wall).toISOString(),
          timeZone: 'Europe/Stockholm',
          ...body,
        },
        policyKeys.privateKey,
      ),
    records: async () => audit.readAfter(0, 10_000),
    // A cut fired by a timer may still be appending its audit record: retry rather than race it.
    cleanup: () => rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 }),
  };
}

export type Harness = Awaited<ReturnType<typeof makeHarness>>;
