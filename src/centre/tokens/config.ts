/** The `staffTokens` config section: the issuer key the centre mints look tokens with. */
import { z } from 'zod';

/** A look token lives at most this long, however long its window stays open. */
export const MAX_LOOK_TOKEN_SECONDS = 600;

export const staffTokensConfigSchema = z.strictObject({
  /** `iss` of every token: the issuer the devices pin (`tokens.issuer` in the device config). */
  issuer: z.string().min(1),
  /** The issuer's Ed25519 private key (PKCS#8 PEM, mode 0600 or stricter). */
  privateKeyFile: z.string().min(1),
  /** `kid` header naming the key, so devices can pin the next key before the switch. */
  keyId: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'expected 1-64 letters, digits, . _ or -'),
  maxLifetimeSeconds: z.number().int().min(30).max(MAX_LOOK_TOKEN_SECONDS).default(MAX_LOOK_TOKEN_SECONDS),
});
export type StaffTokensConfig = z.output<typeof staffTokensConfigSchema>;
