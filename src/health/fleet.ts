/**
 * The centre's picture of the fleet, built from what arrives under `nattsyn/v1/+/`: status, health,
 * events and audit per device, the retained registration (care-plan reference) and the retained
 * policy the centre published. Pure bookkeeping (the monitor command feeds it, tests too): who is
 * silent without having said `stopped`, whose audit stream has a gap, who was supervised (had a
 * policy) and went silent without a `decommissioned` event, and who needs a visit tonight.
 *
 * Beside the devices' own topics it reads the archive's retained state of each device's chain and
 * the archive instances' presence (the centre's own topic space, `nattsyn/v1/_centre/archive/…`),
 * so a device whose trail the archive holds incompletely, or a fleet no archive is running for,
 * shows.
 *
 * A freshly started monitor sees only retained messages: the Last Will and, for a device that died,
 * no health (it expired). Supervision is then read from the will's `policyVersion` or, where a will
 * carries none (older devices armed it before their first policy arrived), from the retained policy.
 */
import {
  type ArchiveDeviceState,
  archiveDeviceStateSchema,
  archiveInstanceSchema,
  parseArchiveStateTopic,
} from '../protocol/index.ts';
import { TOPIC_ROOT } from './payloads.ts';

/**
 * How far the centre's archive holds the device's audit chain: its retained state, or `down` when
 * archive instances are known and none of them is running (nothing is being archived now).
 */
export interface ArchiveView {
  state: ArchiveDeviceState['state'] | 'down';
  verifiedSeq: number;
  highestSeq: number;
  suspects: number;
  brokenAt: number | null;
  at: string;
}

export interface DeviceView {
  deviceId: string;
  /** From the retained registration: which care plan (and so which room) this device serves. */
  carePlanRef: string | undefined;
  status: 'online' | 'stopped' | 'offline' | 'unknown';
  connection: number | undefined;
  lastSeen: string | undefined;
  problems: string[];
  nextWindow: string | undefined;
  readiness: string;
  policyVersion: number | undefined;
  flags: string[];
  needsVisit: boolean;
  /** Undefined where no archive has published a state for the device. */
  archive: ArchiveView | undefined;
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
  carePlanRef?: string | undefined;
  /** `version` of the retained policy the centre published (read, not verified: display only). */
  publishedPolicyVersion?: number | undefined;
  auditLast?: number;
  auditGaps: number;
  decommissioned: boolean;
}

/** A visit is planned for windows starting within this long. */
const TONIGHT_MS = 24 * 3600_000;

export class Fleet {
  readonly #devices = new Map<string, DeviceState>();
  readonly #archive = new Map<string, ArchiveDeviceState>();
  readonly #instances = new Map<string, 'online' | 'stopped' | 'offline'>();

