import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AccessUnit } from '../../src/camera/types.ts';
import { INSTALL_PREVIEW_MS, InstallWindow } from '../../src/install/installWindow.ts';
import { FsStore } from '../../src/platform/fsStore.ts';
import { sha256Hex } from '../../src/platform/system.ts';
import {
  AuditLog,
  activate,
  authorize,
  type EpochMillis,
  type GateState,
  policyBodySchema,
  type StaffClaims,
} from '../../src/policy/index.ts';
import { accessUnit } from '../fixtures/h264.ts';

const T0 = Date.parse('2026-11-23T13:00:00Z');
let dir: string;
let now: number;
let store: FsStore;
let audit: AuditLog;
const frame: AccessUnit = accessUnit(new Uint8Array([0, 0, 0, 1, 0x65, 1, 2, 3]), { captureTime: T0 });

function window(withAudit = true): InstallWindow {
  return new InstallWindow({
    store,
    time: { now: () => now as EpochMillis },
    audit: withAudit ? audit : undefined,
    perceptualHash: async () => 'c3a5e1f00f1e5a3c',
  });
}

const claims = (over: Partial<StaffClaims> = {}): StaffClaims => ({
  tokenId: 'tok-1',
  staffId: 'installer-7',
  scope: 'install',
  reason: undefined,
  issuedAt: now as EpochMillis,
  expiresAt: (now + 3600_000) as EpochMillis,
  ...over,
});

function gate(w: InstallWindow): GateState {
  const body = policyBodySchema.parse({
    deviceId: 'AAAA-BBBB-CCCC',
    version: 1,
    issuedAt: new Date(T0).toISOString(),
    maxSessionSeconds: 3600,
  });
  return {
    clockSynced: true,
    policy: activate(body, 'jws'),
    pausedByResident: false,
    auditWritable: true,
    liveSessions: [],
    installPreviewUntil: w.until(now as EpochMillis),
  };
}

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'nattsyn-window-'));
  now = T0;
  store = new FsStore(dir);
  audit = new AuditLog({ store, sha256: sha256Hex, time: { now: () => now as EpochMillis } });
  await audit.open();
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('InstallWindow', () => {
  it('gives nothing to an install token when no window was opened', () => {
    expect(authorize(claims(), now as EpochMillis, gate(window()))).toEqual({
      kind: 'deny',
      code: 'wrong_scope',
    });
  });

  it('is opened by the CLI without touching the audit log, and audited once by the service that loads it', async () => {
    await window(false).open('selftest');
    expect(audit.last.seq).toBe(0);
    const service = window();
    expect(service.until()).toBeUndefined();
    await service.load();
    expect(service.until()).toBe(T0 + INSTALL_PREVIEW_MS);
    await window().load();
    const records = await audit.readAfter(0, 10);
    expect(records.map((r) => [r.type, r.detail?.event, r.detail?.reason])).toEqual([
      ['install_preview', 'window_opened', 'selftest'],
    ]);
  });

  it('counts a window opened in the future (clock set back) as closed', async () => {
    await window().open('selftest');
    now = T0 - 60_000;
    const w = window();
    await w.load();
    expect(w.until()).toBeUndefined();
  });

  it('stores only the perceptual hash of the confirmed view, never the picture, and closes the window', async () => {
    const w = window();
    await w.open('selftest');
    expect(await w.confirmReference(frame, 'installer-7')).toBe('c3a5e1f00f1e5a3c');
    expect(await w.referenceHash()).toBe('c3a5e1f00f1e5a3c');
    const service = window();
    expect(service.reference).toBeUndefined();
    await service.load();
    expect(service.reference).toBe('c3a5e1f00f1e5a3c');
    expect(w.until()).toBeUndefined();
    for (const name of await readdir(dir)) {
      const bytes = await readFile(path.join(dir, name));
      expect(bytes.includes(Buffer.from(frame.data))).toBe(false);
    }
    const types = (await audit.readAfter(0, 10)).map((r) => r.type);
    expect(types).toContain('reference_view_set');
  });

  it('refuses to set a reference view once the window has closed', async () => {
    const w = window();
    await w.open('selftest');
    now = T0 + INSTALL_PREVIEW_MS + 1;
    await expect(w.confirmReference(frame, 'installer-7')).rejects.toMatchObject({ code: 'wrong_scope' });
  });
});
