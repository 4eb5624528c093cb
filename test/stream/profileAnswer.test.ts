/**
 * The answer declares the profile and level in the camera's SPS: streams made by ffmpeg at four
 * profiles and levels go through the offer guard, a real werift peer and the answer builder, each
 * against Chromium's offer (every profile it decodes) and an OpenH264-style offer (constrained
 * baseline only, as Firefox and Safari-era decoders offer).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NattsynError } from '../../src/errors.ts';
import { findSps, spsProfile } from '../../src/h264/index.ts';
import { silentLogger } from '../../src/log.ts';
import {
  buildAnswer,
  guardOffer,
  StreamHub,
  streamConfigSchema,
  WhepService,
} from '../../src/stream/index.ts';
import { answerOffer } from '../../src/stream/peer.ts';
import { FakeCamera } from '../fixtures/camera.ts';
import { accessUnitsOf, makeH264At } from '../fixtures/h264.ts';
import { offerFixture } from '../fixtures/stream/http.ts';
import { type Stack, startStack } from '../fixtures/stream/stack.ts';

const config = streamConfigSchema.parse({ port: 0, ice: { hostAddresses: ['127.0.0.1'] } });

async function streamProfile(profile: string, level: string) {
  const [first] = accessUnitsOf(await makeH264At(profile, level));
  return spsProfile(findSps(first!.nals)!)!;
}

async function answerFor(offer: string, profile: string, level: string) {
  const guarded = guardOffer(offer, undefined, await streamProfile(profile, level));
  const peer = await answerOffer(guarded, config);
  try {
    const answer = buildAnswer(peer.answer, guarded);
    const m = answer.split('\r\n').find((l) => l.startsWith('m=video'))!;
    const fmtp = answer.split('\r\n').filter((l) => /^a=fmtp:\d+ .*profile-level-id/.test(l));
    return { pt: m.split(' ')[3], fmtp };
  } finally {
    await peer.pc.close();
  }
}

/** Firefox with OpenH264 (and most hardware decoders on phones): constrained baseline only. */
const openH264Offer = () =>
  offerFixture('chromium-video')
    .replace(/profile-level-id=(4d001f|f4001f)/g, 'profile-level-id=42e01f')
    .replace(/a=fmtp:(116|41) [^\r\n]*\r\n/g, '')
    .replace(/a=rtpmap:(116|41) H264\/90000\r\n/g, '');

describe('the declared profile is the one in the bitstream', () => {
  it('answers_chromium_with_each_stream_own_profile_level_id_on_the_payload_type_of_that_profile', async () => {
    const chromium = offerFixture('chromium-video');
    expect(await answerFor(chromium, 'baseline', '3.1')).toEqual({
      pt: '108',
      fmtp: ['a=fmtp:108 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42c01f'],
    });
    expect(await answerFor(chromium, 'baseline', '4.1')).toEqual({
      pt: '108',
      fmtp: ['a=fmtp:108 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42c029'],
    });
    expect(await answerFor(chromium, 'main', '4.0')).toEqual({
      pt: '116',
      fmtp: ['a=fmtp:116 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=4d4028'],
    });
    // Chromium 156 offers no plain High: its High 4:4:4 decoder plays a High stream.
    expect(await answerFor(chromium, 'high', '4.1')).toEqual({
      pt: '41',
      fmtp: ['a=fmtp:41 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=f40029'],
    });
    const withHigh = chromium.replace('profile-level-id=f4001f', 'profile-level-id=64001f');
    expect(await answerFor(withHigh, 'high', '4.1')).toEqual({
      pt: '41',
      fmtp: ['a=fmtp:41 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=640029'],
    });
  }, 30_000);

  it('refuses_main_and_high_to_a_constrained_baseline_only_browser_with_a_clear_code', async () => {
    const offer = openH264Offer();
    expect((await answerFor(offer, 'baseline', '4.1')).fmtp).toEqual([
      'a=fmtp:108 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42c029',
    ]);
    for (const [profile, level] of [
      ['main', '4.0'],
      ['high', '4.1'],
    ] as const) {
      const stream = await streamProfile(profile, level);
      const refusal = (() => {
        try {
          guardOffer(offer, undefined, stream);
        } catch (e) {
          return e instanceof NattsynError ? `${e.status} ${e.code}` : String(e);
        }
        return 'accepted';
      })();
      expect([profile, refusal]).toEqual([profile, '422 sdp_h264_profile_unsupported']);
    }
  }, 30_000);
});

describe('the WHEP service with a Main-profile camera', () => {
  let stack: Stack;
  let service: WhepService;
  beforeAll(async () => {
    stack = await startStack({ window: 'open', camera: false });
    const camera = new FakeCamera({ units: accessUnitsOf(await makeH264At('main', '4.0')) });
    const hub = new StreamHub({ camera, time: stack.time });
    hub.start();
    camera.play();
    service = new WhepService({
      config: stack.server.config,
      access: stack.access,
      hub,
      logger: silentLogger,
      time: stack.time,
    });
    service.start();
  });
  afterAll(async () => {
    await service.stop();
    await stack.stop();
  });

  const post = async (body: string) =>
    service.handle({
      method: 'POST',
      contentType: 'application/sdp',
      body,
      token: await stack.token(),
      origin: { transport: 'http', remote: '127.0.0.1' },
    });

  it('refuses_a_browser_that_cannot_decode_main_before_any_grant_is_written', async () => {
    const grants = (await stack.records()).filter((r) => r.type === 'grant').length;
    const reply = await post(openH264Offer());
    expect([reply.status, JSON.parse(reply.body).code]).toEqual([422, 'sdp_h264_profile_unsupported']);
    expect((await stack.records()).filter((r) => r.type === 'grant').length).toBe(grants);
  });

  it('answers_chromium_on_its_main_payload_type_declaring_4d4028', async () => {
    const reply = await post(offerFixture('chromium-video'));
    expect(reply.status).toBe(201);
    expect(reply.body).toContain(
      'a=fmtp:116 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=4d4028',
    );
    expect(reply.body).not.toContain('42e01f');
  });
});
