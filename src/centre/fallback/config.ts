/**
 * The `fallback` section of the centre's config: the device-facing listener the MPEG-1 fallback's
 * pictures arrive on (devices dial out to it with their client certificates), and the URL devices
 * are told to dial, which names this instance, so the picture reaches the instance the viewer is on.
 */
import { z } from 'zod';

const file = () => z.string().min(1);

export const centreFallbackSchema = z.strictObject({
  host: z.string().min(1).default('0.0.0.0'),
  port: z.number().int().min(0).max(65535).default(8445),
  /** What devices dial: `wss://<this instance>:<port>/media` as they reach it. */
  publicUrl: z.string().regex(/^wss:\/\/[^\s<>"]{1,180}\/media$/, 'expected wss://host:port/media'),
  tls: z.strictObject({
    certFile: file(),
    keyFile: file(),
    /** The CA the devices' client certificates chain to: the broker's. */
    clientCaFile: file(),
  }),
});
export type CentreFallbackConfig = z.output<typeof centreFallbackSchema>;
