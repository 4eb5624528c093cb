/**
 * An MQTT 5 client run by the lab inside a namespace (a device at home, the centre in public):
 * TLS with a client certificate, publish with the broker's PUBACK reason code, subscribe and read
 * back what arrived.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { serveAgent } from '../agent.ts';

let client: MqttClient | undefined;
const arrived: { topic: string; payload: string }[] = [];

const connected = () => {
  if (!client) throw new Error('not connected');
  return client;
};

serveAgent(
  {
    connect: async (o: { url: string; ca: string; key: string; cert: string; clientId: string }) => {
      client = await mqtt.connectAsync(o.url, {
        protocolVersion: 5,
        clientId: o.clientId,
        ca: o.ca,
        key: o.key,
        cert: o.cert,
        reconnectPeriod: 0,
        connectTimeout: 5000,
      });
      client.on('message', (topic, payload) => arrived.push({ topic, payload: payload.toString() }));
    },
    subscribe: async ({ topic }: { topic: string }) => {
      const granted = await connected().subscribeAsync(topic, { qos: 1 });
      return granted.map((g) => g.qos);
    },
    /** The PUBACK reason code (0 delivered, 135 not authorised). */
    publish: async ({ topic, payload }: { topic: string; payload: string }) => {
      try {
        const packet = await connected().publishAsync(topic, payload, { qos: 1 });
        return (packet as { reasonCode?: number } | undefined)?.reasonCode ?? 0;
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (typeof code === 'number') return code;
        throw error;
      }
    },
    arrived: () => [...arrived],
    end: async () => {
      await client?.endAsync();
      client = undefined;
    },
  },
  () => client?.endAsync(),
);
