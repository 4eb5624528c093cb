/**
 * Home Assistant MQTT discovery (opt-in): retained config messages so a centre running Home
 * Assistant sees each device's connectivity, problem flag, temperature, camera state and next
 * window without configuration. Entities read the device's own `status` and `health` topics.
 */
import type { MqttLink } from './link.ts';

export interface DiscoveryOptions {
  deviceId: string;
  softwareVersion: string;
  prefix: string;
}

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
  const availability = {
    availability_topic: topics.status,
    availability_template: "{{ 'online' if value_json.state == 'online' else 'offline' }}",
  };
  const entity = (component: string, object: string, config: Record<string, unknown>): DiscoveryMessage => ({
    topic: `${o.prefix}/${component}/${id}/${object}/config`,
    payload: {
      unique_id: `nattsyn_${id}_${object}`,
      object_id: `nattsyn_${id}_${object}`,
      device,
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
      state_topic: topics.health,
      value_template: "{{ 'ON' if value_json.problems | length > 0 else 'OFF' }}",
      json_attributes_topic: topics.health,
      json_attributes_template:
        "{{ {'problems': value_json.problems, 'readiness': value_json.readiness} | tojson }}",
      ...availability,
    }),
    entity('sensor', 'temperature', {
      name: 'CPU temperature',
      device_class: 'temperature',
      unit_of_measurement: '°C',
      state_class: 'measurement',
      state_topic: topics.health,
      value_template: '{{ value_json.cpuTemperatureC }}',
      ...availability,
    }),
    entity('sensor', 'camera', {
      name: 'Camera',
      state_topic: topics.health,
      value_template: '{{ value_json.camera.state }}',
      ...availability,
    }),
    entity('sensor', 'next_window', {
      name: 'Next window',
      device_class: 'timestamp',
      state_topic: topics.health,
      value_template: "{{ value_json.nextWindow.start if value_json.nextWindow else 'unknown' }}",
      ...availability,
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
