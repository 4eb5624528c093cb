/**
 * The `relay` config section: the centre relay keys this device pins (SPKI PEM files, more than one
 * during a rotation) and its own limits on relayed requests. Without it the device answers nothing
 * relayed; with it the device needs MQTT 5 (`mqtt.protocolVersion: 5`).
 */
import { z } from 'zod';

export const relayConfigSchema = z.strictObject({
  centreKeys: z.array(z.string().min(1)).min(1).max(4),
  /** Relayed requests per staff subject per minute (every relayed request comes from the centre). */
  rateLimitPerMinute: z.number().int().min(1).max(600).default(30),
  /** Relayed requests per minute for the whole device, whoever asks. */
  deviceRateLimitPerMinute: z.number().int().min(1).max(6000).default(240),
});
export type RelayConfig = z.output<typeof relayConfigSchema>;
