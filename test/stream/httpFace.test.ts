/**
 * The device's HTTP face around WHEP (issue 13, item 13): one rate-limit bucket per address for a
 * route and its HEAD twin, CORS granted to the configured origins only (never `*`), and our error
 * shape for a URL the framework cannot decode.
 */
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamConfigSchema } from '../../src/stream/index.ts';
import { type Stack, startStack } from '../fixtures/stream/stack.ts';

const CENTRE = 'https://centre.example';

describe('the device HTTP face', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ camera: false, stream: { rateLimitPerMinute: 1, corsOrigins: [CENTRE] } });
  });
  afterAll(() => stack.stop());

  const inject = async (options: InjectOptions) => (await stack.server.build()).inject(options);

  it('counts_head_api_state_in_the_same_bucket_as_get', async () => {
    // rateLimitPerMinute 1 gives /api/state 4 a minute per address.
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++)
      statuses.push((await inject({ method: 'HEAD', url: '/api/state' })).statusCode);
    const get = await inject({ method: 'GET', url: '/api/state' });
    expect(statuses).toEqual([401, 401, 401, 401]);
    expect([get.statusCode, get.json().code]).toEqual([429, 'rate_limited']);
  });

  it('grants_cors_to_a_configured_origin_only_and_never_to_any_origin', async () => {
    const preflight = (origin: string) =>
      inject({
        method: 'OPTIONS',
        url: '/whep',
        headers: { origin, 'access-control-request-method': 'POST' },
      });
    const centre = await preflight(CENTRE);
    expect(centre.headers['access-control-allow-origin']).toBe(CENTRE);
    const stranger = await preflight('https://evil.example');
    expect(stranger.statusCode).toBe(204);
    expect(stranger.headers['access-control-allow-origin']).toBeUndefined();
    expect(stranger.headers.vary).toMatch(/Origin/);
  });

  it('defaults_to_no_cross_origin_caller_and_refuses_a_wildcard_in_the_config', () => {
    expect(streamConfigSchema.parse({}).corsOrigins).toEqual([]);
    const wildcard = streamConfigSchema.safeParse({ corsOrigins: ['*'] });
    expect(wildcard.success).toBe(false);
    expect(wildcard.error?.issues[0]?.path).toEqual(['corsOrigins', 0]);
  });

  it('answers_a_malformed_url_with_our_error_shape_without_echoing_it', async () => {
    for (const url of ['/whep/%E0%A4%A', '/%', `/whep/${'a'.repeat(200)}`]) {
      const res = await inject({ method: 'DELETE', url });
      expect(res.statusCode, url).toBe(400);
      expect(res.json(), url).toEqual({ code: 'bad_request', message: 'the request URL is malformed' });
    }
  });
});
