import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamConfigSchema } from '../../src/stream/index.ts';
import { call, offerFixture, post } from '../fixtures/stream/http.ts';
import { type Stack, startStack } from '../fixtures/stream/stack.ts';

const OFFER = offerFixture('chromium-video');

describe('WHEP endpoint with an open window', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({
      window: 'open',
      maxViewers: 2,
      stream: { iceServers: [{ urls: 'stun:stun.example.org:3478' }] },
    });
    await stack.hub.waitForKeyframe(8000);
  });
  afterAll(() => stack.stop());

  it('answers the CORS preflight without authentication', async () => {
    const { res } = await call(stack.url, '/whep', 'OPTIONS');
    expect(res.status).toBe(204);
    expect(res.headers.get('accept-post')).toBe('application/sdp');
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(res.headers.get('access-control-allow-headers')).toMatch(/Authorization/);
    expect(res.headers.get('link')).toBe('<stun:stun.example.org:3478>; rel="ice-server"');
  });

  it('refuses missing and foreign tokens with 401, and a token for another device with 403', async () => {
    const none = await post(stack.url, OFFER);
    expect([none.res.status, none.json().code]).toEqual([401, 'no_token']);
    expect(none.res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const foreign = await post(stack.url, OFFER, await stack.foreignToken());
    expect([foreign.res.status, foreign.json().code]).toEqual([401, 'bad_token']);
    const other = await post(stack.url, OFFER, await stack.token({ deviceId: 'dev-other-9' }));
    expect([other.res.status, other.json().code]).toEqual([403, 'wrong_device']);
    const audited = (await stack.records()).filter((r) => r.type === 'deny').map((r) => r.code);
    expect(audited).toEqual(expect.arrayContaining(['no_token', 'bad_token']));
  });

  it('refuses a token in the query string, a wrong content type, a large body and an offer without video', async () => {
    const token = await stack.token();
    const query = await call(stack.url, `/whep?access_token=${token}`, 'POST', undefined, {
      body: OFFER,
      headers: { 'Content-Type': 'application/sdp' },
    });
    expect([query.res.status, query.code]).toEqual([400, 'token_in_query']);
    const type = await post(stack.url, OFFER, token, { 'Content-Type': 'text/plain' });
    expect([type.res.status, type.json().code]).toEqual([415, 'unsupported_media_type']);
    const big = await post(stack.url, `${OFFER}${'a=x-padding:0\r\n'.repeat(1200)}`, token);
    expect([big.res.status, big.json().code]).toEqual([413, 'body_too_large']);
    const audio = await post(stack.url, offerFixture('chromium-audio-only'), token);
    expect([audio.res.status, audio.json().code]).toEqual([422, 'sdp_no_video']);
  });

  it('creates a session: 201, Location with ≥128 random bits, ETag, a sendonly answer with its candidates', async () => {
    const token = await stack.token();
    const { res, text } = await post(stack.url, offerFixture('chromium-audio-video'), token);
    expect(res.status).toBe(201);
    expect(res.headers.get('content-type')).toMatch(/^application\/sdp/);
    const location = res.headers.get('location')!;
    expect(location).toMatch(/^\/whep\/[A-Za-z0-9_-]{22,}$/);
    expect(res.headers.get('etag')).toMatch(/^".+"$/);
    expect(res.headers.get('link')).toContain('rel="ice-server"');
    expect(text).toContain('a=sendonly');
    expect(text).toMatch(/a=candidate:.* 127\.0\.0\.1 /);
    expect(text).toMatch(/^m=audio 0 /m);
    expect(text).not.toMatch(/opus/i);
    const del = await call(stack.url, location, 'DELETE', token);
    expect(del.res.status).toBe(200);
  });

  it('handles trickle: 404 unknown, 428 without If-Match, 412 stale, 422 ICE restart, 204 otherwise', async () => {
    const token = await stack.token();
    const created = await post(stack.url, OFFER, token);
    const location = created.res.headers.get('location')!;
    const etag = created.res.headers.get('etag')!;
    const frag = 'a=mid:0\r\na=candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host\r\n';
    const patch = (path: string, headers: Record<string, string>, body = frag) =>
      call(stack.url, path, 'PATCH', token, {
        body,
        headers: { 'Content-Type': 'application/trickle-ice-sdpfrag', ...headers },
      });
    expect((await patch('/whep/AAAAAAAAAAAAAAAAAAAAAAAA', { 'If-Match': etag })).res.status).toBe(404);
    expect((await patch(location, {})).res.status).toBe(428);
    expect((await patch(location, { 'If-Match': '"stale"' })).res.status).toBe(412);
    expect(
      (
        await patch(
          location,
          { 'If-Match': etag },
          `a=ice-ufrag:new1\r\na=ice-pwd:newpasswordnewpassword\r\n${frag}`,
        )
      ).code,
    ).toBe('ice_restart_unsupported');
    expect((await patch(location, { 'If-Match': etag })).res.status).toBe(204);
    const mdns = frag.replace('127.0.0.1', '3f1c0d4e-7b2a-4c1d-9e8f-0a1b2c3d4e5f.local');
    expect((await patch(location, { 'If-Match': etag }, mdns)).res.status).toBe(204);
    await call(stack.url, location, 'DELETE', token);
  });

  it("gives another token 404 on a session's URL, and DELETE frees the session and audits it", async () => {
    const token = await stack.token();
    const created = await post(stack.url, OFFER, token);
    const location = created.res.headers.get('location')!;
    const id = location.split('/').pop()!;
    const stranger = await call(stack.url, location, 'DELETE', await stack.token());
    expect(stranger.res.status).toBe(404);
    expect(stack.access.sessions().map((s) => s.sessionId)).toContain(id);
    expect((await call(stack.url, location, 'DELETE', token)).res.status).toBe(200);
    expect(stack.access.sessions().map((s) => s.sessionId)).not.toContain(id);
    expect(stack.server.sessions.get(id)).toBeUndefined();
    expect((await call(stack.url, location, 'DELETE', token)).res.status).toBe(404);
    const end = (await stack.records()).find((r) => r.type === 'session_end' && r.sessionId === id);
    expect(end?.code).toBe('closed_by_viewer');
  });

  it('enforces maxViewers with 503 and Retry-After, and one session per token with 403', async () => {
    const tokens = [await stack.token(), await stack.token(), await stack.token()];
    const a = await post(stack.url, OFFER, tokens[0]);
    const again = await post(stack.url, OFFER, tokens[0]);
    expect([again.res.status, again.json().code]).toEqual([403, 'token_in_use']);
    const b = await post(stack.url, OFFER, tokens[1]);
    expect([a.res.status, b.res.status]).toEqual([201, 201]);
    const c = await post(stack.url, OFFER, tokens[2]);
    expect([c.res.status, c.json().code]).toEqual([503, 'too_many_viewers']);
    expect(c.res.headers.get('retry-after')).toBe('2');
    await call(stack.url, a.res.headers.get('location')!, 'DELETE', tokens[0]);
    const d = await post(stack.url, OFFER, tokens[2]);
    expect(d.res.status).toBe(201);
    await call(stack.url, b.res.headers.get('location')!, 'DELETE', tokens[1]);
    await call(stack.url, d.res.headers.get('location')!, 'DELETE', tokens[2]);
  });

  it('serves the window state only with a token, and the viewer page with its promise and a strict CSP', async () => {
    expect((await call(stack.url, '/api/state', 'GET')).res.status).toBe(401);
    const state = await call(stack.url, '/api/state', 'GET', await stack.token());
    const body = JSON.parse(state.text);
    expect(body).toMatchObject({ deviceLabel: 'Rum 12', paused: false, clockSynced: true, hasPolicy: true });
    expect(body.timeZone).toBe('UTC'); // the resident's zone, from the policy (the config names none)
    expect(body.open.end).toBeGreaterThan(body.now);
    const page = await call(stack.url, '/', 'GET');
    expect(page.text).toContain('no sound · nothing is recorded');
    expect(page.res.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect((await call(stack.url, '/nothing-here', 'GET')).res.status).toBe(404);
  });
});

