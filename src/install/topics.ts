/** MQTT topics and the publish port the installer verbs use (DESIGN.md: `nattsyn/v1/<deviceId>/`). */

export const deviceTopic = (deviceId: string, leaf: string): string => `nattsyn/v1/${deviceId}/${leaf}`;

/** Publishes one message and resolves once the broker acknowledged it (QoS 1). */
export type Publish = (
  topic: string,
  payload: string,
  options: { retain: boolean; qos: 0 | 1 },
) => Promise<void>;
