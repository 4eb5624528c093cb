/**
 * Every MQTT topic of nattsyn, for both processes: the device publishes and listens under its own
 * subtree `nattsyn/v1/<deviceId>/`, the centre subscribes across devices with `+`. One builder, so
 * the broker's ACL (docs/centre.md) and the code cannot disagree about where a message goes. The
 * audit archive's topics are here too (below).
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

/**
 * The topics of the audit archive. A device publishes its records under its own subtree and
 * listens there for the archive's answers; the archive instances consume every device's stream
 * through one shared subscription group, so the broker hands each message to one of them.
 */
/**
 * Archive → whoever watches the centre: an alarm. `_` cannot begin a device id, so no device
 * subtree (and no device ACL pattern) can ever cover it.
 */
export const ARCHIVE_ALARM_TOPIC = `${TOPIC_ROOT}/_centre/archive/alarm`;

/**
 * Archive → whoever watches (the round, `nattsyn monitor`): how far the archive holds each device's
 * chain, retained, one topic per device under the centre's own space (never a device's subtree, so
 * no device can write it). `+` at the end subscribes to every device's state.
 */
export const ARCHIVE_STATE_TOPICS = `${TOPIC_ROOT}/_centre/archive/device/+`;
export const archiveStateTopic = (deviceId: string): string =>
  `${TOPIC_ROOT}/_centre/archive/device/${deviceId}`;

/**
 * Archive → whoever watches: one retained presence per archive instance (its MQTT client id), with
 * a Last Will of `offline`, so a watcher can tell a quiet fleet from an archive that is down.
 */
export const ARCHIVE_INSTANCE_TOPICS = `${TOPIC_ROOT}/_centre/archive/instance/+`;
export const archiveInstanceTopic = (clientId: string): string =>
  `${TOPIC_ROOT}/_centre/archive/instance/${clientId}`;

/** What a centre-space archive topic names: a device's state or an instance's presence. */
export function parseArchiveStateTopic(
  topic: string,
): { kind: 'device' | 'instance'; id: string } | undefined {
  const prefix = `${TOPIC_ROOT}/_centre/archive/`;
  if (!topic.startsWith(prefix)) return undefined;
  const m = /^(device|instance)\/([A-Za-z0-9_-]{1,64})$/.exec(topic.slice(prefix.length));
  return m ? { kind: m[1] as 'device' | 'instance', id: m[2]! } : undefined;
}

/** The shared subscriptions of every archive instance in `group`. */
export const archiveSubscriptions = (group: string): { audit: string; event: string } => ({
  audit: `$share/${group}/${TOPIC_ROOT}/+/audit`,
  event: `$share/${group}/${TOPIC_ROOT}/+/event`,
});

/** Which device's stream a received topic belongs to; undefined for any other topic. */
export function parseArchiveTopic(
  topic: string,
): { deviceId: string; stream: 'audit' | 'event' } | undefined {
  const parsed = parseDeviceTopic(topic);
  if (parsed?.rest !== 'audit' && parsed?.rest !== 'event') return undefined;
  return { deviceId: parsed.deviceId, stream: parsed.rest };
}
