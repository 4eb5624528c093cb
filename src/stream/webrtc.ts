/**
 * The WebRTC half of a look, the part of the device that imports werift: the peer (peer.ts) and the
 * session that feeds it (whepSession.ts). It loads on first need (`loadWebRtc()` in
 * whepService.ts), not at start: a device spends most of the day outside its windows with the camera
 * off, and werift with its ICE, DTLS and SRTP dependencies is ~15 MB of the service's RSS. The
 * streaming service loads it as soon as the camera starts, which is before a window opens.
 */
export { answerOffer } from './peer.ts';
export { WhepSession } from './whepSession.ts';
