/**
 * The `mqtt` and `health` config sections, with defaults; the lead composes them into src/config.ts.
 * There is no switch to accept an unverified broker certificate: TLS always pins the centre's CA.
 */
import { z } from 'zod';

const positiveInt = () => z.number().int().positive();

/**
 * Whether a broker URL's host is this machine: 127.0.0.0/8, ::1 or localhost, written plainly
 * (no other spelling of an address counts: a plain-text link must never leave the board).
 */
export function isLoopbackUrl(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase();
  } catch {
    return false;
  }
  if (host === 'localhost' || host === '[::1]') return true;
  const octets = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  const plainOctet = (o: string) => Number(o) <= 255 && (o === '0' || !o.startsWith('0'));
  return octets?.slice(1).every(plainOctet) ?? false;
}

export const backoffConfigSchema = z
  .strictObject({
    initialMs: positiveInt().default(1000),
    maxMs: positiveInt().default(60_000),
    factor: z.number().min(1).max(10).default(2),
    /** Share of each delay that is random: 0.5 gives a delay between half and all of the base. */
    jitter: z.number().min(0).max(1).default(0.5),
  })
  .refine((b) => b.initialMs <= b.maxMs, { message: 'initialMs must not exceed maxMs', path: ['initialMs'] });

export const mqttConfigSchema = z
  .strictObject({
    /** `mqtts://host:port` in production; `mqtt://` only for a broker on this machine (demo, tests). */
    url: z.string().regex(/^mqtts?:\/\/[^\s/]+(:\d+)?\/?$/, 'expected mqtt://host:port or mqtts://host:port'),
    tls: z
      .strictObject({
        /** PEM file of the centre's CA: the only CA the broker certificate is checked against. */
        caFile: z.string().min(1),
        /** This device's client certificate and key (PEM). */
        certFile: z.string().min(1),
        keyFile: z.string().min(1),
        /** Expected broker name when it differs from the URL host. */
        serverName: z.string().optional(),
      })
      .optional(),
    /** MQTT 5 (message expiry, the relay's request/response). 4 only for a broker that speaks 3.1.1. */
    protocolVersion: z.union([z.literal(5), z.literal(4)]).default(5),
    keepaliveSeconds: positiveInt().max(3600).default(30),
    connectTimeoutMs: positiveInt().default(10_000),
    backoff: backoffConfigSchema.default({ initialMs: 1000, maxMs: 60_000, factor: 2, jitter: 0.5 }),
    /**
     * The largest inbound payload taken (a signed policy at its limits is ~700 KiB). Announced to the
     * broker in CONNECT (MQTT 5 Maximum Packet Size) and checked again before anything is parsed.
     */
    maxInboundBytes: positiveInt()
      .min(4096)
      .max(16 * 1024 * 1024)
      .default(1024 * 1024),
    /** A PUBACK this much overdue means the broker holds the connection without serving it: drop it. */
    pubackTimeoutMs: positiveInt().min(1000).default(30_000),
    /**
     * How long audit records may wait for the archive's `audit/ack` before they are sent again (a
     * broker drops records past its queue, and nothing after them shows the archive the gap); the
     * wait doubles up to `auditAckWaitMaxMs` while no ack moves.
     */
    auditAckWaitMs: positiveInt().min(100).default(30_000),
    auditAckWaitMaxMs: positiveInt().default(240_000),
    homeAssistant: z
      .strictObject({
        enabled: z.boolean().default(false),
        prefix: z.string().min(1).default('homeassistant'),
      })
      .default({ enabled: false, prefix: 'homeassistant' }),
  })
  .refine((c) => c.auditAckWaitMs <= c.auditAckWaitMaxMs, {
    message: 'auditAckWaitMs must not exceed auditAckWaitMaxMs',
    path: ['auditAckWaitMs'],
  })
  .refine((c) => !c.url.startsWith('mqtts:') || c.tls !== undefined, {
    message: 'mqtts:// needs tls.caFile, tls.certFile and tls.keyFile',
    path: ['tls'],
  })
  .refine((c) => c.url.startsWith('mqtts:') || c.tls === undefined, {
    message: 'tls is set but the url is not mqtts://',
    path: ['url'],
  })
  .refine((c) => !c.url.startsWith('mqtt:') || isLoopbackUrl(c.url), {
    message: 'plain mqtt:// is only for a broker on this machine (127.0.0.0/8, ::1, localhost); use mqtts://',
    path: ['url'],
  });
export type MqttConfig = z.output<typeof mqttConfigSchema>;

export const frameCheckConfigSchema = z.strictObject({
  /** One keyframe per interval: each check spawns ffmpeg (~80 ms CPU on x86, measured in bench/health.ts). */
  intervalSeconds: positiveInt().default(10),
  /** Mean grey level (0–255) below which the picture counts as covered. */
  darkMean: z.number().min(0).max(255).default(12),
  /** Consecutive checks with identical pictures before the camera counts as frozen. */
  frozenChecks: z.number().int().min(2).default(3),
  /**
   * Mean absolute change (grey levels) of the noise fingerprint's pixel-pair differences under which
   * two checks count as identical (measured: 0–0.07 for a still picture, ~4.5 for a noisy room).
   */
  frozenDifference: z.number().min(0).default(0.5),
  /** Hamming distance (of 64 bits) from the reference hash above which the camera counts as moved. */
  movedDistance: z.number().int().min(1).max(64).default(20),
});

export const healthConfigSchema = z.strictObject({
  /** Health is published every period (and on change), retained with expiry 3× the period. */
  periodSeconds: positiveInt().max(3600).default(60),
  /** How often the cheap probes run to notice a change between periods. */
  sampleSeconds: positiveInt().max(600).default(10),
  readinessLeadMinutes: positiveInt().max(240).default(15),
  overheatingC: z.number().default(80),
  diskLowBytes: z
    .number()
    .int()
    .nonnegative()
    .default(200 * 1024 * 1024),
  /** Root of /proc, /sys and /run, for tests with a fake tree. */
  fsRoot: z.string().default('/'),
  /**
   * Audit records the archive has not acknowledged: past either many records or an oldest record
   * this old, health lists `audit_backlog` (delivery is blocked: a broker refusing, no archive).
   */
  auditBacklogRecords: positiveInt().default(1000),
  auditBacklogSeconds: positiveInt().default(600),
  frameCheck: frameCheckConfigSchema.default({
    intervalSeconds: 10,
    darkMean: 12,
    frozenChecks: 3,
    frozenDifference: 0.5,
    movedDistance: 20,
  }),
});
export type HealthConfig = z.output<typeof healthConfigSchema>;
export type FrameCheckConfig = z.output<typeof frameCheckConfigSchema>;
export type BackoffConfig = z.output<typeof backoffConfigSchema>;
