import { describe, expect, it } from 'vitest';
import type { WindowState } from '../../src/access/types.ts';
import { CommandRegistry } from '../../src/health/commands.ts';
import { InboundHandler } from '../../src/health/inbound.ts';
import type { InboundProperties } from '../../src/health/link.ts';
import { Emitter } from '../../src/platform/emitter.ts';
import type { PolicyVerdict } from '../../src/policy/index.ts';
import { ManualTime, settle } from '../fixtures/time.ts';
import { recordingEvents, recordingLink } from './fixtures/fakes.ts';

const NO_PROPERTIES: InboundProperties = {
  responseTopic: undefined,
  correlationData: undefined,
  messageExpiryInterval: undefined,
};

describe('inbound messages at stop (issue 9, item 11)', () => {
  it('drops_the_backlog_not_yet_begun_and_waits_for_the_one_in_hand_at_most_drain_ms', async () => {
    const time = new ManualTime();
    const messages = new Emitter<[string, Buffer, boolean, InboundProperties]>();
    const link = {
      ...recordingLink(),
      onMessage: (hook: (s: string, p: Buffer, r: boolean, q: InboundProperties) => void) =>
        messages.on(hook),
    };
    const applied: string[] = [];
    const inbound = new InboundHandler({
      deviceId: 'dev-1',
      link,
      access: {
        windowState: () => ({ policyVersion: 1 }) as WindowState,
        applyPolicy: (jws) => {
          applied.push(jws);
          return new Promise<PolicyVerdict>(() => undefined); // a handler that never finishes
        },
      },
      events: recordingEvents(),
      commands: new CommandRegistry(),
      commandKey: {} as CryptoKey,
      time,
      drainMs: 3000,
    });
    inbound.start();
    for (const jws of ['a.b.c', 'd.e.f', 'g.h.i'])
      messages.emit('policy', Buffer.from(jws), false, NO_PROPERTIES);
    await settle();
    expect(applied).toEqual(['a.b.c']);
    let stopped = false;
    const stopping = inbound.stop().then(() => {
      stopped = true;
    });
    await time.run(2999);
    expect(stopped).toBe(false);
    await time.run(1);
    await stopping;
    expect(applied).toEqual(['a.b.c']);
    expect(messages.listenerCount).toBe(0);
    expect(time.pending).toBe(0);
  });
});
