/**
 * The relay's `fallback` route on the device: handed to the fallback (with the token and the
 * centre's media URL as relayed, the origin `relay`), or refused with a clear code where the device
 * has no client certificate to dial the centre with.
 */
import { describe, expect, it } from 'vitest';
import { PerMinuteLimiter } from '../../src/platform/limiter.ts';
import { systemTime } from '../../src/platform/time.ts';
import type { WhepRelayRequest } from '../../src/protocol/index.ts';
import { relayServe } from '../../src/relay/index.ts';
import type { WhepReply } from '../../src/stream/index.ts';

const request: WhepRelayRequest = {
  id: 'r'.repeat(22),
  deviceId: 'dev-1',
  instanceId: 'centre-a',
  issuedAt: 1,
  route: 'fallback',
  body: '',
  token: 'the.staff.token',
  mediaUrl: 'wss://centre-a.example:8445/media',
};

const base = () => ({
  whep: {
    handle: async (): Promise<WhepReply> => ({ status: 500, headers: {}, body: '' }),
    status: async (): Promise<WhepReply> => ({ status: 500, headers: {}, body: '' }),
    outcome: async (): Promise<WhepReply> => ({ status: 500, headers: {}, body: '' }),
  },
  state: async (): Promise<WhepReply> => ({ status: 500, headers: {}, body: '' }),
  perStaff: new PerMinuteLimiter(100, systemTime),
  perDevice: new PerMinuteLimiter(100, systemTime),
});

describe('the relay route fallback', () => {
  it('hands_the_token_and_media_url_to_the_fallback_and_relays_its_ticket_answer', async () => {
    const seen: unknown[] = [];
    const serve = relayServe({
      ...base(),
      fallback: async (r, origin) => {
        seen.push({ token: r.token, mediaUrl: r.mediaUrl, origin });
        return {
          status: 201,
          headers: { Location: '/whep/abc', 'Content-Type': 'application/json', 'X-Other': 'no' },
          body: '{"ticket":"t"}',
        };
      },
    });
    const answer = await serve(request);
    expect(seen).toEqual([
      {
        token: 'the.staff.token',
        mediaUrl: request.mediaUrl,
        origin: { transport: 'relay', remote: 'centre' },
      },
    ]);
    expect(answer).toEqual({
      status: 201,
      headers: { location: '/whep/abc', 'content-type': 'application/json' },
      body: '{"ticket":"t"}',
    });
  });

  it('answers_fallback_unavailable_on_a_device_without_a_client_certificate', async () => {
    const answer = await relayServe(base())(request);
    expect([answer.status, JSON.parse(answer.body).code]).toEqual([503, 'fallback_unavailable']);
  });
});
