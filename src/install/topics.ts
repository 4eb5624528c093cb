/** The publish port the installer verbs use; their topics come from health's one builder (topics.ts). */
export { topicsFor } from '../health/topics.ts';

/** Publishes one message and resolves once the broker acknowledged it (QoS 1). */
export type Publish = (
  topic: string,
  payload: string,
  options: { retain: boolean; qos: 0 | 1 },
) => Promise<void>;
