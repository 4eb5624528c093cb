/** The wire format both processes speak: topics, payloads, the WHEP relay envelope, the audit record. */
export * from './audit.ts';
export * from './schedule.ts';
export * from './signedJson.ts';
export * from './topics.ts';
export * from './turn.ts';
export * from './whepRelay.ts';
