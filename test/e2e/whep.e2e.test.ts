import { readdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join as joinWhep, launchChromium, leave, openPage } from '../fixtures/stream/browser.ts';
import { filesOpenForWriting, processTree } from '../fixtures/stream/files.ts';
import { type Stack, startStack } from '../fixtures/stream/stack.ts';

async function newFiles(dir: string, since: number, depth = 2): Promise<string[]> {
  const found: string[] = [];
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory() && depth > 0) found.push(...(await newFiles(path, since, depth - 1)));
    else if (e.isFile() && ((await stat(path).catch(() => undefined))?.mtimeMs ?? 0) >= since)
      found.push(path);
  }
  return found;
}

describe('WHEP in headless Chromium', () => {
  let browser: Browser;
  let stack: Stack;
  let page: Page;
  beforeAll(async () => {
    browser = await launchChromium();
    stack = await startStack({ window: 'open', maxViewers: 2 });
    await stack.hub.waitForKeyframe(8000);
    page = await openPage(browser, `${stack.url}/`);
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('decodes frames from a bare WHEP exchange, and the timestamp strip reads', async () => {
    const token = await stack.token();
    const r = await joinWhep(page, stack.url, { token, frames: 15 });
    expect(r.status).toBe(201);
    expect(r.width).toBe(640);
    expect(r.framesDecoded).toBeGreaterThan(10);
    expect(r.latenciesMs.length).toBeGreaterThan(5);
    expect(r.firstFrameMs).toBeLessThan(3000);
    expect(await leave(page, stack.url, r.location!, token)).toBe(200);
  });

  it('declines audio and a data channel: no audio track, no audio RTP, and video still plays', async () => {
    const token = await stack.token();
    const r = await joinWhep(page, stack.url, { token, audio: true, dataChannel: true, frames: 30 });
    expect(r.status).toBe(201);
    expect(r.answer).toMatch(/^m=audio 0 /m);
    expect(r.answer).toMatch(/^m=application 0 /m);
    expect(r.trackKinds).toEqual(['video']);
    expect(r.audioPacketsReceived).toBe(0);
    expect(r.framesDecoded).toBeGreaterThan(20);
    expect(await leave(page, stack.url, r.location!, token)).toBe(200);
  });

  it('answers 401 and 403 with the right codes for token problems', async () => {
    const cases = [
      [undefined, 401, 'no_token'],
      ['not-a-jwt', 401, 'bad_token'],
      [await stack.foreignToken(), 401, 'bad_token'],
      [await stack.token({ ttlSeconds: 600, issuedAgoSeconds: 3600 }), 401, 'token_expired'],
      [await stack.token({ deviceId: 'dev-other-9' }), 403, 'wrong_device'],
      [await stack.token({ scope: 'install' }), 403, 'wrong_scope'],
    ] as const;
    for (const [token, status, code] of cases) {
      const r = await joinWhep(page, stack.url, { token });
      expect([r.status, r.body?.code]).toEqual([status, code]);
    }
  });

  it('writes nothing but the audit log under the state directory, and no media file anywhere, while streaming', async () => {
    const before = new Set(await readdir(stack.stateDir));
    const since = Date.now();
    const token = await stack.token();
    const r = await joinWhep(page, stack.url, { token, frames: 30 });
    const writers = processTree().flatMap((p) => filesOpenForWriting(p.pid).map((f) => `${p.comm}: ${f}`));
    expect(processTree().some((p) => p.comm === 'ffmpeg')).toBe(true);
    expect(writers.filter((w) => !w.includes(stack.stateDir))).toEqual([]);
    await leave(page, stack.url, r.location!, token);
    const after = await readdir(stack.stateDir);
    const added = after.filter((f) => !before.has(f));
    expect(added.every((f) => /^audit/.test(f))).toBe(true);
    const changed = (await newFiles(stack.stateDir, since)).map((f) => f.slice(stack.stateDir.length + 1));
    expect(changed.length).toBeGreaterThan(0);
    expect(changed.every((f) => /^audit/.test(f))).toBe(true);
    const media = [...(await newFiles(tmpdir(), since)), ...(await newFiles(process.cwd(), since))].filter(
      (f) => /\.(h264|264|mp4|mkv|ts|webm|jpe?g|png|yuv|raw)$/i.test(f),
    );
    expect(media).toEqual([]);
  });
});

describe('WHEP limits in headless Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(() => browser?.close());

  it('refuses a request outside the window with 403 outside_window', async () => {
    const stack = await startStack({ window: 'closed', camera: false });
    try {
      const page = await openPage(browser, `${stack.url}/`);
      const r = await joinWhep(page, stack.url, { token: await stack.token() });
      expect([r.status, r.body?.code]).toEqual([403, 'outside_window']);
    } finally {
      await stack.stop();
    }
  });

  it('enforces maxViewers with 503, and DELETE frees the place', async () => {
    const stack = await startStack({ window: 'open', maxViewers: 1 });
    try {
      await stack.hub.waitForKeyframe(8000);
      const page = await openPage(browser, `${stack.url}/`);
      const [a, b] = [await stack.token(), await stack.token()];
      const first = await joinWhep(page, stack.url, { token: a });
      expect(first.status).toBe(201);
      const second = await joinWhep(page, stack.url, { token: b });
      expect([second.status, second.body?.code, second.headers['retry-after']]).toEqual([
        503,
        'too_many_viewers',
        '2',
      ]);
      expect(await leave(page, stack.url, first.location!, a)).toBe(200);
      expect(stack.access.sessions()).toHaveLength(0);
      const third = await joinWhep(page, stack.url, { token: b });
      expect(third.status).toBe(201);
      await leave(page, stack.url, third.location!, b);
    } finally {
      await stack.stop();
    }
  });

  it('cuts a session within 1 s of its window end, and audits it', async () => {
    const stack = await startStack({ window: 6000 });
    try {
      await stack.hub.waitForKeyframe(8000);
      const page = await openPage(browser, `${stack.url}/`);
      const r = await joinWhep(page, stack.url, { token: await stack.token() });
      expect(r.status).toBe(201);
      const id = r.location!.split('/').pop()!;
      const cutAt = await new Promise<number>((resolve) => {
        const off = stack.access.onSessionEnded((ended) => {
          if (ended !== id) return;
          off();
          resolve(stack.time.now());
        });
      });
      expect(Math.abs(cutAt - stack.windowEnd)).toBeLessThan(1000);
      await expect.poll(() => stack.server.sessions.get(id)).toBeUndefined();
      const end = (await stack.records()).find((x) => x.type === 'session_end' && x.sessionId === id);
      expect(end?.code).toBe('window_end');
    } finally {
      await stack.stop();
    }
  });
});

describe('a viewer that goes away without DELETE', () => {
  it('has its session ended within seconds (privacy LED honest), audited as ice_failed', async () => {
    const browser = await launchChromium();
    const stack = await startStack({ window: 'open', stream: { viewerSilenceMs: 3000 } });
    try {
      await stack.hub.waitForKeyframe(8000);
      const page = await openPage(browser, `${stack.url}/`);
      const r = await joinWhep(page, stack.url, { token: await stack.token() });
      const id = r.location!.split('/').pop()!;
      const started = performance.now();
      const ended = new Promise<string>((resolve) =>
        stack.access.onSessionEnded((ended, code) => ended === id && resolve(code)),
      );
      await page.context().close();
      expect(await ended).toBe('ice_failed');
      expect(performance.now() - started).toBeLessThan(6000);
    } finally {
      await browser.close();
      await stack.stop();
    }
  });
});
