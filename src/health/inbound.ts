/**
 * What the centre sends the device: signed policies on `policy` (verified and applied by the access
 * controller, answered with `policy_updated` or `policy_rejected`) and signed commands on
 * `cmd/<name>` (answered on `cmd/<name>/res`). Messages are handled one at a time, in arrival order.
 * Every command, run or refused, is audited.
 */
import type { KeyObject } from 'jose';
import type { AccessControl } from '../access/types.ts';
import { Subscriptions } from '../platform/emitter.ts';
import { type Logger as Log, silentLogger as silentLog } from '../platform/ports.ts';
import { systemTime, type Time, withTimeout } from '../platform/time.ts';
import type { AuditEntry, DurableStore } from '../policy/index.ts';
import { type CommandRegistry, type CommandRejectCode, verifyCommand } from './commands.ts';
import type { EventSink } from './events.ts';
import type { MqttLink } from './link.ts';
import { type CommandResultPayload, commandResultPayloadSchema } from './payloads.ts';
import { SeenCommands } from './seenCommands.ts';

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
}

const COMMAND_TOPIC = /^cmd\/([a-z][a-z0-9_-]{0,31})$/;

export class InboundHandler {
  readonly #deps: InboundDeps;
  readonly #log: Log;
  readonly #time: Time;
  /** Command ids already seen, until they expire, kept across restarts: a replay is refused. */
  readonly #seen: SeenCommands;
  #queue: Promise<void> = Promise.resolve();
  readonly #subscriptions = new Subscriptions();

  constructor(deps: InboundDeps) {
    this.#deps = deps;
    this.#log = deps.log ?? silentLog;
    this.#time = deps.time ?? systemTime;
    this.#seen = new SeenCommands(deps.store);
  }

  start(): void {
    if (this.#subscriptions.active) return;
    this.#subscriptions.add(
      this.#deps.link.onMessage((suffix, payload, retained) => {
        this.#queue = this.#queue
          .then(() => this.handle(suffix, payload.toString('utf8'), retained))
          .catch((error) => this.#log.error({ err: String(error) }, 'inbound message failed'));
      }),
    );
  }

  async stop(): Promise<void> {
    this.#subscriptions.clear();
    await this.#queue;
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
      await this.#answer(name, command.id, { ok: false, code: 'cmd_failed' });
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
