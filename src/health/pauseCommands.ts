/**
 * `cmd/pause` and `cmd/resume`: the centre pausing or resuming supervision on the resident's behalf
 * (the resident phoned the Jour). Signed and checked like every command (commands.ts). `args` may
 * name the `operator` who took the call (a staff id, audited as the actor, else `centre`) and, for a
 * pause, `until` (an ISO time in the future, at most 30 days ahead; without it the pause holds until
 * someone resumes). Access control cuts live sessions and audits who paused and until when; a pause
 * that comes from the signed policy is not lifted by a command.
 */
import { z } from 'zod';
import type { AccessControl } from '../access/types.ts';
import { NattsynError } from '../errors.ts';
import type { Clock } from '../platform/time.ts';
import { epochMillis } from '../policy/index.ts';
import type { CommandHandler, CommandResult } from './commands.ts';

export const MAX_PAUSE_MS = 30 * 24 * 3600_000;

const argsSchema = z.strictObject({
  operator: z
    .string()
    .regex(/^[A-Za-z0-9_.@-]{1,64}$/)
    .optional(),
  until: z.iso.datetime({ offset: true }).optional(),
});

export interface PauseCommandDeps {
  access: Pick<AccessControl, 'setPaused' | 'windowState'>;
  time: Pick<Clock, 'now'>;
}

export function pauseCommands(d: PauseCommandDeps): { pause: CommandHandler; resume: CommandHandler } {
  const parsed = (args: unknown) => {
    const result = argsSchema.safeParse(args ?? {});
    if (!result.success) throw new NattsynError('cmd_malformed', 'pause arguments: operator, until');
    return result.data;
  };
  const state = (): CommandResult => {
    const { paused, pause } = d.access.windowState();
    return {
      paused,
      by: pause?.by ?? '',
      until: pause?.until === undefined ? '' : new Date(pause.until).toISOString(),
    };
  };
  return {
    pause: async ({ args }) => {
      const { operator, until } = parsed(args);
      const now = d.time.now();
      const end = until === undefined ? undefined : Date.parse(until);
      if (end !== undefined && (end <= now || end - now > MAX_PAUSE_MS))
        throw new NattsynError('cmd_malformed', 'until must lie ahead, at most 30 days');
      await d.access.setPaused(true, operator ?? 'centre', {
        by: 'centre',
        until: end === undefined ? undefined : epochMillis(end),
      });
      return state();
    },
    resume: async ({ args }) => {
      const { operator } = parsed(args);
      const { pause } = d.access.windowState();
      if (pause && pause.by !== 'policy') await d.access.setPaused(false, operator ?? 'centre');
      return state();
    },
  };
}
