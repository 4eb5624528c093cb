/**
 * The centre audit written as structured log lines (journald keeps them): what a centre without
 * the archive database does with its sign-ins, sign-outs and refusals. Staff and device ids and
 * codes only, as every centre audit event is.
 */
import type { Logger } from '../../platform/ports.ts';
import type { CentreAuditEvent, CentreAuditSink } from './types.ts';

export class LogAuditSink implements CentreAuditSink {
  readonly #log: Logger;

  constructor(log: Logger) {
    this.#log = log;
  }

  async record(event: CentreAuditEvent): Promise<void> {
    this.#log.info({ audit: event }, 'centre audit');
  }
}
