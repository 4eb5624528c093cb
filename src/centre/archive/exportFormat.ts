/**
 * The access export as CSV (RFC 4180; a spreadsheet opens it) or JSON. A device is named by its id
 * and, where the roster knows them, its room label and care-plan reference: never a resident's name.
 * Cells a spreadsheet would read as a formula are prefixed with `'` (CSV injection).
 */
import type { AccessExport, DeviceVerification, Look } from './export.ts';

export interface DeviceLabel {
  roomLabel?: string;
  carePlanRef?: string;
}
export type DeviceLabels = (deviceId: string) => DeviceLabel | undefined;

const LOOK_COLUMNS = [
  'device',
  'room',
  'care_plan',
  'at',
  'staff',
  'kind',
  'scope',
  'emergency',
  'window',
  'duration_s',
  'ended_at',
  'outcome',
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
    l.kind,
    l.scope,
    l.emergency,
    l.windowId,
    seconds,
    l.endedAt,
    l.outcome,
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

/** Two tables, the looks and then the devices' verification, separated by an empty line. */
export function accessCsv(data: AccessExport, labels: DeviceLabels = () => undefined): string {
  const rows = [
    line([...LOOK_COLUMNS]),
    ...data.looks.map((l) => line(lookCells(l, labels(l.deviceId)))),
    '',
    line([...DEVICE_COLUMNS]),
    ...data.devices.map((d) => line(deviceCells(d, labels(d.deviceId)))),
  ];
  return `${rows.join('\r\n')}\r\n`;
}

export function accessJson(
  data: AccessExport,
  meta: { generatedAt: string; filter: Record<string, string> },
  labels: DeviceLabels = () => undefined,
): string {
  const withLabel = <T extends { deviceId: string }>(o: T) => ({ ...o, ...labels(o.deviceId) });
  return JSON.stringify(
    { ...meta, looks: data.looks.map(withLabel), devices: data.devices.map(withLabel) },
    null,
    2,
  );
}
