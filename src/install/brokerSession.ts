/**
 * A short MQTT session for the installer verbs (register publishes the registration record, wipe the
 * `decommissioned` event): TLS with the device certificate, QoS 1 acknowledged before it resolves,
 * a client id of its own so it never kicks the running service's session off the broker.
 */
import { readFile } from 'node:fs/promises';
import mqtt from 'mqtt';
import type { LoadedRegistration } from './registration.ts';

/** Publishes one message and resolves once the broker acknowledged it (QoS 1). */
export type Publish = (
  topic: string,
  payload: string,
  options: { retain: boolean; qos: 0 | 1 },
) => Promise<void>;

export interface BrokerSession {
  publish: Publish;
  close(): Promise<void>;
}

export type ConnectBroker = (registration: LoadedRegistration) => Promise<BrokerSession>;

export function brokerConnector(
  options: { connectTimeoutMs?: number; clientSuffix?: string } = {},
): ConnectBroker {
  return async (reg) => {
    const [key, cert, ca] = await Promise.all(
      [reg.tls.keyFile, reg.tls.certFile, reg.tls.caFile].map((f) => readFile(f)),
    );
    const client = await mqtt.connectAsync(
      reg.registration.brokerUrl,
      {
        key,
        cert,
        ca,
        clientId: `${reg.registration.deviceId}-${options.clientSuffix ?? 'cli'}`,
        reconnectPeriod: 0,
        connectTimeout: options.connectTimeoutMs ?? 8000,
        rejectUnauthorized: true,
        protocolVersion: 5,
      },
      false,
    );
    return {
      publish: async (topic, payload, { retain, qos }) => {
        await client.publishAsync(topic, payload, { retain, qos });
      },
      close: async () => {
        await client.endAsync();
      },
    };
  };
}
