/**
 * The one error base of nattsyn. `code` is a stable reason code (DESIGN.md, "Reason codes"):
 * clients, the audit log and MQTT events carry it; `status` is the HTTP status where one applies.
 * Messages are one sentence for a person and never hold a token, an SDP body or a stack trace.
 */
export class NattsynError extends Error {
  readonly code: string;
  readonly status: number;

  constructor(code: string, message: string, options: { status?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'NattsynError';
    this.code = code;
    this.status = options.status ?? 500;
  }
}

/** A configuration or usage mistake: the CLI exits 2 on it. */
export class UsageError extends NattsynError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('usage', message, { status: 400, ...options });
    this.name = 'UsageError';
  }
}
