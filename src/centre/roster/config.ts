/** The `roster` config section: the roster file and how soon a change to it takes effect. */
import { z } from 'zod';

export const rosterConfigSchema = z.strictObject({
  /** The roster JSON file (groups → device ids; per device a room label and care-plan reference). */
  file: z.string().min(1),
  /** Quiet time after a change event before the file is read (editors write in several steps). */
  debounceMs: z.number().int().min(0).max(10_000).default(250),
  /** The file is also checked this often, for filesystems where change events do not arrive. */
  statIntervalSeconds: z.number().int().min(1).max(3600).default(15),
});
export type RosterConfig = z.output<typeof rosterConfigSchema>;
