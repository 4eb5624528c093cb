/**
 * The archive's section of the centre's config: where the archive lives (SQLite by default, or
 * PostgreSQL) and how it holds its MQTT session, and the MQTT client options that session turns
 * into. The broker URL and TLS are the centre's own.
 */

import type { IClientOptions } from 'mqtt';
import { z } from 'zod';
import { type ArchiveInstance, archiveInstanceTopic } from '../../protocol/index.ts';

const file = () => z.string().min(1);

const sqliteSchema = z.strictObject({
  kind: z.literal('sqlite'),
  /** One file (WAL beside it); several instances on one machine may share it. */
  file: file(),
});

const postgresSchema = z
  .strictObject({
    kind: z.literal('postgres'),
    /** `postgres://user@host:5432/db`, without a password (use passwordFile). */
    url: z
      .string()
      .regex(/^postgres(ql)?:\/\/[^\s]+$/, 'expected postgres://user@host:port/database')
      .refine(
        (u) => !/^postgres(ql)?:\/\/[^/@]*:[^/@]*@/.test(u),
        'put the password in passwordFile, not the URL',
      )
      .optional(),
    /** A host name, or the directory of a Unix socket. */
    host: z.string().min(1).optional(),
    port: z.number().int().min(1).max(65535).default(5432),
    user: z.string().min(1).optional(),
    database: z.string().min(1).optional(),
    /** A file holding the password (one line); never the password itself. */
    passwordFile: file().optional(),
    /** TLS to the server with this CA pinned. */
    tls: z.strictObject({ caFile: file() }).optional(),
  })
  .refine((c) => (c.url === undefined) !== (c.host === undefined), {
    message: 'name the server with either url or host (with user and database)',
    path: ['host'],
  })
  .refine((c) => c.url !== undefined || (c.user !== undefined && c.database !== undefined), {
    message: 'host needs user and database',
    path: ['database'],
  });

export const archiveDatabaseSchema = z.discriminatedUnion('kind', [sqliteSchema, postgresSchema]);
export type ArchiveDatabaseConfig = z.output<typeof archiveDatabaseSchema>;

export const archiveMqttSchema = z.strictObject({
  /**
   * This instance's MQTT client id. Keep it stable across restarts: the broker holds the session
   * (and the messages queued for it) under this id. Default: `nattsyn-archive-<hostname>`.
   */
  clientId: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/)
    .optional(),
  /** The shared subscription group every archive instance joins. */
  shareGroup: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/)
    .default('nattsyn-archive'),
  /**
   * How long the broker keeps this instance's session (and queues its share of the records) while
   * it is away. A restarted instance resumes its session; one gone longer loses the queue, and the
   * devices send again (they keep every record until acknowledged).
   */
  sessionExpirySeconds: z.number().int().min(1).max(604_800).default(600),
  /** Unacknowledged messages the broker may send at once (MQTT 5 Receive Maximum). */
  receiveMaximum: z.number().int().min(1).max(1000).default(100),
  reconnectMs: z.number().int().min(100).max(60_000).default(2000),
});

export const archiveConfigSchema = z.strictObject({
  database: archiveDatabaseSchema.default({ kind: 'sqlite', file: '/var/lib/nattsyn-centre/archive.db' }),
  mqtt: archiveMqttSchema.prefault({}),
  /** How long a gap may stay open (another instance may be storing the missing record) before asking the device. */
  gapGraceMs: z.number().int().min(0).max(60_000).default(2000),
  /** The first wait before asking a device again; doubles while nothing changes, up to 10 minutes. */
  resendIntervalMs: z.number().int().min(100).max(600_000).default(30_000),
});
export type ArchiveConfig = z.output<typeof archiveConfigSchema>;

/**
 * The archive's MQTT 5 session: persistent (clean start off, session expiry set) under a stable
 * client id, so the broker queues this instance's share of the shared subscription while it
 * restarts; PUBACKs are sent by the archive itself after each commit (`customHandleAcks`); and a
 * retained Last Will marks the instance `offline` for watchers when it dies without stopping.
 */
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
