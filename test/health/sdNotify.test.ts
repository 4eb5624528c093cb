import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SdNotify } from '../../src/health/sdNotify.ts';
import { ManualTime } from '../fixtures/time.ts';

/** A fake systemd: a unix datagram socket (python3, as Node has none) printing each message. */
async function fakeNotifySocket(path: string) {
  const code = [
    'import socket, sys',
    's = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)',
    `s.bind(${JSON.stringify(path)})`,
    'print("bound", flush=True)',
    'while True:',
    '    print(s.recv(4096).decode().replace("\\n", "|"), flush=True)',
  ].join('\n');
  const child = spawn('python3', ['-c', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const messages: string[] = [];
  child.stdout!.on('data', (d: Buffer) => messages.push(...d.toString().trim().split('\n')));
  await expect.poll(() => messages.includes('bound'), { timeout: 5000 }).toBe(true);
  return { child, messages };
}

let child: ChildProcess | undefined;
let dir: string | undefined;
afterEach(async () => {
  child?.kill();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('systemd notify', () => {
  it('sends READY, watchdog pings from the event loop and STOPPING over NOTIFY_SOCKET', async () => {
    dir = await mkdtemp(join(tmpdir(), 'nattsyn-notify-'));
    const socketPath = join(dir, 'notify');
    const fake = await fakeNotifySocket(socketPath);
    child = fake.child;
    const time = new ManualTime();
    const notify = new SdNotify({ socketPath, watchdogUsec: 20_000_000, mainPid: 4242, time });
    await notify.ready();
    expect(time.scheduled()).toEqual([{ name: 'sd-watchdog', inMs: 10_000 }]);
    time.advance(10_000);
    await expect
      .poll(() => fake.messages.some((m) => m.startsWith('WATCHDOG=1')), { timeout: 5000 })
      .toBe(true);
    await notify.stopping();
    await expect
      .poll(() => fake.messages.some((m) => m.startsWith('STOPPING=1')), { timeout: 5000 })
      .toBe(true);
    expect(fake.messages, JSON.stringify(fake.messages)).toContain('READY=1|STATUS=running|MAINPID=4242');
    expect(time.pending).toBe(0);
  });

  it('is a silent no-op outside systemd', async () => {
    const sent: string[][] = [];
    const notify = new SdNotify({
      socketPath: undefined,
      watchdogUsec: 1_000_000,
      send: async (_p, m) => void sent.push(m),
    });
    await notify.ready();
    await notify.stopping();
    expect(notify.enabled).toBe(false);
    expect(sent).toEqual([]);
  });
});
