/**
 * A Node process the lab runs inside a namespace and drives over Node's IPC channel: the test calls
 * named operations and gets their results. An agent exits when the channel closes, so a test
 * process that dies takes its agents with it. `serveAgent` is the agent's side.
 */
import type { ChildProcess } from 'node:child_process';

type Message =
  | { type: 'ready' }
  | { type: 'result'; id: number; ok: true; value: unknown }
  | { type: 'result'; id: number; ok: false; error: string };

export class Agent {
  readonly #child: ChildProcess;
  readonly #label: string;
  readonly #pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  #next = 0;
  #stderr = '';
  #ready: Promise<void>;

  constructor(child: ChildProcess, label: string) {
    this.#child = child;
    this.#label = label;
    child.stderr?.setEncoding('utf8').on('data', (d: string) => {
      this.#stderr = (this.#stderr + d).slice(-4000);
    });
    this.#ready = new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(this.#error('did not start in 15 s')), 15_000);
      child.on('message', (m: Message) => {
        if (m.type === 'ready') {
          clearTimeout(timer);
          resolve();
        } else this.#settle(m);
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        const error = this.#error(`exited (${code ?? signal})`);
        reject(error);
        for (const p of this.#pending.values()) p.reject(error);
        this.#pending.clear();
      });
    });
    this.#ready.catch(() => undefined);
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  ready(): Promise<void> {
    return this.#ready;
  }

  call<T>(op: string, args: unknown = {}, timeoutMs = 20_000): Promise<T> {
    const id = this.#next++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(this.#error(`${op} took longer than ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.#child.send({ type: 'call', id, op, args });
    });
  }

  /** Closes the channel (the agent exits on its own) and waits; SIGKILL after 3 s. */
  async stop(): Promise<void> {
    const child = this.#child;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.disconnect();
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  }

  #settle(m: Message): void {
    if (m.type !== 'result') return;
    const pending = this.#pending.get(m.id);
    this.#pending.delete(m.id);
    if (m.ok) pending?.resolve(m.value);
    else pending?.reject(this.#error(m.error));
  }

  #error(message: string): Error {
    return new Error(`agent ${this.#label}: ${message}${this.#stderr ? `\n${this.#stderr}` : ''}`);
  }
}

export type Handlers = Record<string, (args: never) => unknown>;

/** The agent's side: answers calls with its handlers; `onClose` runs before it exits. */
export function serveAgent(handlers: Handlers, onClose: () => unknown = () => undefined): void {
  const send = (m: Message) => process.send?.(m);
  process.on('message', async (m: { type: string; id: number; op: string; args: never }) => {
    if (m.type !== 'call') return;
    const handler = handlers[m.op];
    try {
      if (!handler) throw new Error(`unknown operation ${m.op}`);
      send({ type: 'result', id: m.id, ok: true, value: (await handler(m.args)) ?? null });
    } catch (error) {
      send({ type: 'result', id: m.id, ok: false, error: String((error as Error).stack ?? error) });
    }
  });
  process.once('disconnect', async () => {
    await Promise.race([onClose(), new Promise((resolve) => setTimeout(resolve, 2000))]);
    process.exit(0);
  });
  send({ type: 'ready' });
}
