/**
 * The centre's picture of the fleet, built from what arrives under `nattsyn/v1/+/`: status, health,
 * events and audit per device. Pure bookkeeping (the monitor command feeds it, tests too): who is
 * silent without having said `stopped`, whose audit stream has a gap, who was supervised (had a
 * policy) and went silent without a `decommissioned` event, and who needs a visit tonight.
 */
import { TOPIC_ROOT } from './payloads.ts';

export interface DeviceView {
  deviceId: string;
  status: 'online' | 'stopped' | 'offline' | 'unknown';
  connection: number | undefined;
  lastSeen: string | undefined;
  problems: string[];
  nextWindow: string | undefined;
  readiness: string;
  policyVersion: number | undefined;
  flags: string[];
  needsVisit: boolean;
}

interface DeviceState {
  status?: { state: DeviceView['status']; connection: number; since: string; policyVersion?: number | null };
  health?: {
    ts: string;
    problems: string[];
    nextWindow: { start: string } | null;
    readiness: string;
    policyVersion: number | null;
  };
  lastSeenMs: number;
  auditLast?: number;
  auditGaps: number;
  decommissioned: boolean;
}

/** A visit is planned for windows starting within this long. */
const TONIGHT_MS = 24 * 3600_000;

export class Fleet {
  readonly #devices = new Map<string, DeviceState>();

  /** Takes one message; unknown topics and unparsable payloads are ignored. */
  receive(topic: string, text: string, now: number): void {
    const parts = topic.split('/');
    if (`${parts[0]}/${parts[1]}` !== TOPIC_ROOT || parts.length !== 4 || text === '') return;
    const [, , deviceId, kind] = parts as [string, string, string, string];
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text);
    } catch {
      return;
    }
    const d = this.#devices.get(deviceId) ?? { lastSeenMs: 0, auditGaps: 0, decommissioned: false };
    this.#devices.set(deviceId, d);
    d.lastSeenMs = Math.max(d.lastSeenMs, Date.parse(String(body.ts ?? body.since ?? '')) || now);
    if (kind === 'status') d.status = body as DeviceState['status'];
    else if (kind === 'health') d.health = body as DeviceState['health'];
    else if (kind === 'event' && body.code === 'decommissioned') d.decommissioned = true;
    else if (kind === 'audit' && typeof body.seq === 'number') this.#audit(d, body.seq, body.type);
  }

  #audit(d: DeviceState, seq: number, type: unknown): void {
    if (type === 'decommissioned') d.decommissioned = true;
    if (d.auditLast !== undefined && seq > d.auditLast + 1) d.auditGaps += 1;
    if (d.auditLast === undefined || seq > d.auditLast) d.auditLast = seq;
  }

  devices(now: number): DeviceView[] {
    const views = [...this.#devices.entries()].map(([id, d]) => view(id, d, now));
    return views.sort(
      (a, b) =>
        Number(b.needsVisit) - Number(a.needsVisit) ||
        (a.nextWindow ?? '9999').localeCompare(b.nextWindow ?? '9999') ||
        a.deviceId.localeCompare(b.deviceId),
    );
  }
}

function view(deviceId: string, d: DeviceState, now: number): DeviceView {
  const status = d.status?.state ?? 'unknown';
  const policyVersion = d.health?.policyVersion ?? d.status?.policyVersion ?? undefined;
  const flags: string[] = [];
  if (status === 'offline') flags.push('silent');
  if (status === 'online' && !d.health) flags.push('no_health');
  if (d.auditGaps > 0) flags.push('audit_gap');
  // Not supervising: gone, stopped, or "online" by a retained status the broker kept after the device died.
  const away = status !== 'online' || !d.health;
  if (away && policyVersion !== undefined && !d.decommissioned) flags.push('supervision_lost');
  const problems = status === 'online' ? (d.health?.problems ?? []) : [];
  const nextWindow = d.health?.nextWindow?.start;
  const readiness = d.health?.readiness ?? 'unknown';
  const soon = nextWindow !== undefined && Date.parse(nextWindow) - now < TONIGHT_MS;
  const troubled = flags.length > 0 || problems.length > 0 || readiness === 'at_risk';
  return {
    deviceId,
    status,
    connection: d.status?.connection,
    lastSeen: d.lastSeenMs > 0 ? new Date(d.lastSeenMs).toISOString() : undefined,
    problems,
    nextWindow,
    readiness,
    policyVersion: policyVersion ?? undefined,
    flags,
    needsVisit: troubled && (soon || flags.includes('supervision_lost')),
  };
}

/** A fixed-width table for a terminal. */
export function renderTable(devices: DeviceView[]): string {
  const header = ['DEVICE', 'STATUS', 'LAST SEEN', 'PROBLEMS', 'NEXT WINDOW', 'READINESS', 'FLAGS', 'VISIT'];
  const rows = devices.map((d) => [
    d.deviceId,
    d.status,
    d.lastSeen?.slice(0, 19).replace('T', ' ') ?? '-',
    d.problems.join(',') || '-',
    d.nextWindow?.slice(0, 16).replace('T', ' ') ?? '-',
    d.readiness,
    d.flags.join(',') || '-',
    d.needsVisit ? 'TONIGHT' : '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}
