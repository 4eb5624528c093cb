/**
 * The aiming preview end to end with the real access controller: the CLI opens the window, the
 * service follows it, an `install` token may look for 10 minutes outside every window, then not.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { INSTALL_PREVIEW_MS, InstallWindow } from '../../src/install/installWindow.ts';
import type { EpochMillis } from '../../src/policy/index.ts';
import { type Harness, makeHarness } from '../access/harness.ts';

let h: Harness;
let service: InstallWindow;
let previewUntil: EpochMillis | undefined;

beforeEach(async () => {
  // A Tuesday afternoon: the policy below has no windows at all.
  h = await makeHarness({ start: '2026-11-24T13:00:00Z' });
  expect(
    (await h.access.applyPolicy(await h.policy({ version: 1, maxSessionSeconds: 3600 }), 'centre')).ok,
  ).toBe(true);
  service = new InstallWindow({ store: h.store, time: h.time, audit: h.audit });
  await service.start((until) => {
    previewUntil = until;
    h.access.setInstallPreview(until);
  });
});

afterEach(async () => {
  service.stop();
  await h.access.stop();
  await h.cleanup();
});

/** The CLI process: same state dir, no audit log of its own. */
const cliOpens = () => new InstallWindow({ store: h.store, time: h.time }).open('selftest');

describe('install preview', () => {
  it('admits an install token for 10 minutes after a self-test, then refuses it, auditing both', async () => {
    expect(
      (await h.access.admit(await h.token({ scope: 'install' }), { remote: '127.0.0.1', transport: 'http' }))
        .ok,
    ).toBe(false);
    const until = await cliOpens();
    h.time.advance(2000);
    await vi.waitFor(() => expect(previewUntil).toBe(until), { timeout: 5000, interval: 5 });

    const granted = await h.access.admit(await h.token({ scope: 'install', staffId: 'installer-3' }), {
      remote: '127.0.0.1',
      transport: 'http',
    });
    expect(granted).toMatchObject({ ok: true, session: { scope: 'install', until } });

    h.time.advance(INSTALL_PREVIEW_MS);
    await vi.waitFor(() => expect(previewUntil).toBeUndefined(), { timeout: 5000, interval: 5 });
    const refused = await h.access.admit(await h.token({ scope: 'install', staffId: 'installer-3' }), {
      remote: '127.0.0.1',
      transport: 'http',
    });
    expect(refused).toMatchObject({ ok: false, code: 'wrong_scope' });

    const trail = (await h.records()).map((r) => [r.type, r.code ?? r.detail?.event ?? '', r.actor]);
    expect(trail).toEqual(
      expect.arrayContaining([
        ['install_preview', 'window_opened', 'installer'],
        ['install_preview', '', 'installer-3'],
        ['session_end', expect.any(String), 'installer-3'],
        ['deny', 'wrong_scope', 'installer-3'],
      ]),
    );
  });

  it('never lets a view token through the install window', async () => {
    await cliOpens();
    h.time.advance(2000);
    await vi.waitFor(() => expect(previewUntil).toBeDefined(), { timeout: 5000, interval: 5 });
    expect(
      await h.access.admit(await h.token({ scope: 'view' }), { remote: '127.0.0.1', transport: 'http' }),
    ).toMatchObject({
      ok: false,
      code: 'outside_window',
    });
  });

  it('leaves no timer behind once stopped', () => {
    expect(h.time.pending).toBe(1);
    service.stop();
    expect(h.time.pending).toBe(0);
  });
});
