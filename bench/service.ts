/**
 * The device under measurement, in its own process so its CPU and memory are its own: synthetic
 * camera, hub, WHEP over werift, access controller over a real audit log (the test stack). Prints
 * one JSON line (url, tokens, camera pid) and runs until SIGTERM or stdin closes.
 */

import { processTree } from '../test/fixtures/stream/files.ts';
import { startStack } from '../test/fixtures/stream/stack.ts';

const gop = Number(process.argv[2] ?? 30);
const stack = await startStack({
  window: 'open',
  maxViewers: 8,
  camera: { gopFrames: gop },
  stream: { rateLimitPerMinute: 100_000 },
});
await stack.hub.waitForKeyframe(10_000);
const tokens = await Promise.all(Array.from({ length: 8 }, () => stack.token()));
const camera = processTree().find((p) => p.comm === 'ffmpeg')?.pid;
process.stdout.write(`${JSON.stringify({ url: stack.url, tokens, pid: process.pid, cameraPid: camera })}\n`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await stack.stop();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.stdin.on('end', () => void stop());
process.stdin.resume();
