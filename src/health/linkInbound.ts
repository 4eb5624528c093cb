/**
 * The link's inbound side: the topics under this device it listens to beyond its own (policy,
 * commands, the archive's answers), and who hears each message. A payload larger than
 * `maxInboundBytes` is dropped here, before anyone parses it.
 */
import type { IPublishPacket } from 'mqtt';
import type { Logger as Log } from '../platform/ports.ts';
import { type InboundProperties, inboundProperties } from './linkOptions.ts';

export type MessageHook = (
  suffix: string,
  payload: Buffer,
  retained: boolean,
  properties: InboundProperties,
) => void;

export class LinkInbound {
  readonly #prefix: string;
  readonly #maxBytes: number;
  readonly #log: Log;
  readonly #hooks = new Set<MessageHook>();
  /** Extra topics subscribed on every connection (e.g. the relayed WHEP requests). */
  readonly listening = new Set<string>();
  /** Inbound payloads dropped as too large. */
  oversized = 0;

  constructor(base: string, maxBytes: number, log: Log) {
    this.#prefix = `${base}/`;
    this.#maxBytes = maxBytes;
    this.#log = log;
  }

  on(hook: MessageHook): () => void {
    this.#hooks.add(hook);
    return () => this.#hooks.delete(hook);
  }

  route(topic: string, payload: Buffer, packet: Pick<IPublishPacket, 'retain' | 'properties'>): void {
    if (!topic.startsWith(this.#prefix)) return;
    const suffix = topic.slice(this.#prefix.length);
    if (payload.length > this.#maxBytes) {
      this.oversized += 1;
      this.#log.warn(
        { suffix, bytes: payload.length, limit: this.#maxBytes },
        'inbound payload too large; dropped',
      );
      return;
    }
    const properties = inboundProperties(packet);
    for (const hook of this.#hooks) hook(suffix, payload, packet.retain, properties);
  }
}
