/**
 * The mqtt.js options and packet properties of the device's link: MQTT 5 (or 3.1.1 for a broker
 * that speaks only that), a clean session per connection, reconnecting left to the link's own
 * back-off, the largest packet it takes, and TLS pinned to the centre's CA with this device's client
 * certificate. There is no switch to accept an unverified broker.
 */
import { readFile } from 'node:fs/promises';
import type { IClientOptions, IClientPublishOptions, IPublishPacket } from 'mqtt';
import { UsageError } from '../errors.ts';
import type { MqttConfig } from './config.ts';

/** Room for a packet's header, topic and properties around the largest payload taken. */
export const PACKET_OVERHEAD_BYTES = 4096;

export interface LinkOptionsDeps {
  deviceId: string;
  config: MqttConfig;
  readFile?: (file: string) => Promise<string>;
}

export async function linkOptions(deps: LinkOptionsDeps): Promise<IClientOptions> {
  const { config, deviceId } = deps;
  const options: IClientOptions = {
    protocolVersion: config.protocolVersion,
    clientId: deviceId,
    clean: true,
    keepalive: config.keepaliveSeconds,
    connectTimeout: config.connectTimeoutMs,
    reconnectPeriod: 0,
    manualConnect: true,
    resubscribe: false,
    // mqtt-packet would otherwise build a 65,536-entry table of two-byte Buffers on the first
    // publish (6 MB of heap, measured) to save an allocation per packet id.
    writeCache: false,
  };
  // MQTT 5 lets the client name the largest packet it takes; the broker then never sends a larger one.
  if (config.protocolVersion === 5)
    options.properties = { maximumPacketSize: config.maxInboundBytes + PACKET_OVERHEAD_BYTES };
  if (config.tls) {
    const tls = config.tls;
    const readRaw = deps.readFile ?? ((f: string) => readFile(f, 'utf8'));
    const read = (field: 'caFile' | 'certFile' | 'keyFile') =>
      readRaw(tls[field]).catch((cause) => {
        throw new UsageError(`mqtt.tls.${field}: cannot read ${tls[field]}`, { cause });
      });
    options.ca = [await read('caFile')];
    options.cert = await read('certFile');
    options.key = await read('keyFile');
    if (tls.serverName) options.servername = tls.serverName;
  }
  // Not configurable on purpose: the broker is always checked against the pinned CA.
  options.rejectUnauthorized = true;
  return options;
}

export interface PublishOptions {
  qos?: 0 | 1;
  retain?: boolean;
  /** MQTT 5 message expiry, seconds. */
  expirySeconds?: number;
  /** MQTT 5 correlation data: the answer to a request carries the request's. */
  correlationData?: Buffer;
}

/** The MQTT 5 properties of a publish (none on MQTT 3.1.1, which has no properties). */
export function publishProperties(options: PublishOptions): Pick<IClientPublishOptions, 'properties'> {
  const properties: NonNullable<IClientPublishOptions['properties']> = {};
  if (options.expirySeconds !== undefined) properties.messageExpiryInterval = options.expirySeconds;
  if (options.correlationData !== undefined) properties.correlationData = options.correlationData;
  return Object.keys(properties).length > 0 ? { properties } : {};
}

/** The MQTT 5 properties of an inbound message that request/response needs (absent on MQTT 3.1.1). */
export interface InboundProperties {
  responseTopic: string | undefined;
  correlationData: Buffer | undefined;
  messageExpiryInterval: number | undefined;
}

export function inboundProperties(packet: Pick<IPublishPacket, 'properties'>): InboundProperties {
  const p = packet.properties;
  return {
    responseTopic: p?.responseTopic,
    correlationData: p?.correlationData === undefined ? undefined : Buffer.from(p.correlationData),
    messageExpiryInterval: p?.messageExpiryInterval,
  };
}
