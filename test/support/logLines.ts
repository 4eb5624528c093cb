/** A Logger (the folders' port) that keeps every line, so tests can assert on what was logged. */
import type { Logger } from '../../src/platform/ports.ts';

export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  obj: Record<string, unknown>;
  msg: string | undefined;
}

export class LogLines implements Logger {
  readonly lines: LogLine[] = [];
  debug = (obj: object, msg?: string) => this.#add('debug', obj, msg);
  info = (obj: object, msg?: string) => this.#add('info', obj, msg);
  warn = (obj: object, msg?: string) => this.#add('warn', obj, msg);
  error = (obj: object, msg?: string) => this.#add('error', obj, msg);

  /** Everything logged, as one JSON text (to prove a secret never appears). */
  get text(): string {
    return JSON.stringify(this.lines);
  }

  #add(level: LogLine['level'], obj: object, msg: string | undefined): void {
    this.lines.push({ level, obj: { ...obj } as Record<string, unknown>, msg });
  }
}
