/** H.264's one home: NAL units, the Annex B parser and the RTP payloader, shared by camera and stream. */
export { AnnexBParser, type ParsedAccessUnit } from './annexb.ts';
export { splitNalUnits } from './nal.ts';
export { MAX_RTP_PAYLOAD, packetizeNalUnits, type RtpPayload } from './packetizer.ts';
