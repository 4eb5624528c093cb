/**
 * The stream folder's public surface (the only folder that imports werift, and only in the modules
 * webrtc.ts loads lazily: nothing here imports werift when the service starts).
 */
export { buildAnswer } from './answer.ts';
export { type StreamConfigInput, streamConfigSchema } from './config.ts';
export { type DialTls, relayFallback } from './fallbackRoutes.ts';
export { FallbackService, TICKET_MS } from './fallbackService.ts';
export { StreamHub } from './hub.ts';
export { guardOffer, SDP_REJECT_CODES } from './sdpGuard.ts';
export { type StreamingDeps, StreamingService } from './streaming.ts';
export { viewerState } from './viewerRoutes.ts';
export { errorReply, staffSubjectOf, type WhepReply, type WhepRequest } from './whepMessages.ts';
export { WhepServer } from './whepServer.ts';
export { loadWebRtc, WhepService } from './whepService.ts';
