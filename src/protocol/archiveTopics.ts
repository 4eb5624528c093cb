/**
 * The topics of the audit archive. A device publishes its records under its own subtree and
 * listens there for the archive's answers; the archive instances consume every device's stream
 * through one shared subscription group, so the broker hands each message to one of them.
 */
const ROOT = 'nattsyn/v1';

/** Device → archive: each audit record (QoS 1, strictly in `seq` order). */
export const auditTopic = (deviceId: string): string => `${ROOT}/${deviceId}/audit`;
/** Device → archive: each event (QoS 1, `eventId`). */
export const eventTopic = (deviceId: string): string => `${ROOT}/${deviceId}/event`;
/** Archive → device: the highest contiguous verified record (retained, QoS 1). */
export const auditAckTopic = (deviceId: string): string => `${ROOT}/${deviceId}/audit/ack`;
/** Archive → device: send again from a `seq` (QoS 1, not retained). */
export const auditResendTopic = (deviceId: string): string => `${ROOT}/${deviceId}/audit/resend`;
/**
 * Archive → whoever watches the centre: an alarm. `_` cannot begin a device id, so no device
 * subtree (and no device ACL pattern) can ever cover it.
 */
export const ARCHIVE_ALARM_TOPIC = `${ROOT}/_centre/archive/alarm`;

/** The shared subscriptions of every archive instance in `group`. */
export const archiveSubscriptions = (group: string): { audit: string; event: string } => ({
  audit: `$share/${group}/${ROOT}/+/audit`,
  event: `$share/${group}/${ROOT}/+/event`,
});

/** Which device's stream a received topic belongs to; undefined for any other topic. */
export function parseArchiveTopic(
  topic: string,
): { deviceId: string; stream: 'audit' | 'event' } | undefined {
  const m = /^nattsyn\/v1\/([A-Za-z0-9-]{4,64})\/(audit|event)$/.exec(topic);
  return m ? { deviceId: m[1]!, stream: m[2] as 'audit' | 'event' } : undefined;
}