describe('WHEP endpoint edge cases', () => {
  it('answers 403 outside_window outside the window', async () => {
    const stack = await startStack({ window: 'closed', camera: false });
    try {
      const r = await post(stack.url, OFFER, await stack.token());
      expect([r.res.status, r.json().code]).toEqual([403, 'outside_window']);
    } finally {
      await stack.stop();
    }
  });

  it('answers 409 with Retry-After while the camera has no picture, and audits the session as a camera fault', async () => {
    const stack = await startStack({ camera: false, stream: { firstFrameWaitMs: 50 } });
    try {
      const r = await post(stack.url, OFFER, await stack.token());
      expect([r.res.status, r.json().code]).toEqual([409, 'no_frames']);
      expect(r.res.headers.get('retry-after')).toBe('2');
      expect(stack.access.sessions()).toHaveLength(0);
      expect((await stack.records()).find((x) => x.type === 'session_end')?.code).toBe('camera_fault');
    } finally {
      await stack.stop();
    }
  });

  it('limits requests per address with 429', async () => {
    const stack = await startStack({ camera: false, stream: { rateLimitPerMinute: 3 } });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await post(stack.url, OFFER)).res.status);
      expect(statuses).toEqual([401, 401, 401, 429]);
    } finally {
      await stack.stop();
    }
  });

  it('refuses plain HTTP off loopback in the config', () => {
    const r = streamConfigSchema.safeParse({ host: '0.0.0.0' });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.message).toMatch(/HTTPS is required off loopback/);
    expect(
      streamConfigSchema.safeParse({ host: '0.0.0.0', tls: { certFile: 'c.pem', keyFile: 'k.pem' } }).success,
    ).toBe(true);
    expect(streamConfigSchema.parse({}).iceServers).toEqual([]);
  });
});
