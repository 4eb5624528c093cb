/**
 * The centre's one configuration file, validated completely before anything starts (every problem
 * as `<path>: <message>`, exit 2). Paths are relative to the file. Secret files (TLS keys, the relay
 * signing key, the TURN secret) are refused when readable by every user.
 */
import * as path from 'node:path';
import { z } from 'zod';
import { UsageError } from '../errors.ts';
import { formatIssues, TOPIC_ID } from '../protocol/index.ts';
import { type ArchiveConfig, archiveConfigSchema } from './archive/config.ts';
import { oidcConfigSchema, sessionConfigSchema } from './auth/config.ts';
import { centreFallbackSchema } from './fallback/routes.ts';
import { rosterConfigSchema } from './roster/roster.ts';
import { roundConfigSchema } from './round/config.ts';
import { staffTokensConfigSchema } from './tokens/lookToken.ts';

const file = () => z.string().min(1);
const LOOPBACK = /^(mqtt:\/\/(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|localhost|\[::1\]))(:\d+)?\/?$/;

export const centreMqttSchema = z
  .strictObject({
    /** `mqtts://broker:8883` with the centre's client certificate; plain `mqtt://` only on this machine. */
    url: z.string().regex(/^mqtts?:\/\/[^\s/]+(:\d+)?\/?$/, 'expected mqtt://host:port or mqtts://host:port'),
    tls: z
      .strictObject({ caFile: file(), certFile: file(), keyFile: file(), serverName: z.string().optional() })
      .optional(),
    keepaliveSeconds: z.number().int().min(5).max(600).default(30),
    /** MQTT 5 is required: request/response, message expiry and shared subscriptions. */
    protocolVersion: z.literal(5).default(5),
  })
  .refine((c) => !c.url.startsWith('mqtts:') || c.tls !== undefined, {
    message: 'mqtts:// needs tls.caFile, tls.certFile and tls.keyFile',
    path: ['tls'],
  })
  .refine((c) => c.url.startsWith('mqtts:') || LOOPBACK.test(c.url), {
    message: 'plain mqtt:// is only for a broker on this machine; use mqtts://',
    path: ['url'],
  });

export const centreHttpSchema = z
  .strictObject({
    host: z.string().min(1).default('127.0.0.1'),
    port: z.number().int().min(0).max(65535).default(8444),
    tls: z.strictObject({ certFile: file(), keyFile: file() }).optional(),
    /** Behind a load balancer: trust its X-Forwarded-For for the per-address rate limit. */
    trustProxy: z.union([z.boolean(), z.array(z.string())]).default(false),
    /** Requests per client address per minute on the relay routes. */
    rateLimitPerMinute: z.number().int().min(1).default(60),
    /** Requests per signed-in staff member per minute on the round's look routes (a look is ~8). */
    staffRateLimitPerMinute: z.number().int().min(1).default(120),
    maxBodyBytes: z.number().int().min(1024).max(32_768).default(16_384),
  })
  .refine((c) => c.tls !== undefined || ['127.0.0.1', '::1', 'localhost'].includes(c.host), {
    message: 'HTTPS is required off loopback: set http.tls or listen on 127.0.0.1',
    path: ['tls'],
  });

export const centreRelaySchema = z.strictObject({
  /** Ed25519 private key (PKCS#8 PEM) that signs every relayed request; devices pin its public key. */
  signingKey: file(),
  /** How long the centre waits for a device's answer (the request's message expiry follows it). */
  timeoutMs: z.number().int().min(1000).max(10_000).default(8000),
});

