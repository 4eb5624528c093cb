/**
 * Decommissioning (issue 5, EN 303 645 provision 5.11): removes identity, keys, certificates,
 * registration, policy, audit log and config, so nothing that could act as this device is left.
 * Guards, in order: the device id typed back; the service stopped (the audit log and event queue
 * have one writer); no audit record or event the centre has not received, unless forced (audit
 * records are then exported first); a broker connection, unless forced. Then every step that can
 * still fail (the export, the audit record) runs before the `decommissioned` event, which the broker
 * must acknowledge, so the centre never hears of a retirement that did not happen and can tell a
 * retirement from an outage (a device deregistered by mistake once left a resident unsupervised for
 * three months). Only then is anything removed.
 */
import { randomUUID } from 'node:crypto';
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { NattsynError, UsageError } from '../errors.ts';
import { discoveryTopics } from '../health/homeAssistant.ts';
import { type EventPayload, EventQueue } from '../health/index.ts';
import { topicsFor } from '../health/payloads.ts';
import { FsStore, writeFileAtomic } from '../platform/fsStore.ts';
import type { AuditEntry, AuditRecord } from '../policy/index.ts';
import type { Publish } from './brokerSession.ts';
import { loadIdentity, normalizeDeviceId } from './identity.ts';
import { loadRegistrationFile } from './registration.ts';

/** The part of AuditLog the wipe reads and writes (src/policy/audit/log.ts). */
export interface WipeAudit {
  readonly last: { seq: number };
  deliveredSeq(): Promise<number>;
  readAfter(afterSeq: number, limit: number): Promise<AuditRecord[]>;
  append(entry: AuditEntry): Promise<unknown>;
}

export interface WipeRequest {
  typedDeviceId: string;
  force: boolean;
  /** Where undelivered audit records go before a forced wipe; outside the state directory. */
  exportTo?: string | undefined;
}

export interface WipeDeps {
  stateDir: string;
  /** Config files to remove (the service's config in /etc/nattsyn). */
  configFiles: readonly string[];
  audit: WipeAudit;
  publish: Publish | undefined;
  serviceActive: () => Promise<boolean>;
  now: () => Date;
  /** The Home Assistant discovery prefix when the config enables discovery: its configs are cleared too. */
  homeAssistantPrefix?: string | undefined;
}

export interface WipeResult {
  deviceId: string;
  removed: string[];
  exported: { file: string; records: number } | undefined;
  announced: boolean;
  /** The retained registration, info, health, status and Home Assistant discovery topics were emptied. */
  retainedCleared: boolean;
}

/** Retained topics the device owns: cleared, so the centre's view does not show a ghost. */
const RETAINED = ['registration', 'info', 'health', 'status'] as const;

interface Pending {
  deviceId: string;
  audit: number;
  events: number;
  /** The `seq` the decommissioned event takes: next in the device's event stream. */
  nextEventSeq: number;
}

/** Health's event queue in the state dir, read without writing (open() may trim a torn line). */
async function pendingEvents(stateDir: string): Promise<{ undelivered: number; nextSeq: number }> {
  const queue = new EventQueue({ store: new FsStore(stateDir) });
  const delivered = await queue.deliveredSeq();
  const events = await queue.readAfter(0, Number.POSITIVE_INFINITY);
  const last = Math.max(events.at(-1)?.seq ?? 0, delivered);
  return { undelivered: events.filter((e) => e.seq > delivered).length, nextSeq: last + 1 };
}

function undeliveredError(audit: number, events: number): NattsynError {
  const what = [
    ...(audit > 0 ? [`${audit} audit records`] : []),
    ...(events > 0 ? [`${events} events`] : []),
  ].join(' and ');
  return new NattsynError(
    audit > 0 ? 'audit_undelivered' : 'events_undelivered',
    `${what} have not reached the monitoring centre; start the service until they are delivered, or use --force${audit > 0 ? ' --export FILE' : ''}`,
  );
}

/** Every refusal that needs no write, so a refused wipe leaves no trace. */
async function guard(req: WipeRequest, deps: WipeDeps): Promise<Pending> {
  const identity = await loadIdentity(deps.stateDir);
  if (!identity) throw new UsageError('this device has no identity: there is nothing to wipe');
  if (normalizeDeviceId(req.typedDeviceId) !== identity.deviceId)
    throw new UsageError('the device id typed back does not match this device');
  if (await deps.serviceActive())
    throw new NattsynError('service_running', 'stop the service first: sudo systemctl stop nattsyn');
  const audit = deps.audit.last.seq - (await deps.audit.deliveredSeq());
  const events = await pendingEvents(deps.stateDir);
  if ((audit > 0 || events.undelivered > 0) && !req.force) throw undeliveredError(audit, events.undelivered);
  if (audit > 0 && !req.exportTo)
    throw new UsageError('--force needs --export FILE for the undelivered audit records');
  if (req.exportTo && !path.relative(deps.stateDir, path.resolve(req.exportTo)).startsWith('..'))
    throw new UsageError('--export must name a file outside the state directory');
  if (!deps.publish && !req.force)
    throw new NattsynError(
      'broker_unreachable',
      'no broker connection to announce the wipe; nothing was removed (use --force to wipe anyway)',
    );
  return { deviceId: identity.deviceId, audit, events: events.undelivered, nextEventSeq: events.nextSeq };
}

