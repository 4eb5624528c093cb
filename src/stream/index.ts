/** The stream folder's public surface (the only folder that imports werift). */
export { buildAnswer } from './answer.ts';
export { LOOPBACK_HOSTS, type StreamConfig, type StreamConfigInput, streamConfigSchema } from './config.ts';
export { type FrameSink, type HubFrame, StreamHub, type StreamHubOptions } from './hub.ts';
export { type GuardedOffer, guardOffer, SDP_REJECT_CODES, type SdpRejectCode } from './sdpGuard.ts';
export { type StreamingDeps, StreamingService } from './streaming.ts';
export { ViewerFeed } from './viewerFeed.ts';
export {
  errorReply,
  type IceServer,
  iceServerLinks,
  staffSubjectOf,
  type WhepReply,
  type WhepRequest,
} from './whepMessages.ts';
export { WhepServer, type WhepServerDeps } from './whepServer.ts';
export { WhepService, type WhepServiceDeps } from './whepService.ts';
export { WhepSession } from './whepSession.ts';
