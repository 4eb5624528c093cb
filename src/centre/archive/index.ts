/** The audit archive: every device's audit trail stored, verified and acknowledged (issue 10). */

export { AckPublisher } from './acks.ts';
export { type ArchiveMqtt, type ArchiveStats, AuditArchive, type AuditArchiveDeps } from './archive.ts';
export {
  type CentreAuditFilter,
  type CentreAuditRow,
  centreAuditRows,
  DbCentreAudit,
} from './centreAudit.ts';
export { type ChainHead, judge, type Verdict, walk } from './chain.ts';
export { AUDIT_EXPORT_HELP, type AuditExportDeps, runAuditExport } from './cli.ts';
export {
  type ArchiveConfig,
  type ArchiveDatabaseConfig,
  archiveConfigSchema,
  archiveDatabaseSchema,
} from './config.ts';
export { CentreDatabase, schemaVersion } from './database.ts';
export { openDatabase } from './db/open.ts';
export type { Dialect, SqlDatabase } from './db/sql.ts';
export {
  type AccessExport,
  type AccessFilter,
  type DeviceVerification,
  deviceVerification,
  exportAccess,
  type Look,
} from './export.ts';
export { accessCsv, accessJson, type DeviceLabel, type DeviceLabels } from './exportFormat.ts';
export { ArchiveLookHistory } from './lookHistory.ts';
export { loadMigrations, migrate } from './migrations.ts';
export { ResendScheduler } from './resend.ts';
export { DbRevocations } from './revocations.ts';
export { type LabelHistory, type LabelSpan, labelAt, labelHistory, RosterLabels } from './rosterLabels.ts';
export { archiveStateOf, StatePublisher } from './state.ts';
export { ArchiveStore, type AuditIngest, type StoredAlarm } from './store.ts';
