import Fastify from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AccessUnit } from '../../src/camera/index.ts';
import { WEEKDAYS } from '../../src/policy/index.ts';
import { registerReferenceRoute } from '../../src/stream/whepRoutes.ts';
import { type Harness, makeHarness } from '../access/harness.ts';
import { accessUnit } from '../fixtures/h264.ts';

const KEYFRAME: AccessUnit = accessUnit(new Uint8Array([0, 0, 0, 1, 0x65]));

let h: Harness;
let confirmed: { actor: string; keyframe: AccessUnit }[];
let nextKeyframe: AccessUnit | undefined;
let app: ReturnType<typeof Fastify>;

beforeEach(async () => {
  h = await makeHarness({ start: '2026-11-25T22:05:00Z' });
  const window = { id: 'night', start: '23:00', durationMinutes: 30, days: [...WEEKDAYS] };
  await h.access.applyPolicy(await h.policy({ version: 1, windows: [window], maxViewers: 2 }), 'test');
  h.access.setInstallPreview((h.time.wall + 10 * 60_000) as never);
  confirmed = [];
  nextKeyframe = KEYFRAME;
  app = Fastify();
  registerReferenceRoute(app, {
    access: h.access,
    hub: { nextKeyframe: async () => nextKeyframe },
    confirm: async (keyframe, actor) => {
      confirmed.push({ keyframe, actor });
      return '0123456789abcdef';
    },
    rateLimitPerMinute: 100,
  });
});
afterEach(async () => {
  await app.close();
  await h.cleanup();
});

async function session(scope: 'view' | 'install') {
  const token = await h.token({ scope });
  const admission = await h.access.admit(token, { remote: '127.0.0.1', transport: 'http' });
  if (!admission.ok) throw new Error(`expected a grant, got ${admission.code}`);
  return { token, id: admission.session.sessionId };
}

const post = (id: string, token?: string) =>
  app.inject({
    method: 'POST',
    url: `/whep/${id}/reference`,
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });

describe('POST /whep/:id/reference', () => {
  it('stores_the_reference_from_an_installer_preview_session', async () => {
    const s = await session('install');
    const res = await post(s.id, s.token);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ hash: '0123456789abcdef' });
    expect(confirmed).toEqual([{ keyframe: KEYFRAME, actor: 'nurse-7' }]);
  });

  it('refuses_a_staff_view_session_with_wrong_scope', async () => {
    const s = await session('view');
    const res = await post(s.id, s.token);
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ code: 'wrong_scope' });
    expect(confirmed).toEqual([]);
  });

  it('answers_404_for_another_tokens_session_and_401_without_a_token', async () => {
    const s = await session('install');
    expect((await post(s.id, await h.token({ scope: 'install' }))).statusCode).toBe(404);
    expect((await post(s.id)).statusCode).toBe(401);
    expect(confirmed).toEqual([]);
  });

  it('answers_409_when_the_camera_delivers_no_keyframe', async () => {
    const s = await session('install');
    nextKeyframe = undefined;
    const res = await post(s.id, s.token);
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ code: 'no_frames' });
  });
});
