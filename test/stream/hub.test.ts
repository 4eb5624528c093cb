import { describe, expect, it } from 'vitest';
import type { RtpPacket } from 'werift';
import { StreamHub } from '../../src/stream/index.ts';
import { ViewerFeed } from '../../src/stream/viewerFeed.ts';
import { FakeCamera } from '../fixtures/camera.ts';
import { accessUnit } from '../fixtures/h264.ts';
import { ManualTime } from '../fixtures/time.ts';

const picture = (keyframe: boolean, pts: number, size = 100) => {
  const data = new Uint8Array(4 + size).fill(7);
  data.set([0, 0, 0, 1, keyframe ? 0x65 : 0x41]);
  return accessUnit(data, { keyframe, pts90k: pts });
};

function setup() {
  const camera = new FakeCamera();
  const time = new ManualTime();
  const hub = new StreamHub({ camera, time, keyframeRequestIntervalMs: 1000 });
  hub.start();
  return { camera, hub, time };
}

describe('StreamHub', () => {
  it('caches the GOP from the latest keyframe and nothing before the first keyframe', () => {
    const { camera, hub } = setup();
    camera.emit(picture(false, 0));
    expect(hub.hasKeyframe()).toBe(false);
    camera.emit(picture(true, 6000));
    camera.emit(picture(false, 12000));
    expect(hub.currentGop().map((f) => f.pts90k)).toEqual([6000, 12000]);
    camera.emit(picture(true, 18000));
    expect(hub.currentGop().map((f) => f.pts90k)).toEqual([18000]);
    hub.stop();
    expect(camera.listeners).toBe(0);
  });

  it('drops the cached GOP when the camera stops, so a stale picture is never replayed', () => {
    const { camera, hub } = setup();
    camera.emit(picture(true, 0));
    camera.setState('stopped');
    expect(hub.hasKeyframe()).toBe(false);
  });

  it('passes at most one keyframe request per interval to the camera', () => {
    const { camera, hub } = setup();
    hub.requestKeyframe();
    hub.requestKeyframe();
    expect(camera.keyframeRequests).toBe(1);
  });

  it('resolves a wait for the first keyframe, and times out without one', async () => {
    const { camera, hub, time } = setup();
    const none = hub.waitForKeyframe(10);
    time.advance(10);
    expect(await none).toBe(false);
    const waiting = hub.waitForKeyframe(5000);
    camera.emit(picture(true, 0));
    expect(await waiting).toBe(true);
  });
});

describe('ViewerFeed', () => {
  it('replays the GOP 1 ms apart, then follows live pictures on their own clock', () => {
    const { camera, hub } = setup();
    camera.emit(picture(true, 0, 3000));
    camera.emit(picture(false, 6000));
    camera.emit(picture(false, 12000));
    const sent: RtpPacket[] = [];
    // A feed reuses its one packet object; werift copies it on send, and so does this test.
    const feed = new ViewerFeed(hub, (p) => sent.push(p.clone()), 102);
    expect(sent).toHaveLength(0);
    feed.begin();
    camera.emit(picture(false, 18000));
    const stamps = [...new Set(sent.map((p) => p.header.timestamp))];
    expect(stamps).toHaveLength(4);
    expect(stamps[1]! - stamps[0]!).toBe(90);
    expect(stamps[2]! - stamps[1]!).toBe(90);
    expect(stamps[3]! - stamps[2]!).toBe(6000);
    const seq = sent.map((p) => p.header.sequenceNumber);
    expect(seq.every((s, i) => i === 0 || s === ((seq[i - 1]! + 1) & 0xffff))).toBe(true);
    expect(sent.every((p) => p.header.payloadType === 102 && p.header.ssrc === feed.ssrc)).toBe(true);
    feed.end();
    camera.emit(picture(false, 24000));
    expect(new Set(sent.map((p) => p.header.timestamp)).size).toBe(4);
  });

  it('gives every viewer its own packet objects, SSRC and sequence numbers over shared payloads', () => {
    const { camera, hub } = setup();
    camera.emit(picture(true, 0, 2500));
    const a: RtpPacket[] = [];
    const b: RtpPacket[] = [];
    const fa = new ViewerFeed(hub, (p) => a.push(p), 102);
    const fb = new ViewerFeed(hub, (p) => b.push(p), 102);
    fa.begin();
    fb.begin();
    camera.emit(picture(false, 6000));
    expect(a.length).toBe(b.length);
    expect(fa.ssrc).not.toBe(fb.ssrc);
    a.forEach((p, i) => {
      expect(p).not.toBe(b[i]);
      expect(p.header).not.toBe(b[i]!.header);
      expect(p.payload.equals(b[i]!.payload)).toBe(true);
    });
    a[0]!.header.sequenceNumber = 1;
    expect(b[0]!.header.sequenceNumber).not.toBe(1);
  });
});

describe('ViewerFeed across a camera restart (issue 9, item 9)', () => {
  it('keeps_timestamps_and_sequence_numbers_going_forward_when_the_camera_clock_starts_again', () => {
    const { camera, hub, time } = setup();
    camera.setState('running');
    camera.emit(picture(true, 2_430_000)); // 27 s into the first run
    const sent: RtpPacket[] = [];
    const feed = new ViewerFeed(hub, (p) => sent.push(p.clone()), 102);
    feed.begin();
    time.advance(66);
    camera.emit(picture(false, 2_436_000));
    camera.setState('failed');
    time.advance(1500); // the supervisor's back-off, then a new process whose clock starts at 0
    camera.setState('starting');
    camera.emit(picture(true, 0));
    time.advance(66);
    camera.emit(picture(false, 6000));
    const stamps = [...new Set(sent.map((p) => p.header.timestamp))];
    expect(stamps).toHaveLength(4);
    expect(stamps[1]! - stamps[0]!).toBe(6000);
    expect(stamps[2]! - stamps[1]!).toBe(1500 * 90);
    expect(stamps[3]! - stamps[2]!).toBe(6000);
    const seq = sent.map((p) => p.header.sequenceNumber);
    expect(seq.every((s, i) => i === 0 || s === ((seq[i - 1]! + 1) & 0xffff))).toBe(true);
  });

  it('never_steps_back_even_when_a_source_clock_jumps_back_within_one_run', () => {
    const { camera, hub, time } = setup();
    camera.emit(picture(true, 90_000));
    const sent: RtpPacket[] = [];
    new ViewerFeed(hub, (p) => sent.push(p.clone()), 102).begin();
    time.advance(66);
    camera.emit(picture(false, 30_000));
    const [first, second] = [...new Set(sent.map((p) => p.header.timestamp))];
    expect(second! - first!).toBe(66 * 90);
  });

  it('drops_the_cached_gop_when_the_camera_restarts_so_a_dead_run_is_never_replayed', () => {
    const { camera, hub } = setup();
    camera.emit(picture(true, 0));
    camera.setState('starting');
    expect(hub.hasKeyframe()).toBe(false);
  });
});