export const centreTurnSchema = z.strictObject({
  /** coturn's URLs, e.g. turn:turn.example:3478?transport=udp, turns:turn.example:443?transport=tcp. */
  urls: z
    .array(z.string().regex(/^(stun|turns?):[^\s<>"]+$/, 'expected a stun:, turn: or turns: URL'))
    .min(1)
    .max(4),
  /** coturn's `static-auth-secret` (use-auth-secret, the TURN REST API scheme). */
  secretFile: file(),
  /** Upper bound of a credential's life; never longer than the look it is for. */
  ttlSeconds: z.number().int().min(60).max(3600).default(600),
});

/** Staff features need all three: who signs in, what she may see, and the key that mints her looks. */
const STAFF_SECTIONS = ['oidc', 'roster', 'staffTokens'] as const;

export const centreConfigSchema = z
  .strictObject({
    /** Names this instance in response topics; a random one per start when absent. */
    instanceId: z.string().regex(TOPIC_ID, 'expected 4-64 letters, digits or -').optional(),
    /**
     * The centre key (base64 text of ≥ 32 random bytes, mode 0600), the same file at every instance:
     * seals sign-in cookies, signs session URLs and look handles.
     */
    keyFile: file(),
    http: centreHttpSchema.prefault({}),
    mqtt: centreMqttSchema,
    relay: centreRelaySchema,
    turn: centreTurnSchema.optional(),
    /** The MPEG-1 fallback's device-facing listener; without it the centre relays WebRTC only. */
    fallback: centreFallbackSchema.optional(),
    /** Staff sign-in at the municipality's IdP; without it the centre is a relay only. */
    oidc: oidcConfigSchema.optional(),
    session: sessionConfigSchema.prefault({}),
    roster: rosterConfigSchema.optional(),
    staffTokens: staffTokensConfigSchema.optional(),
    round: roundConfigSchema.prefault({}),
    /**
     * The audit archive and the centre's database (revocations, centre audit, look history, the
     * "who looked" pages); without it the centre keeps those in memory and the log only.
     */
    archive: archiveConfigSchema.optional(),
    log: z
      .strictObject({ level: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info') })
      .prefault({}),
  })
  .superRefine((c, ctx) => {
    const present = STAFF_SECTIONS.filter((k) => c[k] !== undefined);
    if (present.length === 0 || present.length === STAFF_SECTIONS.length) return;
    for (const missing of STAFF_SECTIONS.filter((k) => c[k] === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: [missing],
        message: `the round needs ${STAFF_SECTIONS.join(', ')} together (${present.join(', ')} given)`,
      });
    }
  });
export type CentreConfig = z.output<typeof centreConfigSchema>;

/** Parses the raw JSON and makes every file path absolute, relative to the config file. */
export function parseCentreConfig(raw: unknown, configFile: string): CentreConfig {
  const parsed = centreConfigSchema.safeParse(raw);
  if (!parsed.success)
    throw new UsageError(`invalid configuration\n${formatIssues(parsed.error).join('\n')}`);
  const c = parsed.data;
  const abs = (f: string) => path.resolve(path.dirname(configFile), f);
  return {
    ...c,
    http: { ...c.http, ...(c.http.tls ? { tls: mapFiles(c.http.tls, abs) } : {}) },
    mqtt: { ...c.mqtt, ...(c.mqtt.tls ? { tls: mapFiles(c.mqtt.tls, abs) } : {}) },
    keyFile: abs(c.keyFile),
    relay: { ...c.relay, signingKey: abs(c.relay.signingKey) },
    ...(c.turn ? { turn: { ...c.turn, secretFile: abs(c.turn.secretFile) } } : {}),
    ...(c.fallback ? { fallback: { ...c.fallback, tls: mapFiles(c.fallback.tls, abs) } } : {}),
    ...(c.oidc?.clientSecretFile
      ? { oidc: { ...c.oidc, clientSecretFile: abs(c.oidc.clientSecretFile) } }
      : {}),
    ...(c.roster ? { roster: { ...c.roster, file: abs(c.roster.file) } } : {}),
    ...(c.staffTokens
      ? { staffTokens: { ...c.staffTokens, privateKeyFile: abs(c.staffTokens.privateKeyFile) } }
      : {}),
    ...(c.archive ? { archive: archiveFiles(c.archive, abs) } : {}),
  };
}

function archiveFiles(archive: ArchiveConfig, abs: (f: string) => string): ArchiveConfig {
  const db = archive.database;
  if (db.kind === 'sqlite') return { ...archive, database: { ...db, file: abs(db.file) } };
  return {
    ...archive,
    database: {
      ...db,
      ...(db.passwordFile ? { passwordFile: abs(db.passwordFile) } : {}),
      ...(db.tls ? { tls: { caFile: abs(db.tls.caFile) } } : {}),
    },
  };
}

function mapFiles<T extends Record<string, unknown>>(o: T, abs: (f: string) => string): T {
  const out: Record<string, unknown> = { ...o };
  for (const [k, v] of Object.entries(o)) if (k.endsWith('File') && typeof v === 'string') out[k] = abs(v);
  return out as T;
}
