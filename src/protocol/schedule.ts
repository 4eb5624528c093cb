/**
 * What a device tells the centre about its supervision plan (retained on `schedule`): its next
 * windows in its own resident's time zone, whether it is paused (by whom, until when) and what
 * kinds of look its policy allows. The device is the source of truth for its schedule; it
 * republishes whenever its policy, its pause or the local day changes. Never a name or an address.
 */
import { z } from 'zod';

const isoTime = z.iso.datetime({ offset: true });

/** How far ahead a device lists its windows: a whole night shift from any moment. */
export const SCHEDULE_HORIZON_HOURS = 36;

export const PAUSE_SOURCES = ['resident', 'centre', 'policy'] as const;

export const scheduleWindowSchema = z.strictObject({
  id: z.string().min(1).max(64),
  start: isoTime,
  end: isoTime,
});
export type ScheduleWindow = z.infer<typeof scheduleWindowSchema>;

export const schedulePayloadSchema = z.strictObject({
  ts: isoTime,
  policyVersion: z.number().int().positive().nullable(),
  /** The resident's IANA time zone (the policy's). */
  timeZone: z.string().min(1).max(64).nullable(),
  /** A pause in force: the resident's button, the centre on the resident's behalf, or a planned one. */
  pause: z
    .strictObject({
      by: z.enum(PAUSE_SOURCES),
      since: isoTime.nullable(),
      /** Null until the resident resumes. */
      until: isoTime.nullable(),
    })
    .nullable(),
  /** Looks outside windows with a reason (follow-up, emergency) are allowed by the policy. */
  emergencyAllowed: z.boolean(),
  maxSessionSeconds: z.number().int().positive().nullable(),
  /** Windows from now to the horizon, in start order; an open one first. */
  windows: z.array(scheduleWindowSchema).max(200),
});
export type SchedulePayload = z.infer<typeof schedulePayloadSchema>;

/** What the staff member saw on a look, one tap after it (the round's three answers). */
export const LOOK_OUTCOMES = ['asleep_calm', 'needs_visit', 'not_visible'] as const;
export type LookOutcome = (typeof LOOK_OUTCOMES)[number];

/** The body of a relayed `outcome` request: recorded by the device in its audit chain. */
export const lookOutcomeSchema = z.strictObject({
  outcome: z.enum(LOOK_OUTCOMES),
});

/** Reasons a staff member may pick for a look outside a window (where the policy allows it). */
export const LOOK_REASONS = ['follow_up', 'alarm', 'phone_call', 'other_concern'] as const;
export type LookReason = (typeof LOOK_REASONS)[number];

/**
 * A WHEP session's state as the device reports it (GET /whep/<session>): the page asks when its
 * picture stops, so it can say why in words. `endCode` is a session end code (window_end, paused…).
 */
export const sessionStatusSchema = z.strictObject({
  live: z.boolean(),
  until: isoTime.nullable(),
  endCode: z.string().max(64).nullable(),
  /** For `paused`: until when, when the device knows it. */
  pausedUntil: isoTime.nullable(),
});
export type SessionStatus = z.infer<typeof sessionStatusSchema>;
