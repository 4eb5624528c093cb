/** The wire format both processes speak. */
export * from './archiveTopics.ts';
export * from './audit.ts';
export * from './event.ts';
