/**
 * The topics of the audit archive. A device publishes its records under its own subtree and
 * listens there for the archive's answers; the archive instances consume every device's stream
 * through one shared subscription group, so the broker hands each message to one of them.
 */
import { parseDeviceTopic, TOPIC_ROOT as ROOT } from './topics.ts';

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
  const parsed = parseDeviceTopic(topic);
  if (parsed?.rest !== 'audit' && parsed?.rest !== 'event') return undefined;
  return { deviceId: parsed.deviceId, stream: parsed.rest };
}
