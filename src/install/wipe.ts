/**
 * Decommissioning (issue 5, EN 303 645 provision 5.11): removes identity, keys, certificates,
 * registration, policy, audit log and config, so nothing that could act as this device is left.
 * Guards, in order: the device id typed back; the service stopped (the audit log has one writer);
 * no audit record the centre has not received, unless forced, and then exported first; the
 * `decommissioned` event acknowledged by the broker, so the centre can tell a retirement from an
 * outage (a device deregistered by mistake once left a resident unsupervised for three months).
 */
import { randomUUID } from 'node:crypto';
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { NattsynError, UsageError } from '../errors.ts';
import { type EventPayload, EventQueue } from '../health/index.ts';
import { FsStore, writeFileAtomic } from '../platform/fsStore.ts';
import type { AuditEntry, AuditRecord } from '../policy/index.ts';
import { normalizeDeviceId } from './deviceId.ts';
import { loadIdentity } from './identity.ts';
import { loadRegistrationFile } from './registration.ts';
import { deviceTopic, type Publish } from './topics.ts';

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
}

export interface WipeResult {
  deviceId: string;
  removed: string[];
  exported: { file: string; records: number } | undefined;
  announced: boolean;
}

/** Retained topics the device owns: cleared, so the centre's view does not show a ghost. */
const RETAINED = ['registration', 'info', 'health', 'status'] as const;

async function guard(req: WipeRequest, deps: WipeDeps): Promise<{ deviceId: string; undelivered: number }> {
  const identity = await loadIdentity(deps.stateDir);
  if (!identity) throw new UsageError('this device has no identity: there is nothing to wipe');
  if (normalizeDeviceId(req.typedDeviceId) !== identity.deviceId)
    throw new UsageError('the device id typed back does not match this device');
  if (await deps.serviceActive())
    throw new NattsynError('service_running', 'stop the service first: sudo systemctl stop nattsyn', {
      status: 409,
    });
  const undelivered = deps.audit.last.seq - (await deps.audit.deliveredSeq());
  if (undelivered > 0 && !req.force)
    throw new NattsynError(
      'audit_undelivered',
      `${undelivered} audit records have not reached the monitoring centre; start the service until they are delivered, or use --force --export FILE`,
      { status: 409 },
    );
  if (undelivered > 0 && !req.exportTo)
    throw new UsageError('--force needs --export FILE for the undelivered audit records');
  if (req.exportTo && !path.relative(deps.stateDir, path.resolve(req.exportTo)).startsWith('..'))
    throw new UsageError('--export must name a file outside the state directory');
  return { deviceId: identity.deviceId, undelivered };
}

async function exportAudit(audit: WipeAudit, file: string): Promise<number> {
  const records = await audit.readAfter(0, Number.MAX_SAFE_INTEGER);
  await writeFileAtomic(file, records.map((r) => `${JSON.stringify(r)}\n`).join(''), 0o600);
  return records.length;
}

async function announce(deviceId: string, deps: WipeDeps): Promise<void> {
  if (!deps.publish)
    throw new NattsynError('broker_unreachable', 'no broker connection to announce the wipe');
  // The next seq of the device's event stream, computed without writing: a refused wipe leaves no trace.
  const events = new EventQueue({ store: new FsStore(deps.stateDir) });
  await events.open();
  const event: EventPayload = {
    eventId: randomUUID(),
    seq: events.lastSeq + 1,
    code: 'decommissioned',
    ts: deps.now().toISOString(),
  };
  await deps.publish(deviceTopic(deviceId, 'event'), JSON.stringify(event), { retain: false, qos: 1 });
  for (const leaf of RETAINED) await deps.publish(deviceTopic(deviceId, leaf), '', { retain: true, qos: 1 });
}

export async function wipe(req: WipeRequest, deps: WipeDeps): Promise<WipeResult> {
  const { deviceId, undelivered } = await guard(req, deps);
  const registration = await loadRegistrationFile(deps.stateDir).catch(() => undefined);
  // Announce before anything is written: a refused wipe must leave no trace of having started.
  let announced = true;
  try {
    await announce(deviceId, deps);
  } catch (cause) {
    if (!req.force)
      throw new NattsynError(
        'broker_unreachable',
        'the broker did not take the decommissioned event; nothing was removed (use --force to wipe anyway)',
        { cause },
      );
    announced = false;
  }
  await deps.audit.append({ type: 'decommissioned', actor: 'installer', detail: { undelivered, announced } });
  const exported = req.exportTo
    ? { file: path.resolve(req.exportTo), records: await exportAudit(deps.audit, req.exportTo) }
    : undefined;
  const removed: string[] = [];
  for (const name of await readdir(deps.stateDir)) {
    await rm(path.join(deps.stateDir, name), { recursive: true, force: true });
    removed.push(path.join(deps.stateDir, name));
  }
  for (const file of new Set([...deps.configFiles, ...(registration?.configFiles ?? [])])) {
    await rm(file, { force: true });
    removed.push(file);
  }
  return { deviceId, removed, exported, announced };
}
