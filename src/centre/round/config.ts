/** The `round` config section: the municipal practice the round follows. */
import { z } from 'zod';

export const ROUND_LANGUAGES = ['sv', 'en'] as const;
export type RoundLanguage = (typeof ROUND_LANGUAGES)[number];

export const roundConfigSchema = z.strictObject({
  /** A resident not visible on a look is looked at again this much later (practice: 15–20 min). */
  followUpMinutes: z.number().int().min(5).max(60).default(15),
  /** The language the round opens in; staff switch with one tap (one language at a time). */
  language: z.enum(ROUND_LANGUAGES).default('sv'),
});
export type RoundConfig = z.output<typeof roundConfigSchema>;
