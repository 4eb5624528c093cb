/**
 * The mqtt.js options of the device's link: MQTT 5 (or 3.1.1 for the demo's broker), a clean session
 * per connection, reconnecting left to the link's own back-off, the largest packet it takes, and
 * TLS pinned to the centre's CA with this device's client certificate. There is no switch to accept an unverified broker.
 */
import { readFile } from 'node:fs/promises';
import type { IClientOptions } from 'mqtt';
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
