/**
 * The stream section of the config file: where the WHEP endpoint and viewer page listen, TLS,
 * limits, and the ICE servers announced to viewers. HTTPS is required off loopback.
 */
import { z } from 'zod';
import { isKnownTimeZone } from '../policy/index.ts';

export const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['127.0.0.1', '::1', 'localhost']);

const iceServerSchema = z.strictObject({
  urls: z.union([z.string(), z.array(z.string()).min(1)]),
  username: z.string().optional(),
  credential: z.string().optional(),
});
export type IceServerConfig = z.output<typeof iceServerSchema>;

export const streamConfigSchema = z
  .strictObject({
    /**
     * The device's own HTTPS listener: `on` (WHEP and the viewer page on host:port, for a LAN),
     * `loopback` (only on 127.0.0.1, for an installer on site) or `off` (no listening socket at
     * all: viewers reach the device through the centre's relay only).
     */
    listen: z.enum(['on', 'loopback', 'off']).default('on'),
    host: z.string().min(1).default('127.0.0.1'),
    port: z.number().int().min(0).max(65535).default(8443),
    tls: z.strictObject({ certFile: z.string().min(1), keyFile: z.string().min(1) }).optional(),
    /** Shown on the viewer page, e.g. "Room 12". Never the resident's name. */
    deviceLabel: z.string().min(1).max(64).default('nattsyn'),
    /** IANA zone the viewer page shows window times in; the policy's zone when absent. */
    timeZone: z.string().refine(isKnownTimeZone, 'unknown IANA time zone').optional(),
    /** Upper bound of the offer and trickle bodies. */
    maxBodyBytes: z.number().int().min(1024).max(65536).default(16384),
    /**
     * How long a client may take to send its headers, and its whole request (body included): a
     * slow sender is cut instead of holding a socket (issue 13, item 9).
     */
    headersTimeoutMs: z.number().int().min(500).max(60_000).default(5000),
    requestTimeoutMs: z.number().int().min(500).max(120_000).default(10_000),
    /** Requests per address per minute on the authenticated routes. */
    rateLimitPerMinute: z.number().int().min(1).default(30),
    retryAfterSeconds: z.number().int().min(1).default(2),
    /**
     * Remote ICE candidates one session may hand werift (offer and trickle together), and all live
     * sessions together: werift pairs every one with every local candidate, so an unbounded trickle
     * stalls every viewer's video (issue 13, item 6). Past either cap a PATCH answers 429.
     */
    maxCandidatesPerSession: z.number().int().min(4).max(256).default(24),
    maxCandidatesTotal: z.number().int().min(4).max(1024).default(64),
    /** How long a granted POST waits for the camera's first keyframe before answering 409. */
    firstFrameWaitMs: z.number().int().min(0).max(30_000).default(4000),
    /** A peer that has not connected by then is ended as `ice_failed`. */
    connectTimeoutMs: z.number().int().min(1000).default(15_000),
    /** A connected viewer silent (no RTCP) this long has gone away: its session ends. */
    viewerSilenceMs: z.number().int().min(2000).default(6000),
    /**
     * Other origins whose pages may call WHEP here (e.g. the centre's, when its pages reach the device
     * directly). The device's own page is same-origin and needs none; `*` is refused (issue 13, item 13).
     */
    corsOrigins: z
      .array(
        z
          .string()
          .regex(/^https?:\/\/[^\s/?#*]+$/, 'expected an origin such as https://centre.example (never *)'),
      )
      .max(8)
      .default([]),
    /** No default STUN server: only what is configured here is used and announced. */
    iceServers: z.array(iceServerSchema).default([]),
    ice: z
      .strictObject({
        useTcp: z.boolean().default(false),
        useIpv6: z.boolean().default(false),
        portRange: z.tuple([z.number().int().min(1024), z.number().int().max(65535)]).optional(),
        /**
         * Announce only these host addresses (e.g. ["127.0.0.1"] for tests and the demo); by default
         * every interface address, loopback excluded.
         */
        hostAddresses: z.array(z.string().min(1)).min(1).optional(),
      })
      .default({ useTcp: false, useIpv6: false }),
    /** Cached GOP bounds (the replay a joining viewer gets). */
    gopMaxBytes: z
      .number()
      .int()
      .min(65536)
      .default(4 * 1024 * 1024),
  })
  .refine((c) => c.headersTimeoutMs <= c.requestTimeoutMs, {
    message: 'headersTimeoutMs cannot exceed requestTimeoutMs',
    path: ['headersTimeoutMs'],
  })
  .refine((c) => c.listen !== 'on' || c.tls !== undefined || LOOPBACK_HOSTS.has(c.host), {
    message: 'HTTPS is required off loopback: set stream.tls or listen on 127.0.0.1',
    path: ['tls'],
  });

export type StreamConfig = z.output<typeof streamConfigSchema>;
export type StreamConfigInput = z.input<typeof streamConfigSchema>;
