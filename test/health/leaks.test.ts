import { generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Broker, startMosquitto } from '../support/mosquitto.ts';
import { type Centre, startCentre } from './fixtures/centre.ts';
import { startDevice } from './fixtures/inProcess.ts';

let broker: Broker;
let centre: Centre;

beforeAll(async () => {
  broker = await startMosquitto();
  centre = await startCentre(broker.url);
});
afterAll(async () => {
  await centre.stop();
  await broker.dispose();
});

const counts = () => {
  const out: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) out[r] = (out[r] ?? 0) + 1;
  return out;
};

describe('stopping the health service', () => {
  it('leaves no timer, socket or child process behind', async () => {
    const keys = await generateKeyPair('EdDSA');
    await new Promise((r) => setTimeout(r, 50));
    const before = counts();
    const device = await startDevice('dev-leak', broker.url, keys.publicKey);
    await centre.waitFor((m) => m.some((x) => x.topic === 'nattsyn/v1/dev-leak/status' && x.text.includes('online')));
    await device.audit.append({ type: 'grant', actor: 'staff-1' });
    await device.service.events.raise('window_ready');
    await centre.waitFor((m) => m.some((x) => x.topic === 'nattsyn/v1/dev-leak/event'));
    expect(counts().TCPSocketWrap ?? 0).toBeGreaterThan(before.TCPSocketWrap ?? 0);
    await device.dispose();
    await new Promise((r) => setTimeout(r, 50));
    const after = counts();
    const grown = Object.keys(after).filter((k) => after[k]! > (before[k] ?? 0));
    expect(grown, JSON.stringify({ before, after })).toEqual([]);
  });
});
