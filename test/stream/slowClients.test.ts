/**
 * Issue 13, item 9, over real sockets that trickle bytes: the token is checked from the headers
 * before any body is read (a refusal is audited, answered at once and the connection closed), and
 * a client that sends its headers or its body too slowly is cut on time instead of holding a socket.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Stack, startStack } from '../fixtures/stream/stack.ts';

const HEADERS_MS = 600;
const REQUEST_MS = 1200;

interface Conversation {
  socket: Socket;
  /** What the server sent, and when (ms after connecting) it closed the connection. */
  received: () => string;
  closed: Promise<number>;
  /** Sends `text` one byte every `everyMs` until the server closes the connection. */
  trickle: (text: string, everyMs: number) => void;
}

function talk(url: string): Promise<Conversation> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1');
    const start = performance.now();
    let data = '';
    let timer: NodeJS.Timeout | undefined;
    socket.on('data', (chunk) => (data += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    const closed = new Promise<number>((done) =>
      socket.on('close', () => {
        clearInterval(timer);
        done(performance.now() - start);
      }),
    );
    socket.once('connect', () =>
      resolve({
        socket,
        received: () => data,
        closed,
        trickle: (text, everyMs) => {
          let i = 0;
          timer = setInterval(() => {
            if (socket.destroyed || i >= text.length) return clearInterval(timer);
            socket.write(text[i++]!);
          }, everyMs);
        },
      }),
    );
    socket.once('error', reject);
  });
}

const within = <T>(promise: Promise<T>, ms: number) =>
  Promise.race([
    promise,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`still open after ${ms} ms`)), ms)),
  ]);

describe('slow and unauthenticated clients over real sockets', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({
      camera: false,
      stream: { headersTimeoutMs: HEADERS_MS, requestTimeoutMs: REQUEST_MS },
    });
  });
  afterAll(() => stack.stop());

  it('answers_401_from_the_headers_without_waiting_for_the_body_and_closes_the_connection', async () => {
    const c = await talk(stack.url);
    c.socket.write(
      'POST /whep HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/sdp\r\nContent-Length: 10000\r\n\r\nv=0\r\n',
    );
    const closedAfter = await within(c.closed, 3000);
    expect(c.received()).toMatch(/^HTTP\/1\.1 401 /);
    expect(c.received()).toContain('"code":"no_token"');
    expect(closedAfter).toBeLessThan(HEADERS_MS);
    const denies = (await stack.records()).filter((r) => r.type === 'deny' && r.code === 'no_token');
    expect(denies.length).toBeGreaterThan(0);
  });

  it('cuts_a_client_that_trickles_its_headers', async () => {
    const c = await talk(stack.url);
    c.trickle(`POST /whep HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ${'x'.repeat(200)}\r\n\r\n`, 50);
    const closedAfter = await within(c.closed, 4000);
    expect(closedAfter).toBeGreaterThanOrEqual(HEADERS_MS - 50);
    expect(closedAfter).toBeLessThan(HEADERS_MS + 1500);
  });

  it('cuts_an_authenticated_client_that_trickles_its_body', async () => {
    const token = await stack.token();
    const c = await talk(stack.url);
    c.socket.write(
      `POST /whep HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/sdp\r\nContent-Length: 4000\r\n\r\n`,
    );
    c.trickle('v'.repeat(4000), 50);
    const closedAfter = await within(c.closed, 5000);
    expect(closedAfter).toBeGreaterThanOrEqual(REQUEST_MS - 50);
    expect(closedAfter).toBeLessThan(REQUEST_MS + 1500);
    expect(c.received()).not.toMatch(/^HTTP\/1\.1 201/);
  });
});
