/**
 * The archive's MQTT 5 session: persistent (clean start off, session expiry set) under a stable
 * client id, so the broker queues this instance's share of the shared subscription while it
 * restarts; PUBACKs are sent by the archive itself after each commit (`customHandleAcks`); and a
 * retained Last Will marks the instance `offline` for watchers when it dies without stopping.
 */
import type { IClientOptions } from 'mqtt';
import { type ArchiveInstance, archiveInstanceTopic } from '../../protocol/index.ts';
import type { ArchiveConfig } from './config.ts';

export interface ArchiveLink {
  tls?: { ca: string; cert: string; key: string; serverName?: string };
  keepaliveSeconds?: number;
}

export const instancePayload = (state: ArchiveInstance['state']): string => JSON.stringify({ state });

export function archiveClientOptions(
  config: ArchiveConfig,
  link: ArchiveLink,
  clientId: string,
  customHandleAcks: NonNullable<IClientOptions['customHandleAcks']>,
): IClientOptions {
  return {
    protocolVersion: 5,
    clientId,
    clean: false,
    keepalive: link.keepaliveSeconds ?? 30,
    reconnectPeriod: config.mqtt.reconnectMs,
    connectTimeout: 10_000,
    resubscribe: false,
    properties: {
      sessionExpiryInterval: config.mqtt.sessionExpirySeconds,
      receiveMaximum: config.mqtt.receiveMaximum,
    },
    will: {
      topic: archiveInstanceTopic(clientId),
      payload: instancePayload('offline'),
      qos: 1,
      retain: true,
    },
    customHandleAcks,
    ...(link.tls
      ? {
          ca: [link.tls.ca],
          cert: link.tls.cert,
          key: link.tls.key,
          rejectUnauthorized: true,
          ...(link.tls.serverName ? { servername: link.tls.serverName } : {}),
        }
      : {}),
  };
}
