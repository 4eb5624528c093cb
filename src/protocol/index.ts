/** The wire format both processes speak: topics, payloads and the WHEP relay envelope. */

export * from './schedule.ts';
export * from './signedJson.ts';
export * from './topics.ts';
export * from './turn.ts';
export * from './whepRelay.ts';
