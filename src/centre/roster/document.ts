/**
 * The roster file: which staff groups may look at which devices, and for each device the room
 * label and care-plan reference the round shows. It is validated completely (every problem as
 * `<path>: <message>`) before it replaces the roster in force, and it may never hold a name or an
 * address: labels and references are checked as the device's registration checks them.
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
import { roleLabelProblem } from './roleLabel.ts';
import { roomLabelProblem } from './roomLabel.ts';

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
