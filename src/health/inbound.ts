/**
 * What the centre sends the device: signed policies on `policy` (verified and applied by the access
 * controller, answered with `policy_updated` or `policy_rejected`) and signed commands on
 * `cmd/<name>` (answered on `cmd/<name>/res`). Messages are handled one at a time, in arrival order,
 * from a bounded queue where policies coalesce (inboundQueue.ts). Every command, run or refused, is
 * audited; past a budget, refusals are audited as one counted record per window and not answered
 * (inboundQueue.ts), so garbage cannot fill the log or the uplink. Seen command ids outlive a
 * restart (commands.ts). Stopping takes no new message and drops the backlog not yet begun (a
 * backlog kept the service up past systemd's kill): a dropped command goes unanswered and the
 * centre sends it again, and the policy is retained. The message in hand gets `drainMs` to finish.
 */
import type { KeyObject } from 'jose';
import type { AccessControl } from '../access/types.ts';
import { NattsynError } from '../errors.ts';
import { Subscriptions } from '../platform/emitter.ts';
import { type Logger as Log, silentLogger as silentLog } from '../platform/ports.ts';
import { systemTime, type Time, withTimeout } from '../platform/time.ts';
import type { AuditEntry, DurableStore } from '../policy/index.ts';
import { type CommandRegistry, type CommandRejectCode, SeenCommands, verifyCommand } from './commands.ts';
import type { EventSink } from './events.ts';
import { InboundQueue, RefusalBudget } from './inboundQueue.ts';
import type { MqttLink } from './link.ts';
import { type CommandResultPayload, commandResultPayloadSchema } from './payloads.ts';

export interface InboundDeps {
  deviceId: string;
  link: Pick<MqttLink, 'onMessage' | 'publish' | 'topics'>;
  access: Pick<AccessControl, 'applyPolicy' | 'windowState'>;
  events: EventSink;
  commands: CommandRegistry;
  /** The pinned policy key, which also signs commands. */
  commandKey: KeyObject | CryptoKey;
  audit?: { append(entry: AuditEntry): Promise<unknown> };
  /** The state directory: seen command ids persist here (absent: in memory only). */
  store?: DurableStore;
  time?: Time;
  log?: Log;
  /** Longest a handler may run before it is answered as failed. */
  handlerTimeoutMs?: number;
  /** Longest `stop()` waits for the message being handled. */
  drainMs?: number;
  /** Messages waiting to be handled at most (policies coalesce into one). */
  maxQueued?: number;
  /** Refusals answered and audited one by one per window; the rest are counted. */
  refusals?: { perWindow: number; windowMs: number };
}

export const DEFAULT_REFUSALS = { perWindow: 20, windowMs: 60_000 };

const DRAIN_MS = 3000;

const COMMAND_TOPIC = /^cmd\/([a-z][a-z0-9_-]{0,31})$/;

export class InboundHandler {
  readonly #deps: InboundDeps;
  readonly #log: Log;
  readonly #time: Time;
  /** Command ids already seen, until they expire, kept across restarts: a replay is refused. */
  readonly #seen: SeenCommands;
  readonly #subscriptions = new Subscriptions();
  readonly queue: InboundQueue;
  readonly #budget: RefusalBudget;

