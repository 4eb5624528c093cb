/**
 * The WHEP session manager without HTTP: requests as values, as the centre's relay will hand them
 * in. The same guard, token check, window, audit and cut as the device's own route.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.ts';
import { staffSubjectOf, type WhepRequest, WhepService } from '../../src/stream/index.ts';
import { offerFixture } from '../fixtures/stream/http.ts';
import { type Stack, startStack } from '../fixtures/stream/stack.ts';

const OFFER = offerFixture('chromium-video');
const relay = { transport: 'relay', remote: 'centre-1' } as const;

const post = (token: string | undefined, extra: Partial<WhepRequest> = {}): WhepRequest => ({
  method: 'POST',
  contentType: 'application/sdp',
  body: OFFER,
  token,
  origin: relay,
  ...extra,
});

describe('WhepService, requests relayed without HTTP', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ window: 'open', maxViewers: 2 });
    await stack.hub.waitForKeyframe(8000);
  });
  afterAll(() => stack.stop());

  it('grants_a_relayed_offer_with_a_sendonly_answer_and_audits_the_transport', async () => {
    const token = await stack.token();
    const reply = await stack.server.sessions.handle(post(token));
    expect(reply.status).toBe(201);
    expect(reply.headers['Content-Type']).toBe('application/sdp');
    expect(reply.headers.Location).toMatch(/^\/whep\/[A-Za-z0-9_-]{22,}$/);
    expect(reply.body).toContain('a=sendonly');
    const id = String(reply.headers.Location).split('/').pop()!;
    const grant = (await stack.records()).find((r) => r.type === 'grant' && r.sessionId === id);
    expect(grant?.detail).toMatchObject({ transport: 'relay', remote: 'centre-1' });
    const gone = await stack.server.sessions.handle({
      method: 'DELETE',
      sessionId: id,
      body: '',
      token,
      origin: relay,
    });
    expect(gone.status).toBe(200);
    const end = (await stack.records()).find((r) => r.type === 'session_end' && r.sessionId === id);
    expect(end?.code).toBe('closed_by_viewer');
  });

  it('refuses_a_relayed_offer_without_a_token_as_http_would_and_audits_the_transport', async () => {
    const reply = await stack.server.sessions.handle(post(undefined));
    expect([reply.status, reply.code, JSON.parse(reply.body).code]).toEqual([401, 'no_token', 'no_token']);
    expect(reply.headers['WWW-Authenticate']).toMatch(/^Bearer/);
    const deny = (await stack.records()).filter((r) => r.type === 'deny').at(-1);
    expect(deny?.detail).toMatchObject({ transport: 'relay', remote: 'centre-1' });
  });

  it('guards_the_relayed_offer_and_checks_its_type_and_size', async () => {
    const token = await stack.token();
    const audio = await stack.server.sessions.handle(
      post(token, { body: offerFixture('chromium-audio-only') }),
    );
    expect([audio.status, audio.code]).toEqual([422, 'sdp_no_video']);
    const type = await stack.server.sessions.handle(post(token, { contentType: 'text/plain' }));
    expect([type.status, type.code]).toEqual([415, 'unsupported_media_type']);
    const big = await stack.server.sessions.handle(post(token, { body: OFFER.padEnd(20_000, 'x') }));
    expect([big.status, big.code]).toEqual([413, 'body_too_large']);
  });

  it('answers_a_simulcast_offer_without_rid_or_simulcast_and_a_bundle_naming_no_mid_with_422', async () => {
    const simulcast = OFFER.replace(
      'a=mid:0',
      'a=mid:0\r\na=rid:hi send\r\na=rid:lo send\r\na=simulcast:send hi;lo',
    );
    const token = await stack.token();
    const granted = await stack.server.sessions.handle(post(token, { body: simulcast }));
    expect(granted.status).toBe(201);
    expect(granted.body).not.toMatch(/a=rid|a=simulcast/);
    const id = String(granted.headers.Location).split('/').pop()!;
    await stack.server.sessions.handle({ method: 'DELETE', sessionId: id, body: '', token, origin: relay });
    const noMid = OFFER.replace(/a=mid:0\r?\n/, '').replace(/a=group:BUNDLE 0/, 'a=group:BUNDLE');
    const refused = await stack.server.sessions.handle(post(await stack.token(), { body: noMid }));
    expect([refused.status, refused.code]).toEqual([422, 'sdp_malformed']);
  });

  it('uses_and_announces_the_ice_servers_given_for_this_session_instead_of_the_configured_ones', async () => {
    const token = await stack.token();
    const turn = { urls: 'turn:127.0.0.1:9?transport=tcp', username: '1700000000:s1', credential: 'minted' };
    const reply = await stack.server.sessions.handle(post(token, { iceServers: [turn] }));
    expect(reply.status).toBe(201);
    expect(reply.headers.Link).toEqual([
      '<turn:127.0.0.1:9?transport=tcp>; rel="ice-server"; username="1700000000:s1"; credential="minted"; credential-type="password"',
    ]);
    const id = String(reply.headers.Location).split('/').pop()!;
    await stack.server.sessions.handle({ method: 'DELETE', sessionId: id, body: '', token, origin: relay });
  });

  it('answers_trickle_for_the_session_token_only_with_the_same_preconditions', async () => {
    const token = await stack.token();
    const created = await stack.server.sessions.handle(post(token));
    const sessionId = String(created.headers.Location).split('/').pop()!;
    const frag = 'a=mid:0\r\na=candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host\r\n';
    const patch = (extra: Partial<WhepRequest>) =>
      stack.server.sessions.handle({
        method: 'PATCH',
        sessionId,
        contentType: 'application/trickle-ice-sdpfrag',
        body: frag,
        token,
        origin: relay,
        ...extra,
      });
    expect((await patch({ sessionId: 'AAAAAAAAAAAAAAAAAAAAAAAA' })).status).toBe(404);
    expect((await patch({ token: await stack.token() })).status).toBe(404);
    expect((await patch({})).status).toBe(428);
    expect((await patch({ ifMatch: '"stale"' })).status).toBe(412);
    expect((await patch({ ifMatch: String(created.headers.ETag) })).status).toBe(204);
    await stack.server.sessions.handle({ method: 'DELETE', sessionId, body: '', token, origin: relay });
  });

  it('asks_the_transport_limit_first_and_refuses_with_429_before_anything_is_audited', async () => {
    const keys: string[] = [];
    const limited = new WhepService({
      config: stack.server.config,
      access: stack.access,
      hub: stack.hub,
      logger: silentLogger,
      time: stack.time,
      limit: (request) => {
        keys.push(staffSubjectOf(request.token));
        return false;
      },
    });
    const before = (await stack.records()).length;
    const reply = await limited.handle(post(await stack.token()));
    expect([reply.status, reply.code]).toEqual([429, 'rate_limited']);
    expect(keys).toEqual(['sub:nurse-7']);
    expect((await stack.records()).length).toBe(before);
  });
});