async function exportAudit(audit: WipeAudit, file: string): Promise<number> {
  const records = await audit.readAfter(0, Number.MAX_SAFE_INTEGER);
  try {
    await writeFileAtomic(file, records.map((r) => `${JSON.stringify(r)}\n`).join(''), 0o600);
  } catch (cause) {
    throw new NattsynError(
      'export_failed',
      `cannot write the audit export to ${file}; nothing was announced or removed`,
      { cause },
    );
  }
  return records.length;
}

/** Publishes the event; resolves with the session's publish once the broker acknowledged it. */
async function announce(p: Pending, deps: WipeDeps): Promise<Publish> {
  const publish = deps.publish;
  if (!publish) throw new Error('no broker connection');
  const event: EventPayload = {
    eventId: randomUUID(),
    seq: p.nextEventSeq,
    code: 'decommissioned',
    ts: deps.now().toISOString(),
  };
  await publish(topicsFor(p.deviceId).event, JSON.stringify(event), { retain: false, qos: 1 });
  return publish;
}

/**
 * After the event was taken the retirement is known: a retained topic that cannot be cleared no
 * longer stops the wipe (the centre clears it), it is only reported. Home Assistant removes a
 * discovered entity when its config topic is emptied, so a retired device does not linger there.
 */
async function clearRetained(
  deviceId: string,
  publish: Publish,
  haPrefix: string | undefined,
): Promise<boolean> {
  const topics = [
    ...RETAINED.map((leaf) => topicsFor(deviceId)[leaf]),
    ...(haPrefix === undefined ? [] : discoveryTopics(deviceId, haPrefix)),
  ];
  let all = true;
  for (const topic of topics)
    await publish(topic, '', { retain: true, qos: 1 }).catch(() => {
      all = false;
    });
  return all;
}

/**
 * With --export: writes the export first (proving the file can be written), appends the
 * `decommissioned` audit record, and writes the export again with it. The record is kept only where
 * it survives: the service is stopped, so it could never be delivered, and the log is removed next.
 * Without an export nothing is written, so a wipe the broker then refuses leaves no trace (and no new
 * undelivered record that would demand --force next time).
 */
async function recordWipe(req: WipeRequest, deps: WipeDeps, p: Pending): Promise<WipeResult['exported']> {
  if (!req.exportTo) return undefined;
  const file = path.resolve(req.exportTo);
  await exportAudit(deps.audit, file);
  await deps.audit.append({
    type: 'decommissioned',
    actor: 'installer',
    detail: { undelivered: p.audit, undeliveredEvents: p.events, force: req.force },
  });
  return { file, records: await exportAudit(deps.audit, file) };
}

async function removeAll(deps: WipeDeps, extraConfigFiles: readonly string[]): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await readdir(deps.stateDir)) {
    await rm(path.join(deps.stateDir, name), { recursive: true, force: true });
    removed.push(path.join(deps.stateDir, name));
  }
  for (const file of new Set([...deps.configFiles, ...extraConfigFiles])) {
    await rm(file, { force: true });
    removed.push(file);
  }
  return removed;
}

export async function wipe(req: WipeRequest, deps: WipeDeps): Promise<WipeResult> {
  const pending = await guard(req, deps);
  const registration = await loadRegistrationFile(deps.stateDir).catch(() => undefined);
  const exported = await recordWipe(req, deps, pending);
  let announced = true;
  let retainedCleared = false;
  try {
    retainedCleared = await clearRetained(
      pending.deviceId,
      await announce(pending, deps),
      deps.homeAssistantPrefix,
    );
  } catch (cause) {
    if (!req.force)
      throw new NattsynError(
        'broker_unreachable',
        'the broker did not take the decommissioned event; nothing was removed (use --force to wipe anyway)',
        { cause },
      );
    announced = false;
  }
  const removed = await removeAll(deps, registration?.configFiles ?? []);
  return { deviceId: pending.deviceId, removed, exported, announced, retainedCleared };
}
