/**
 * The one builder of MQTT topic names under `nattsyn/v1/<deviceId>/` (docs/mqtt.md): the link,
 * the outbox, the reporter, Home Assistant discovery and the installer verbs all take theirs here.
 */
export const TOPIC_ROOT = 'nattsyn/v1';

export function topicsFor(deviceId: string) {
  const base = `${TOPIC_ROOT}/${deviceId}`;
  return {
    base,
    status: `${base}/status`,
    info: `${base}/info`,
    health: `${base}/health`,
    event: `${base}/event`,
    audit: `${base}/audit`,
    policy: `${base}/policy`,
    registration: `${base}/registration`,
    cmd: `${base}/cmd/+`,
    cmdResult: (name: string) => `${base}/cmd/${name}/res`,
  };
}

export type DeviceTopics = ReturnType<typeof topicsFor>;
