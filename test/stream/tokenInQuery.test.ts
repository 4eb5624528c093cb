/**
 * RFC 6750 §2.3 query tokens end up in logs and browser history: the device refuses a token in the
 * query string under every name clients use, on every route and for every method, before any route
 * (or any audit of it) runs. Requests are injected into the real app; no port is opened.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Stack, startStack } from '../fixtures/stream/stack.ts';

const NAMES = ['access_token', 'token', 'jwt', 'bearer', 'auth', 'Access_Token'];
const METHODS = ['GET', 'POST', 'PATCH', 'DELETE', 'OPTIONS'] as const;
const PATHS = ['/whep', '/whep/AAAAAAAAAAAAAAAAAAAAAAAA', '/api/state', '/'];

describe('a token in the query string', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ camera: false });
  });
  afterAll(() => stack.stop());

  it('is_refused_with_400_token_in_query_for_every_name_method_and_route', async () => {
    const app = await stack.server.build();
    const token = await stack.token();
    const before = (await stack.records()).length;
    const answers = new Set<string>();
    for (const name of NAMES)
      for (const method of METHODS)
        for (const path of PATHS) {
          const res = await app.inject({ method, url: `${path}?x=1&${name}=${token}` });
          answers.add(`${res.statusCode} ${res.json().code}`);
        }
    expect([...answers]).toEqual(['400 token_in_query']);
    expect((await stack.records()).length).toBe(before);
  });

  it('lets_other_query_parameters_through', async () => {
    const app = await stack.server.build();
    const res = await app.inject({ method: 'GET', url: '/api/state?tokens=2&authority=x' });
    expect(res.statusCode).toBe(401);
  });
});
