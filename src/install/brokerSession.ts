/**
 * A short MQTT session for the installer verbs (register publishes the registration record, wipe the
 * `decommissioned` event): TLS with the device certificate, QoS 1 acknowledged before it resolves,
 * a client id of its own so it never kicks the running service's session off the broker. The
 * payloads those verbs publish are here too, as schemas (below).
 */
import { readFile } from 'node:fs/promises';
import mqtt from 'mqtt';
import { z } from 'zod';
import { eventPayloadSchema } from '../health/payloads.ts';
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

/**
 * The MQTT payloads the installer verbs publish, as schemas (one typed map, like the health
 * module's): the retained registration record, the `decommissioned` event and the self-test report
 * printed by `selftest --json`. The monitoring centre validates against these; none carries a
 * name or an address.
 */
const hex64 = z.string().regex(/^[0-9a-f]{64}$/);
const deviceId = z.string().regex(/^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){2}$/);

/** `nattsyn/v1/<deviceId>/registration`, retained, QoS 1; cleared (empty payload) by a wipe. */
export const registrationRecordSchema = z.strictObject({
  schema: z.literal('nattsyn/registration/1'),
  deviceId,
  carePlanRef: z.string().min(5).max(64),
  registeredAt: z.iso.datetime(),
  /** SHA-256 over the SPKI DER of each key: names keys without sending them. */
  identityKey: hex64,
  issuer: z.string().min(1),
  issuerKeys: z.array(hex64).min(1),
  policyKey: hex64,
});

/**
 * `nattsyn/v1/<deviceId>/event`, QoS 1, not retained: the device was retired on purpose. It is an
 * ordinary event (health's event schema), next in the device's event `seq`, with code `decommissioned`.
 */
export const decommissionedEventSchema = eventPayloadSchema.extend({ code: z.literal('decommissioned') });

/** `nattsyn selftest --json` (the `cmd/selftest` result is the flat form of it, see flattenReport). */
export const selftestReportSchema = z.strictObject({
  ok: z.boolean(),
  deviceId: deviceId.optional(),
  at: z.iso.datetime(),
  checks: z.array(
    z.strictObject({
      id: z.string(),
      title: z.string(),
      ok: z.boolean(),
      detail: z.string(),
      fix: z.string().optional(),
      durationMs: z.number().int().nonnegative(),
      /** Not run because a check it needs did not pass; `ok` is then false. */
      skipped: z.literal(true).optional(),
    }),
  ),
});
