/**
 * How the service treats its audit log at start. A log that cannot be read (a corrupt record, an
 * unreadable disk) does not stop the service: the log stays unwritable, the gate denies every
 * request with `audit_unavailable`, and health keeps reporting so the centre can send someone.
 */
import type { Logger } from '../log.ts';
import type { AuditLog } from '../policy/index.ts';

export async function openAuditLog(audit: AuditLog, log: Logger): Promise<void> {
  try {
    const { recoveredBytes } = await audit.open();
    if (recoveredBytes > 0) log.warn({ recoveredBytes }, 'cut a torn last audit line left by a crash');
  } catch (error) {
    log.error({ err: error }, 'audit log unreadable: every request is denied until it is repaired');
  }
}
