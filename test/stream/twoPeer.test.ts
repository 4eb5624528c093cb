import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RtpHeader, RtpPacket } from 'werift';
import { call, offerFixture, post } from '../fixtures/stream/http.ts';
import { type Stack, startStack } from '../fixtures/stream/stack.ts';
import { VIEWER_H264, viewerPeer } from '../fixtures/stream/viewerPeer.ts';

function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = setInterval(() => {
      if (check()) {
        clearInterval(poll);
        resolve();
      } else if (Date.now() - started > timeoutMs) {
        clearInterval(poll);
        reject(new Error(`timed out waiting for ${what}`));
      }
    }, 20);
  });
}

/** A werift viewer that offers to send video of its own and tries to, joined over WHEP. */
async function viewer(stack: Stack, token: string, lossPercent = 0) {
  const v = await viewerPeer({ lossPercent });
  const created = await post(stack.url, v.offer, token);
  expect(created.res.status).toBe(201);
  await v.accept(created.text);
  return { ...v, answer: created.text, location: created.res.headers.get('location')! };
}

describe('two werift peers over WHEP', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ window: 'open', stream: { connectTimeoutMs: 1500 } });
    await stack.hub.waitForKeyframe(8000);
  });
  afterAll(() => stack.stop());

  it('sends H.264 starting on a keyframe to the viewer and never receives media from it', async () => {
    const token = await stack.token();
    const v = await viewer(stack, token);
    expect(v.answer).toContain('a=sendonly');
    await until(() => v.pc.connectionState === 'connected', 8000, 'connection');
    // The viewer tries to push its own video, through its sender and straight into its transport.
    const header = () =>
      new RtpHeader({
        payloadType: VIEWER_H264.payloadType ?? 96,
        sequenceNumber: Math.floor(Math.random() * 65535),
        timestamp: 1,
        ssrc: v.transceiver.sender.ssrc,
        marker: true,
      });
    for (let i = 0; i < 50; i++) {
      v.own.writeRtp(new RtpPacket(header(), Buffer.from([0x65, 1, 2, 3])));
      await v.pc.dtlsTransports[0]!.sendRtp(Buffer.from([0x65, 1, 2, 3]), header()).catch(() => undefined);
    }
    await until(() => v.received.length > 30, 8000, 'media at the viewer');
    const first = v.received[0]!;
    const firstType = first.payload[0]! & 0x1f;
    const nalType = firstType === 28 ? first.payload[1]! & 0x1f : firstType;
    expect([5, 7]).toContain(nalType);
    expect(v.received.every((p) => p.payload.length <= 1200)).toBe(true);
    // The feed reuses one packet object: every packet must still arrive as its own, numbered in
    // turn, with the marker only where a picture ends (the timestamp changes after it).
    const seqs = v.received.slice(0, 30).map((p) => p.header.sequenceNumber);
    expect(seqs.every((seq, i) => i === 0 || seq === ((seqs[i - 1]! + 1) & 0xffff))).toBe(true);
    const run = v.received.slice(0, 30);
    run.slice(0, -1).forEach((p, i) => {
      expect(p.header.marker).toBe(p.header.timestamp !== run[i + 1]!.header.timestamp);
    });
    const session = stack.server.sessions.all()[0]!;
    expect(session.rtpArrived).toBeGreaterThan(0);
    expect(session.remoteTracks).toBe(0);
    expect(session.mediaReceived).toBe(0);
    expect(session.pc.getReceivers().every((r) => r.track === undefined || r.track.kind !== 'audio')).toBe(
      true,
    );
    expect(session.pc.getTransceivers().map((t) => t.currentDirection)).toEqual(['sendonly']);
    await call(stack.url, v.location, 'DELETE', token);
    await v.pc.close();
  });

  it("answers the viewer's NACKs with RTX retransmissions", async () => {
    const token = await stack.token();
    const v = await viewer(stack, token, 10);
    await until(() => v.pc.connectionState === 'connected', 8000, 'connection');
    const session = stack.server.sessions.get(v.location.split('/').pop()!)!;
    const sender = session.pc.getSenders()[0]!;
    expect(sender.rtxSsrc).toBeGreaterThan(0);
    let nacks = 0;
    sender.onGenericNack.subscribe(() => (nacks += 1));
    await until(
      () =>
        nacks > 0 && (sender as unknown as { retransmittedPacketsSent: number }).retransmittedPacketsSent > 0,
      8000,
      'a retransmission',
    );
    await call(stack.url, v.location, 'DELETE', token);
    await v.pc.close();
  });

  it('closes the peer when access control ends the session (resident pauses)', async () => {
    const token = await stack.token();
    const v = await viewer(stack, token);
    await until(() => v.pc.connectionState === 'connected', 8000, 'connection');
    const id = v.location.split('/').pop()!;
    await stack.access.setPaused(true, 'resident');
    await until(() => stack.server.sessions.get(id) === undefined, 2000, 'the cut');
    expect((await stack.records()).find((r) => r.type === 'session_end' && r.sessionId === id)?.code).toBe(
      'paused',
    );
    await stack.access.setPaused(false, 'resident');
    await v.pc.close();
  });

  it('ends a session whose viewer never connects as ice_failed, audited', async () => {
    const created = await post(stack.url, offerFixture('chromium-video'), await stack.token());
    const id = created.res.headers.get('location')!.split('/').pop()!;
    await until(() => stack.server.sessions.get(id) === undefined, 4000, 'the connect timeout');
    expect(stack.access.sessions()).toHaveLength(0);
    expect((await stack.records()).find((r) => r.type === 'session_end' && r.sessionId === id)?.code).toBe(
      'ice_failed',
    );
  });
});
