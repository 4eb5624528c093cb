/** The audit archive: every device's audit trail stored, verified and acknowledged (issue 10). */

export { type ArchiveMqtt, type ArchiveStats, AuditArchive, type AuditArchiveDeps } from './archive.ts';
export {
  type CentreAuditFilter,
  type CentreAuditRow,
  centreAuditRows,
  DbCentreAudit,
  DbRevocations,
} from './centreAudit.ts';
export { type ChainHead, judge, type Verdict, walk } from './chain.ts';
export { AUDIT_EXPORT_HELP, type AuditExportDeps, runAuditExport } from './cli.ts';
export {
  type ArchiveConfig,
  type ArchiveDatabaseConfig,
  archiveConfigSchema,
  archiveDatabaseSchema,
} from './config.ts';
export { CentreDatabase, loadMigrations, migrate, openDatabase, schemaVersion } from './database.ts';
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
export { AckPublisher, archiveStateOf, StatePublisher } from './publish.ts';
export { ResendScheduler } from './resend.ts';
export { type LabelHistory, type LabelSpan, labelAt, labelHistory, RosterLabels } from './rosterLabels.ts';
export { ArchiveStore, type AuditIngest, type StoredAlarm } from './store.ts';
