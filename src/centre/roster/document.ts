/**
 * The roster file: which staff groups may look at which devices, and for each device the room
 * label and care-plan reference the round shows. It is validated completely (every problem as
 * `<path>: <message>`) before it replaces the roster in force, and it may never hold a name or an
 * address: the room and role labels are checked below, the references as the device's registration
 * checks them.
 *
 *   { "groups": { "natt-norr": ["dev-7k3q-9m2x"] },
 *     "devices": { "dev-7k3q-9m2x": { "room": "Rum 12", "carePlanRef": "KP-2024-00123" } },
 *     "roles": { "usk-natt": "Undersköterska", "ssk-natt": "Sjuksköterska" } }
 *
 * `roles` (optional) maps IdP groups to the job title a resident reads on the "who looked" page;
 * a staff member in several is shown with the first listed.
 */
import { z } from 'zod';
import { carePlanRefProblem } from '../../protocol/carePlanRef.ts';

/** The device id shape the device config accepts (its MQTT client id and token audience). */
const DEVICE_ID = /^[A-Za-z0-9-]{4,64}$/;

const deviceSchema = z.strictObject({
  room: z.string().superRefine((v, ctx) => {
    const problem = roomLabelProblem(v);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }),
  carePlanRef: z.string().superRefine((v, ctx) => {
    const problem = carePlanRefProblem(v);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }),
});

const groupName = z.string().regex(/^[^\p{Cc}]{1,256}$/u, 'expected a group name of 1–256 characters');
const deviceId = z.string().regex(DEVICE_ID, 'expected a device id (4–64 letters, digits or -)');

const roleSchema = z.string().superRefine((v, ctx) => {
  const problem = roleLabelProblem(v);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

const rosterSchema = z
  .strictObject({
    groups: z.record(groupName, z.array(deviceId)),
    devices: z.record(deviceId, deviceSchema),
    roles: z.record(groupName, roleSchema).default({}),
  })
  .superRefine((doc, ctx) => {
    for (const [group, ids] of Object.entries(doc.groups)) {
      ids.forEach((id, i) => {
        if (!(id in doc.devices))
          ctx.addIssue({
            code: 'custom',
            path: ['groups', group, i],
            message: `device ${id} is not in devices`,
          });
        if (ids.indexOf(id) !== i)
          ctx.addIssue({
            code: 'custom',
            path: ['groups', group, i],
            message: `device ${id} is listed twice`,
          });
      });
    }
    const seen = new Map<string, string>();
    for (const [id, device] of Object.entries(doc.devices)) {
      const other = seen.get(device.carePlanRef);
      if (other) {
        ctx.addIssue({
          code: 'custom',
          path: ['devices', id, 'carePlanRef'],
          message: `the care-plan reference is also bound to ${other}`,
        });
      }
      seen.set(device.carePlanRef, id);
    }
  });

export interface RosterDevice {
  readonly deviceId: string;
  readonly room: string;
  readonly carePlanRef: string;
}

/** A validated roster: group → device ids, device id → its round entry, group → role (in order). */
export interface RosterData {
  readonly groups: ReadonlyMap<string, readonly string[]>;
  readonly devices: ReadonlyMap<string, RosterDevice>;
  readonly roles: ReadonlyMap<string, string>;
}

export type RosterParse = { ok: true; roster: RosterData } | { ok: false; problems: string[] };

export function parseRoster(text: string): RosterParse {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { ok: false, problems: [`(file): not valid JSON (${(error as Error).message})`] };
  }
  const parsed = rosterSchema.safeParse(json);
  if (!parsed.success) {
    return {
      ok: false,
      problems: parsed.error.issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`),
    };
  }
  const devices = new Map(
    Object.entries(parsed.data.devices).map(([id, d]) => [
      id,
      { deviceId: id, room: d.room, carePlanRef: d.carePlanRef },
    ]),
  );
  return {
    ok: true,
    roster: {
      groups: new Map(Object.entries(parsed.data.groups)),
      devices,
      roles: new Map(Object.entries(parsed.data.roles)),
    },
  };
}

/**
 * A room label tells night staff which bedroom a camera shows ("Rum 12", "Lgh 1102", "Avd 3 Rum
 * 4B") without naming the resident or the street: the roster reaches every centre instance and
 * every staff phone. Only room words from a short list and short codes are accepted, so a name
 * ("Anna 12") or an address ("Storgatan 12") is refused instead of guessed at.
 */
const ROOM_WORDS = new Set([
  'rum',
  'room',
  'lgh',
  'lägenhet',
  'apt',
  'avd',
  'avdelning',
  'plan',
  'våning',
  'vån',
  'floor',
  'hus',
  'house',
  'unit',
  'enhet',
  'bädd',
  'bed',
]);
/** A code: letters, digits and . : / - with no run of more than three letters (B, 4B, A-12, N2). */
const CODE = /^[A-Za-z0-9.:/-]{1,8}$/;
const LONG_LETTERS = /[A-Za-zÅÄÖåäöÉé]{4,}/;
const PERSONNUMMER = /(?:^|\D)(?:\d{2})?\d{6}[-+]?\d{4}(?:\D|$)/;
const MAX_PARTS = 4;

/** Why the label is refused, in one sentence; undefined when it is acceptable. */
export function roomLabelProblem(label: string): string | undefined {
  if (label.length === 0 || label.length > 32) return 'the room label must be 1–32 characters';
  if (label.includes('@')) return 'the room label may not be an e-mail address';
  if (PERSONNUMMER.test(label)) return 'the room label may not contain a personnummer';
  const parts = label.trim().split(/\s+/);
  if (parts.length > MAX_PARTS) return `the room label may have at most ${MAX_PARTS} parts`;
  if (!/\d/.test(label)) return 'the room label must contain a room number';
  for (const part of parts) {
    if (ROOM_WORDS.has(part.toLowerCase().replace(/\.$/, ''))) continue;
    if (!CODE.test(part) || LONG_LETTERS.test(part)) {
      return `the room label may not contain "${part}": use room words (Rum, Lgh, Avd, Plan) and room codes, never a name or a street`;
    }
  }
  return undefined;
}

/**
 * A staff role as the resident and family read it on the "who looked" page ("Undersköterska",
 * "Sjuksköterska", "Nattpatrull"): a job title, never a person. The roster maps the IdP's groups to
 * these, so the page can say who looked by role without showing a staff id. Titles are words of
 * letters only and short, so a staff id, an HSA-id or a phone number cannot pass as one.
 */
const WORD = /^[\p{L}]+(?:-[\p{L}]+)*$/u;
const MAX_WORDS = 3;

/** Why the role label is refused, in one sentence; undefined when it is acceptable. */
export function roleLabelProblem(label: string): string | undefined {
  if (label.length < 2 || label.length > 40) return 'the role must be 2–40 characters';
  const words = label.trim().split(/\s+/);
  if (words.length > MAX_WORDS) return `the role may have at most ${MAX_WORDS} words (a job title)`;
  if (!words.every((w) => WORD.test(w)))
    return 'the role may hold only letters, spaces and hyphens (a job title, never an id or a number)';
  return undefined;
}
