/**
 * The access export as CSV (RFC 4180; a spreadsheet opens it) or JSON. A device is named by its id
 * and, where the roster knew them at the time, its room label and care-plan reference: never a
 * resident's name. Cells a spreadsheet would read as a formula are prefixed with `'` (CSV injection).
 */
import type { CentreAuditRow } from './centreAudit.ts';
import type { AccessExport, DeviceVerification, Look } from './export.ts';

export interface DeviceLabel {
  roomLabel?: string;
  carePlanRef?: string;
}
/** The device's labels at `atMs` (its current ones without it). */
export type DeviceLabels = (deviceId: string, atMs?: number) => DeviceLabel | undefined;

const LOOK_COLUMNS = [
  'device',
  'room',
  'care_plan',
  'at',
  'staff',
  'role',
  'kind',
  'scope',
  'emergency',
  'window',
  'duration_s',
  'ended_at',
  'outcome',
  'seen',
  'denied_reason',
  'seq',
  'verified',
] as const;

const DEVICE_COLUMNS = [
  'device',
  'room',
  'care_plan',
  'verified_to_seq',
  'highest_seq',
  'pending',
  'suspect',
  'last_record_at',
  'state',
] as const;

const CENTRE_COLUMNS = [
  'at',
  'event',
  'staff',
  'role',
  'device',
  'room',
  'care_plan',
  'code',
  'scope',
  'instance',
] as const;

type Cell = string | number | boolean | null | undefined;

function cell(value: Cell): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (/^[=+\-@\t\r]/.test(text) && typeof value === 'string') text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

const line = (cells: Cell[]): string => cells.map(cell).join(',');

function lookCells(l: Look, label: DeviceLabel | undefined): Cell[] {
  const seconds = l.durationMs === null ? null : Math.round(l.durationMs / 100) / 10;
  return [
    l.deviceId,
    label?.roomLabel,
    label?.carePlanRef,
    l.at,
    l.staffId,
    l.role,
    l.kind,
    l.scope,
    l.emergency,
    l.windowId,
    seconds,
    l.endedAt,
    l.outcome,
    l.seen,
    l.deniedReason,
    l.seq,
    l.verified,
  ];
}

function deviceCells(d: DeviceVerification, label: DeviceLabel | undefined): Cell[] {
  return [
    d.deviceId,
    label?.roomLabel,
    label?.carePlanRef,
    d.verifiedSeq,
    d.highestSeq,
    d.pendingCount,
    d.suspectCount,
    d.lastRecordAt,
    d.state,
  ];
}

function centreCells(c: CentreAuditRow, label: DeviceLabel | undefined): Cell[] {
  return [
    c.at,
    c.type,
    c.staffId,
    c.role,
    c.deviceId,
    label?.roomLabel,
    label?.carePlanRef,
    c.code,
    c.scope,
    c.instanceId,
  ];
}

const labelOf = (labels: DeviceLabels, deviceId: string | null, at: string) =>
  deviceId === null ? undefined : labels(deviceId, Date.parse(at));

/**
 * Three tables separated by an empty line: the looks, the devices' verification, and the centre's
 * own audit.
 */
export function accessCsv(data: AccessExport, labels: DeviceLabels = () => undefined): string {
  const rows = [
    line([...LOOK_COLUMNS]),
    ...data.looks.map((l) => line(lookCells(l, labelOf(labels, l.deviceId, l.at)))),
    '',
    line([...DEVICE_COLUMNS]),
    ...data.devices.map((d) => line(deviceCells(d, labels(d.deviceId)))),
    '',
    line([...CENTRE_COLUMNS]),
    ...data.centre.map((c) => line(centreCells(c, labelOf(labels, c.deviceId, c.at)))),
  ];
  return `${rows.join('\r\n')}\r\n`;
}

export function accessJson(
  data: AccessExport,
  meta: { generatedAt: string; filter: Record<string, string> },
  labels: DeviceLabels = () => undefined,
): string {
  const at = <T extends { deviceId: string | null; at: string }>(o: T) => ({
    ...o,
    ...labelOf(labels, o.deviceId, o.at),
  });
  const now = <T extends { deviceId: string }>(o: T) => ({ ...o, ...labels(o.deviceId) });
  return JSON.stringify(
    { ...meta, looks: data.looks.map(at), devices: data.devices.map(now), centre: data.centre.map(at) },
    null,
    2,
  );
}
