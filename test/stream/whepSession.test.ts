/**
 * One WHEP session's own timers, driven by a manual clock: the backstop cut after the grant's end,
 * the connect timeout, the viewer-silence cut, and the feed leaving the hub when the session ends.
 * The peers are real werift peers on 127.0.0.1; only the session's time is in the test's hands.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RtcpRrPacket } from 'werift';
import type { SessionEndCode, SessionTicket } from '../../src/access/index.ts';
import { silentLogger } from '../../src/log.ts';
import { epochMillis } from '../../src/platform/time.ts';
import { buildAnswer, guardOffer, StreamHub, streamConfigSchema } from '../../src/stream/index.ts';
import { answerOffer } from '../../src/stream/peer.ts';
import { WhepSession } from '../../src/stream/whepSession.ts';
import { FakeCamera } from '../fixtures/camera.ts';
import { offerFixture } from '../fixtures/stream/http.ts';
import { type ViewerPeer, viewerPeer } from '../fixtures/stream/viewerPeer.ts';
import { ManualTime } from '../fixtures/time.ts';

const config = streamConfigSchema.parse({ port: 0, ice: { hostAddresses: ['127.0.0.1'] } });
const GRANT_MS = 60_000;
const SILENCE_MS = 6000;

let cleanup: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

/** A session on a real device peer; `viewer` connects a real werift viewer to it. */
async function openSession(options: { viewer?: boolean; connectTimeoutMs?: number } = {}) {
  const time = new ManualTime();
  const camera = new FakeCamera();
  const hub = new StreamHub({ camera, time });
  hub.start();
  let viewer: ViewerPeer | undefined;
  if (options.viewer) {
    viewer = await viewerPeer();
    cleanup.push(() => viewer?.close());
  }
  const offer = guardOffer(viewer?.offer ?? offerFixture('chromium-video'));
  const peer = await answerOffer(offer, config, time);
  const ticket: SessionTicket = {
    sessionId: 'session-under-test',
    staffId: 'nurse-7',
    tokenId: 'tok-1',
    scope: 'view',
    emergency: false,
    windowId: 'night',
    until: epochMillis(time.now() + GRANT_MS),
    startedAt: time.monotonic(),
  };
  const ended: SessionEndCode[] = [];
  const session = new WhepSession(ticket, peer, hub, offer.payloadType, {
    end: (_id, code) => void ended.push(code),
    logger: silentLogger,
    time,
    connectTimeoutMs: options.connectTimeoutMs ?? 10 * GRANT_MS,
    viewerSilenceMs: SILENCE_MS,
  });
  cleanup.push(
    () => session.close(),
    () => hub.stop(),
  );
  session.start();
  if (viewer) {
    await viewer.accept(buildAnswer(peer.answer, offer));
    await expect.poll(() => session.connectedAt, { timeout: 10_000 }).toBeDefined();
  }
  return { time, hub, session, ended, viewer };
}

describe('a WHEP session on a driven clock', () => {
  it('closes_itself_one_second_after_the_grant_ends_when_access_control_has_not_cut_it', async () => {
    const { time, session, ended } = await openSession();
    time.advance(GRANT_MS + 999);
    expect([ended, session.closed]).toEqual([[], false]);
    time.advance(1);
    expect(ended).toEqual(['window_end']);
    expect(session.closed).toBe(true);
    expect(time.pending).toBe(0);
  });

  it('asks_access_control_to_end_a_session_whose_viewer_never_connects', async () => {
    const { time, ended } = await openSession({ connectTimeoutMs: 15_000 });
    time.advance(14_999);
    expect(ended).toEqual([]);
    time.advance(1);
    expect(ended).toEqual(['ice_failed']);
  });

  it('feeds_a_connected_viewer_from_the_hub_and_detaches_the_feed_when_the_session_ends', async () => {
    const { hub, session } = await openSession({ viewer: true });
    expect(hub.viewerCount).toBe(1);
    await session.close();
    expect(hub.viewerCount).toBe(0);
  });

  it('ends_a_connected_session_whose_viewer_sent_no_receiver_report_for_the_silence_limit', async () => {
    const { time, session, ended } = await openSession({ viewer: true });
    // Synchronous from here: no real receiver report can arrive between the steps.
    time.advance(SILENCE_MS);
    expect(ended).toEqual([]);
    time.advance(1000);
    expect(ended).toEqual(['ice_failed']);
    expect(session.closed).toBe(false); // access control closes it, through `end`
  });

  it('keeps_a_session_whose_viewer_keeps_reporting', async () => {
    const { time, session, ended, viewer } = await openSession({ viewer: true });
    time.advance(SILENCE_MS - 1000);
    const reported = new Promise<void>((resolve) => {
      for (const dtls of session.pc.dtlsTransports) dtls.onRtcp.subscribe(() => resolve());
    });
    await viewer!.pc.dtlsTransports[0]!.sendRtcp([new RtcpRrPacket({ ssrc: 1234 })]);
    await reported;
    time.advance(2000);
    expect(ended).toEqual([]);
  });

  it('applies_trickled_candidates_but_never_resolves_an_mdns_local_one', async () => {
    const { session } = await openSession();
    const remoteCandidates = () =>
      (session.pc.remoteDescription?.sdp ?? '').split('\r\n').filter((l) => l.startsWith('a=candidate:'));
    const before = remoteCandidates();
    session.addCandidates(
      [
        'candidate:7 1 udp 2122260223 3f1c0d4e-7b2a-4c1d-9e8f-0a1b2c3d4e5f.local 50001 typ host',
        'candidate:8 1 udp 2122260223 127.0.0.1 50002 typ host',
      ],
      '0',
    );
    await expect.poll(() => remoteCandidates().length).toBe(before.length + 1);
    expect(remoteCandidates().filter((l) => l.includes('.local'))).toEqual([]);
    expect(remoteCandidates().some((l) => l.includes('127.0.0.1 50002'))).toBe(true);
    // No mDNS resolver was ever started: resolving would multicast the viewer's name on the LAN.
    expect(session.pc.iceTransports.map((t) => (t.connection as { lookup?: unknown }).lookup)).toEqual([
      undefined,
    ]);
  });
});