  /** Takes one message; unknown topics and unparsable payloads are ignored. */
  receive(topic: string, text: string, now: number): void {
    const archive = parseArchiveStateTopic(topic);
    if (archive) {
      this.#archiveMessage(archive, text);
      return;
    }
    const parts = topic.split('/');
    if (`${parts[0]}/${parts[1]}` !== TOPIC_ROOT || parts.length !== 4) return;
    const [, , deviceId, kind] = parts as [string, string, string, string];
    // Retained by the centre or the installer, cleared with an empty payload: not signs of life.
    if (kind === 'policy' || kind === 'registration') {
      this.#update(deviceId, text, (d) => {
        if (kind === 'policy') d.publishedPolicyVersion = versionOf(text);
        else d.carePlanRef = carePlanOf(text);
      });
      return;
    }
    const body = parseObject(text);
    if (!body) return;
    const d = this.#state(deviceId);
    d.lastSeenMs = Math.max(d.lastSeenMs, Date.parse(String(body.ts ?? body.since ?? '')) || now);
    if (kind === 'status') d.status = body as DeviceState['status'];
    else if (kind === 'health') d.health = body as DeviceState['health'];
    else if (kind === 'event' && body.code === 'decommissioned') d.decommissioned = true;
    else if (kind === 'audit' && typeof body.seq === 'number') this.#audit(d, body.seq, body.type);
  }

  #state(deviceId: string): DeviceState {
    const d = this.#devices.get(deviceId) ?? { lastSeenMs: 0, auditGaps: 0, decommissioned: false };
    this.#devices.set(deviceId, d);
    return d;
  }

  /** Applies a retained side record; a cleared one (empty) only touches a device already known. */
  #update(deviceId: string, text: string, apply: (d: DeviceState) => void): void {
    if (text === '' && !this.#devices.has(deviceId)) return;
    apply(this.#state(deviceId));
  }

  #audit(d: DeviceState, seq: number, type: unknown): void {
    if (type === 'decommissioned') d.decommissioned = true;
    if (d.auditLast !== undefined && seq > d.auditLast + 1) d.auditGaps += 1;
    if (d.auditLast === undefined || seq > d.auditLast) d.auditLast = seq;
  }

  /** The archive's retained messages; an empty payload clears. */
  #archiveMessage(topic: { kind: 'device' | 'instance'; id: string }, text: string): void {
    const body = parseObject(text);
    if (topic.kind === 'instance') {
      const parsed = archiveInstanceSchema.safeParse(body);
      if (parsed.success) this.#instances.set(topic.id, parsed.data.state);
      else this.#instances.delete(topic.id);
      return;
    }
    const parsed = archiveDeviceStateSchema.safeParse(body);
    if (parsed.success && parsed.data.deviceId === topic.id) this.#archive.set(topic.id, parsed.data);
    else this.#archive.delete(topic.id);
  }

  /** Archive instances by their presence (none known: the broker carries no archive's presence). */
  archiveInstances(): { online: number; known: number } {
    const states = [...this.#instances.values()];
    return { online: states.filter((s) => s === 'online').length, known: states.length };
  }

  #archiveView(deviceId: string): ArchiveView | undefined {
    const a = this.#archive.get(deviceId);
    if (!a) return undefined;
    const { online, known } = this.archiveInstances();
    const state = known > 0 && online === 0 ? 'down' : a.state;
    return {
      state,
      verifiedSeq: a.verifiedSeq,
      highestSeq: a.highestSeq,
      suspects: a.suspects,
      brokenAt: a.brokenAt,
      at: a.at,
    };
  }

  devices(now: number): DeviceView[] {
    const views = [...this.#devices.entries()].map(([id, d]) => ({
      ...view(id, d, now),
      archive: this.#archiveView(id),
    }));
    return views.sort(
      (a, b) =>
        Number(b.needsVisit) - Number(a.needsVisit) ||
        (a.nextWindow ?? '9999').localeCompare(b.nextWindow ?? '9999') ||
        a.deviceId.localeCompare(b.deviceId),
    );
  }
}

function view(deviceId: string, d: DeviceState, now: number): Omit<DeviceView, 'archive'> {
  const status = d.status?.state ?? 'unknown';
  const policyVersion =
    d.health?.policyVersion ?? d.status?.policyVersion ?? d.publishedPolicyVersion ?? undefined;
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
    carePlanRef: d.carePlanRef,
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

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const body: unknown = JSON.parse(text);
    return body && typeof body === 'object' && !Array.isArray(body)
      ? (body as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** The `version` a policy JWS claims, unverified; undefined for an empty or malformed one. */
function versionOf(jws: string): number | undefined {
  const body = parseObject(Buffer.from(jws.trim().split('.')[1] ?? '', 'base64url').toString('utf8'));
  const version = body?.version;
  return typeof version === 'number' && Number.isInteger(version) && version > 0 ? version : undefined;
}

function carePlanOf(text: string): string | undefined {
  const ref = parseObject(text)?.carePlanRef;
  return typeof ref === 'string' && ref.length <= 64 ? ref : undefined;
}
