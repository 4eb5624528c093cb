/**
 * Builds the answer the viewer gets from werift's answer to the guarded offer: the m-lines the
 * guard declined go back in their offered places with port 0 (JSEP §5.3.1: a rejected section), the
 * video section is forced to `a=sendonly`, its H.264 fmtp declares the camera's own profile and level
 * (the guard's choice), and werift's candidates are all there (WHEP: gathered).
 */
import { NattsynError } from '../errors.ts';
import { type GuardedOffer, splitSdp } from './sdpGuard.ts';

export function buildAnswer(weriftAnswer: string, offer: GuardedOffer): string {
  const { session, sections } = splitSdp(weriftAnswer);
  const video = sections.find((s) => s.kind === 'video');
  if (!video || sections.length !== 1) {
    throw new NattsynError('internal', 'the peer did not answer with exactly one video section');
  }
  const videoLines = [
    `m=video ${video.port} ${video.proto} ${video.formats.join(' ')}`,
    ...video.lines.filter(
      (l) =>
        !/^a=(sendrecv|sendonly|recvonly|inactive)$/.test(l) && !l.startsWith(`a=fmtp:${offer.payloadType} `),
    ),
    `a=fmtp:${offer.payloadType} ${offer.answerFmtp}`,
    'a=sendonly',
  ];
  const blocks: string[][] = [];
  const total = offer.declined.length + 1;
  for (let index = 0; index < total; index++) {
    if (index === offer.videoIndex) {
      blocks.push(videoLines);
      continue;
    }
    const d = offer.declined.find((x) => x.index === index)!;
    const format = d.kind === 'application' ? 'webrtc-datachannel' : d.format;
    blocks.push([
      `m=${d.kind} 0 ${d.proto} ${format}`,
      'c=IN IP4 0.0.0.0',
      ...(d.mid ? [`a=mid:${d.mid}`] : []),
      'a=inactive',
    ]);
  }
  return `${[...session, ...blocks.flat()].join('\r\n')}\r\n`;
}
