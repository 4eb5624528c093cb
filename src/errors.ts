/**
 * The one error base of nattsyn. `code` is a stable reason code from the registry (reasons.ts):
 * clients, the audit log and MQTT events carry it; `status` is the HTTP status the registry gives
 * it. Messages are one sentence for a person and never hold a token, an SDP body or a stack trace.
 */
import { httpStatusOf, type ReasonCode } from './reasons.ts';

export class NattsynError extends Error {
  readonly code: ReasonCode;
  readonly status: number;

  constructor(code: ReasonCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'NattsynError';
    this.code = code;
    this.status = httpStatusOf(code);
  }
}

/** A configuration or usage mistake: the CLI exits 2 on it. */
export class UsageError extends NattsynError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('usage', message, options);
    this.name = 'UsageError';
  }
}
