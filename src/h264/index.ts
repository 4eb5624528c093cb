/** H.264's one home: NAL units, the Annex B parser, profiles and levels, and the RTP payloader. */
export { AnnexBParser, type ParsedAccessUnit } from './annexb.ts';
export { MAX_RTP_PAYLOAD, packetizeNalUnits, type RtpPayload, splitNalUnits } from './nal.ts';
export {
  bestDecoder,
  canDecode,
  declaredProfile,
  findSps,
  type H264Profile,
  type ProfileClass,
  parseProfileLevelId,
  profileClass,
  profileLevelId,
  spsProfile,
} from './profile.ts';
