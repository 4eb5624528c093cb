/**
 * A DNS trap for the lab: a resolver inside a namespace that answers every A query with one lab
 * address (so whatever asked goes on to send its packets where the test counts them) and records
 * each name it was asked for. Minimal RFC 1035 wire format: one question, one answer, no EDNS.
 */
import { createSocket } from 'node:dgram';
import { serveAgent } from '../agent.ts';

const asked: string[] = [];

function questionName(query: Buffer): { name: string; end: number } {
  const labels: string[] = [];
  let pos = 12;
  while (pos < query.length && query[pos] !== 0) {
    const len = query[pos]!;
    labels.push(query.subarray(pos + 1, pos + 1 + len).toString('latin1'));
    pos += len + 1;
  }
  return { name: labels.join('.'), end: pos + 5 }; // the zero label, QTYPE, QCLASS
}

function answer(query: Buffer, address: string): Buffer {
  const { end } = questionName(query);
  const qtype = query.readUInt16BE(end - 4);
  const header = Buffer.from(query.subarray(0, 12));
  header.writeUInt16BE(0x8180, 2); // response, recursion desired and available, no error
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(qtype === 1 ? 1 : 0, 6);
  header.writeUInt32BE(0, 8);
  const question = query.subarray(12, end);
  if (qtype !== 1) return Buffer.concat([header, question]);
  const record = Buffer.alloc(16);
  record.writeUInt16BE(0xc00c, 0); // the name, as a pointer to the question
  record.writeUInt16BE(1, 2); // A
  record.writeUInt16BE(1, 4); // IN
  record.writeUInt32BE(60, 6);
  record.writeUInt16BE(4, 10);
  Buffer.from(address.split('.').map(Number)).copy(record, 12);
  return Buffer.concat([header, question, record]);
}

const socket = createSocket('udp4');
serveAgent(
  {
    listen: ({ address, answerWith }: { address: string; answerWith: string }) =>
      new Promise<void>((resolve, reject) => {
        socket.on('message', (query, from) => {
          if (query.length < 17) return;
          asked.push(questionName(query).name);
          socket.send(answer(query, answerWith), from.port, from.address);
        });
        socket.once('error', reject);
        socket.bind(53, address, () => resolve());
      }),
    asked: () => [...asked],
  },
  () => socket.close(),
);
