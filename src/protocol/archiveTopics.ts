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

/**
 * Archive → whoever watches (the round, `nattsyn monitor`): how far the archive holds each device's
 * chain, retained, one topic per device under the centre's own space (never a device's subtree, so
 * no device can write it). `+` at the end subscribes to every device's state.
 */
export const ARCHIVE_STATE_TOPICS = `${ROOT}/_centre/archive/device/+`;
export const archiveStateTopic = (deviceId: string): string => `${ROOT}/_centre/archive/device/${deviceId}`;

/**
 * Archive → whoever watches: one retained presence per archive instance (its MQTT client id), with
 * a Last Will of `offline`, so a watcher can tell a quiet fleet from an archive that is down.
 */
export const ARCHIVE_INSTANCE_TOPICS = `${ROOT}/_centre/archive/instance/+`;
export const archiveInstanceTopic = (clientId: string): string =>
  `${ROOT}/_centre/archive/instance/${clientId}`;

/** What a centre-space archive topic names: a device's state or an instance's presence. */
export function parseArchiveStateTopic(
  topic: string,
): { kind: 'device' | 'instance'; id: string } | undefined {
  const prefix = `${ROOT}/_centre/archive/`;
  if (!topic.startsWith(prefix)) return undefined;
  const m = /^(device|instance)\/([A-Za-z0-9_-]{1,64})$/.exec(topic.slice(prefix.length));
  return m ? { kind: m[1] as 'device' | 'instance', id: m[2]! } : undefined;
}

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
