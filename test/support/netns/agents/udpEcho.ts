/**
 * A UDP echo for measuring a lab link: `serve` echoes every datagram back; `probe` sends numbered
 * datagrams at an interval and reports each round trip and how many never came back.
 */
import { createSocket } from 'node:dgram';
import { serveAgent } from '../agent.ts';

const socket = createSocket('udp4');

serveAgent(
  {
    serve: ({ address, port }: { address: string; port: number }) =>
      new Promise<void>((resolve) => {
        socket.on('message', (m, from) => socket.send(m, from.port, from.address));
        socket.bind(port, address, () => resolve());
      }),
    probe: async (o: { address: string; port: number; count: number; intervalMs: number }) => {
      const sent = new Map<number, number>();
      const rtts: number[] = [];
      socket.on('message', (m) => {
        const at = sent.get(m.readUInt32BE(0));
        if (at !== undefined) rtts.push(performance.now() - at);
      });
      await new Promise<void>((resolve) => socket.bind(0, () => resolve()));
      for (let i = 0; i < o.count; i++) {
        const m = Buffer.alloc(200);
        m.writeUInt32BE(i, 0);
        sent.set(i, performance.now());
        socket.send(m, o.port, o.address);
        await new Promise((r) => setTimeout(r, o.intervalMs));
      }
      await new Promise((r) => setTimeout(r, 1000));
      return { rtts, lost: o.count - rtts.length };
    },
  },
  () => socket.close(),
);
