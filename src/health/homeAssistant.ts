/**
 * Home Assistant MQTT discovery (opt-in): retained config messages so a centre running Home
 * Assistant sees each device's connectivity, problem flag, temperature, camera state and next
 * window without configuration. Entities read the device's own `status` and `health` topics.
 * Entities fed by `health` expire as the retained health does, so a dead device's last reading is
 * not shown as current; a value that is absent is sent as `None`, Home Assistant's "unknown"
 * (a timestamp sensor given any other text logs an error). `wipe` clears these configs.
 */
import type { MqttLink } from './link.ts';

export interface DiscoveryOptions {
  deviceId: string;
  softwareVersion: string;
  prefix: string;
  /** How long a health reading stays current (the retained health's expiry, 3 periods). */
  expireAfterSeconds: number;
}

/** The entities, as `[component, object]`: also what a wipe clears. */
const ENTITIES = [
  ['binary_sensor', 'connectivity'],
  ['binary_sensor', 'problem'],
  ['sensor', 'temperature'],
  ['sensor', 'camera'],
  ['sensor', 'next_window'],
] as const;

const configTopic = (prefix: string, component: string, deviceId: string, object: string) =>
  `${prefix}/${component}/${deviceId}/${object}/config`;

/** Every discovery config topic of a device: a wipe publishes an empty retained message to each. */
export function discoveryTopics(deviceId: string, prefix: string): string[] {
  return ENTITIES.map(([component, object]) => configTopic(prefix, component, deviceId, object));
}

/** An entity id slug: lower case letters, digits and `_` only. */
const slug = (text: string) => text.toLowerCase().replace(/[^a-z0-9]+/g, '_');

export interface DiscoveryMessage {
  topic: string;
  payload: Record<string, unknown>;
}

export function discoveryMessages(o: DiscoveryOptions, topics: MqttLink['topics']): DiscoveryMessage[] {
  const id = o.deviceId;
  const device = {
    identifiers: [`nattsyn_${id}`],
    name: `nattsyn ${id}`,
    manufacturer: 'nattsyn',
    model: 'night supervision camera',
    sw_version: o.softwareVersion,
  };
  const origin = { name: 'nattsyn', sw_version: o.softwareVersion };
  /** Entities fed by `health`: available while the device is online, stale when health stops. */
  const fromHealth = {
    state_topic: topics.health,
    availability_topic: topics.status,
    availability_template: "{{ 'online' if value_json.state == 'online' else 'offline' }}",
    expire_after: o.expireAfterSeconds,
  };
  const entity = (
    component: (typeof ENTITIES)[number][0],
    object: (typeof ENTITIES)[number][1],
    config: Record<string, unknown>,
  ): DiscoveryMessage => ({
    topic: configTopic(o.prefix, component, id, object),
    payload: {
      unique_id: `nattsyn_${id}_${object}`,
      // Home Assistant 2025.10 deprecated `object_id` for this (domain.object_id).
      default_entity_id: `${component}.${slug(`nattsyn_${id}_${object}`)}`,
      device,
      origin,
      ...config,
    },
  });
  return [
    entity('binary_sensor', 'connectivity', {
      name: 'Connectivity',
      device_class: 'connectivity',
      state_topic: topics.status,
      value_template: "{{ 'ON' if value_json.state == 'online' else 'OFF' }}",
    }),
    entity('binary_sensor', 'problem', {
      name: 'Problem',
      device_class: 'problem',
      value_template: "{{ 'ON' if value_json.problems | length > 0 else 'OFF' }}",
      json_attributes_topic: topics.health,
      json_attributes_template:
        "{{ {'problems': value_json.problems, 'readiness': value_json.readiness} | tojson }}",
      ...fromHealth,
    }),
    entity('sensor', 'temperature', {
      name: 'CPU temperature',
      device_class: 'temperature',
      unit_of_measurement: '°C',
      state_class: 'measurement',
      value_template: '{{ value_json.cpuTemperatureC }}',
      ...fromHealth,
    }),
    entity('sensor', 'camera', {
      name: 'Camera',
      value_template: '{{ value_json.camera.state }}',
      ...fromHealth,
    }),
    entity('sensor', 'next_window', {
      name: 'Next window',
      device_class: 'timestamp',
      value_template: "{{ value_json.nextWindow.start if value_json.nextWindow else 'None' }}",
      ...fromHealth,
    }),
  ];
}

/** Publishes the discovery configs on every connection (retained, so HA picks them up any time). */
export function enableDiscovery(
  link: Pick<MqttLink, 'onConnect' | 'publish' | 'topics'>,
  o: DiscoveryOptions,
) {
  return link.onConnect(async () => {
    for (const m of discoveryMessages(o, link.topics)) {
      await link.publish(m.topic, JSON.stringify(m.payload), { qos: 1, retain: true });
    }
  });
}
