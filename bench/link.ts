/**
 * `node bench/link.ts` (as root): checks the bench's shaped phone link on its own. Builds the NAT
 * lab, shapes the phone's link as a phone on 4G, and measures UDP round trips from the phone to the
 * public segment: the RTT should sit around 80 ms (60-100) and about 2 % should be lost (1 % each
 * way).
 */
import { join } from 'node:path';
import { ADDRESSES, buildNatLab } from '../test/support/netns/topology.ts';
import { PHONE_4G, shapePhoneLink } from './linkEmulator.ts';
import { percentile } from './proc.ts';

const ECHO = join(import.meta.dirname, '../test/support/netns/agents/udpEcho.ts');
const COUNT = 500;

const net = await buildNatLab();
try {
  await shapePhoneLink(net, PHONE_4G);
  const [server, client] = await Promise.all([net.public.agent(ECHO), net.phone.agent(ECHO)]);
  await server.call('serve', { address: ADDRESSES.server, port: 7 });
  const { rtts, lost } = await client.call<{ rtts: number[]; lost: number }>(
    'probe',
    { address: ADDRESSES.server, port: 7, count: COUNT, intervalMs: 10 },
    60_000,
  );
  const sorted = [...rtts].sort((a, b) => a - b);
  console.log(
    JSON.stringify({
      shape: PHONE_4G,
      probes: COUNT,
      rttMs: {
        min: Math.round(sorted[0] ?? Number.NaN),
        p50: Math.round(percentile(sorted, 50)),
        p95: Math.round(percentile(sorted, 95)),
        max: Math.round(sorted.at(-1) ?? Number.NaN),
      },
      lostPercent: Math.round((1000 * lost) / COUNT) / 10,
    }),
  );
} finally {
  await net.dispose();
}
