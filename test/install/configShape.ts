/**
 * The service config as registration writes it: the lead's core schema plus the health link's
 * `mqtt` section (its shape on the health branch: url + tls.caFile/certFile/keyFile), strict.
 */
import { z } from 'zod';
import { coreConfigSchema } from '../../src/config.ts';

export const withMqtt = coreConfigSchema.extend({
  mqtt: z.strictObject({
    url: z.string().regex(/^mqtts:\/\//),
    tls: z.strictObject({ caFile: z.string(), certFile: z.string(), keyFile: z.string() }),
  }),
});