  constructor(deps: InboundDeps) {
    this.#deps = deps;
    this.#log = deps.log ?? silentLog;
    this.#time = deps.time ?? systemTime;
    this.#seen = new SeenCommands(deps.store);
    this.queue = new InboundQueue(
      (m) => this.handle(m.suffix, m.text, m.retained),
      this.#log,
      deps.maxQueued ?? 32,
      () => this.#budget.count('queue_full'),
    );
    this.#budget = new RefusalBudget(this.#time, deps.refusals ?? DEFAULT_REFUSALS, (counts, total) =>
      this.#auditRefusals(counts, total),
    );
  }

  start(): void {
    if (this.#subscriptions.active) return;
    this.#subscriptions.add(
      this.#deps.link.onMessage((suffix, payload, retained) => {
        // Only policies and commands are ours, and a retained command is never acted on: not queued.
        if (suffix !== 'policy' && !COMMAND_TOPIC.test(suffix)) return;
        if (retained && suffix !== 'policy') return this.#log.warn({ suffix }, 'retained command ignored');
        this.queue.push({ suffix, text: payload.toString('utf8'), retained });
      }),
    );
  }

  async stop(): Promise<void> {
    this.#subscriptions.clear();
    if (this.queue.length > 0)
      this.#log.warn({ dropped: this.queue.length }, 'inbound backlog dropped at stop');
    await withTimeout(this.#time, this.queue.clear(), this.#deps.drainMs ?? DRAIN_MS).catch(() =>
      this.#log.warn({}, 'inbound message still being handled at stop: left behind'),
    );
    await this.#budget.stop();
  }

  async handle(suffix: string, text: string, retained: boolean): Promise<void> {
    if (suffix === 'policy') return this.#policy(text, retained);
    const m = COMMAND_TOPIC.exec(suffix);
    if (!m) return;
    if (retained) {
      this.#log.warn({ name: m[1] }, 'retained command ignored');
      return;
    }
    await this.#command(m[1]!, text);
  }

  async #policy(jws: string, retained: boolean): Promise<void> {
    const { access, events } = this.#deps;
    if (jws.trim() === '') return;
    // The retained copy of the policy already in force comes back on every connection: not news.
    if (retained && versionOf(jws) === access.windowState().policyVersion) return;
    const verdict = await access.applyPolicy(jws.trim(), 'centre');
    if (verdict.ok) {
      await events.raise('policy_updated', { version: verdict.policy.body.version });
    } else {
      this.#log.warn({ code: verdict.code }, 'policy rejected');
      await events.raise('policy_rejected', { code: verdict.code });
    }
  }

  async #command(name: string, jws: string): Promise<void> {
    const { deviceId, commandKey, commands } = this.#deps;
    const now = this.#time.now();
    const verdict = await verifyCommand(jws.trim(), name, { publicKey: commandKey, deviceId, now });
    if (!verdict.ok) return this.#answer(name, verdict.id ?? null, { ok: false, code: verdict.code });
    const { command } = verdict;
    if (await this.#seen.has(command.id, now))
      return this.#answer(name, command.id, { ok: false, code: 'cmd_replayed' });
    const handler = commands.get(name);
    if (!handler) return this.#answer(name, command.id, { ok: false, code: 'cmd_unknown' });
    try {
      await this.#seen.remember(command.id, Date.parse(command.expiry), now);
    } catch (error) {
      // Not remembered, not run: it could otherwise run again after a restart.
      this.#log.warn({ name, err: String(error) }, 'command id not stored');
      return this.#answer(name, command.id, { ok: false, code: 'cmd_failed' });
    }
    try {
      const result = await withTimeout(
        this.#time,
        handler(command),
        this.#deps.handlerTimeoutMs ?? 120_000,
        'command timed out',
      );
      await this.#answer(name, command.id, { ok: true, result });
    } catch (error) {
      this.#log.warn({ name, err: String(error) }, 'command failed');
      // A handler refusing its arguments says so (cmd_malformed); anything else failed.
      const refused = error instanceof NattsynError && error.code === 'cmd_malformed';
      await this.#answer(name, command.id, { ok: false, code: refused ? 'cmd_malformed' : 'cmd_failed' });
    }
  }

  async #answer(
    name: string,
    id: string | null,
    outcome: { ok: true; result: CommandResultPayload['result'] } | { ok: false; code: CommandRejectCode },
  ): Promise<void> {
    const { link, audit } = this.#deps;
    const now = this.#time.now();
    const code = outcome.ok ? 'ok' : outcome.code;
    if (!outcome.ok && outcome.code !== 'cmd_failed' && !this.#budget.take(code)) return;
    await audit?.append({ type: 'command', actor: 'centre', code, detail: { name, id: id ?? '' } });
    const payload = commandResultPayloadSchema.parse({
      id,
      name,
      ...outcome,
      ts: new Date(now).toISOString(),
    });
    await link
      .publish(link.topics.cmdResult(name), JSON.stringify(payload), { qos: 1 })
      .catch(() => undefined);
  }

  /** Refusals past the budget, as one audit record: how many, and how many of each code. */
  async #auditRefusals(counts: Record<string, number>, total: number): Promise<void> {
    this.#log.warn({ total, ...counts }, 'refused commands past the budget, audited as a count');
    await this.#deps.audit?.append({
      type: 'command',
      actor: 'centre',
      code: 'cmd_rate_limited',
      detail: { refused: total, ...counts },
    });
  }
}

/** The `version` claimed by a policy JWS, unverified: only to recognise the one already in force. */
function versionOf(jws: string): number | undefined {
  try {
    const body = JSON.parse(Buffer.from(jws.split('.')[1] ?? '', 'base64url').toString('utf8'));
    return typeof body.version === 'number' ? body.version : undefined;
  } catch {
    return undefined;
  }
}
