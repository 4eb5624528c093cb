/**
 * The service config as registration writes it, checked with the service's own schemas: the core
 * plus the `mqtt` section validated by the real `mqttConfigSchema` (mqtts:// with the device
 * certificate). The section is kept as written, so a test can see exactly what registration wrote.
 */
import { z } from 'zod';
import { coreConfigSchema } from '../../src/config.ts';
import { mqttConfigSchema } from '../../src/health/config.ts';

const writtenMqtt = z.unknown().superRefine((value, ctx) => {
  const parsed = mqttConfigSchema.safeParse(value);
  if (!parsed.success) {
    for (const issue of parsed.error.issues)
      ctx.addIssue({ ...issue, code: 'custom', message: issue.message });
  } else if (!parsed.data.url.startsWith('mqtts://') || parsed.data.tls === undefined) {
    ctx.addIssue({ code: 'custom', message: 'registration writes mqtts:// with the device certificate' });
  }
});

export const withMqtt = coreConfigSchema.extend({ mqtt: writtenMqtt });
