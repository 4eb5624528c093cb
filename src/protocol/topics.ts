/**
 * Every MQTT topic of nattsyn, for both processes: the device publishes and listens under its own
 * subtree `nattsyn/v1/<deviceId>/`, the centre subscribes across devices with `+`. One builder, so
 * the broker's ACL (docs/centre.md) and the code cannot disagree about where a message goes.
 */

export const TOPIC_ROOT = 'nattsyn/v1';

/** Device ids and centre instance ids: what may stand in one topic level. */
export const TOPIC_ID = /^[A-Za-z0-9-]{4,64}$/;

/** Topics under `nattsyn/v1/<deviceId>/`. */
export function deviceTopics(deviceId: string) {
  const base = `${TOPIC_ROOT}/${deviceId}`;
  return {
    base,
    status: `${base}/status`,
    info: `${base}/info`,
    /** The registration summary (room label, care-plan reference; retained). */
    registration: `${base}/registration`,
    health: `${base}/health`,
    event: `${base}/event`,
    audit: `${base}/audit`,
    /** The archive's acknowledgement: the highest contiguous verified seq (retained). */
    auditAck: `${base}/audit/ack`,
    /** The archive asks the device to send again from a seq (a gap it saw). */
    auditResend: `${base}/audit/resend`,
    /** The device's next supervision windows (retained), the round's source of truth. */
    schedule: `${base}/schedule`,
    policy: `${base}/policy`,
    cmd: `${base}/cmd/+`,
    cmdResult: (name: string) => `${base}/cmd/${name}/res`,
    /** Relayed WHEP requests from the centre (MQTT 5 request/response). */
    whepRequest: `${base}/whep/req`,
    /**
     * Where the device answers a relayed request: always inside its own subtree, so the ACL can
     * confine each device to `nattsyn/v1/<deviceId>/#` and a request cannot make it publish elsewhere.
     */
    whepResponse: (instanceId: string) => `${base}/whep/res/${instanceId}`,
  };
}

export type DeviceTopics = ReturnType<typeof deviceTopics>;

/** Subscriptions of a centre instance across every device. */
export function centreTopics(instanceId: string) {
  return {
    status: `${TOPIC_ROOT}/+/status`,
    schedule: `${TOPIC_ROOT}/+/schedule`,
    health: `${TOPIC_ROOT}/+/health`,
    info: `${TOPIC_ROOT}/+/info`,
    whepResponses: `${TOPIC_ROOT}/+/whep/res/${instanceId}`,
  };
}

/** Splits `nattsyn/v1/<deviceId>/<rest>`; undefined for anything else. */
export function parseDeviceTopic(topic: string): { deviceId: string; rest: string } | undefined {
  const prefix = `${TOPIC_ROOT}/`;
  if (!topic.startsWith(prefix)) return undefined;
  const tail = topic.slice(prefix.length);
  const slash = tail.indexOf('/');
  if (slash < 0) return undefined;
  const deviceId = tail.slice(0, slash);
  if (!TOPIC_ID.test(deviceId)) return undefined;
  return { deviceId, rest: tail.slice(slash + 1) };
}
