/**
 * The device-like publisher in a process of its own, so a test can kill it with SIGKILL mid-way.
 * Argument: JSON `{ deviceId, url, stateDir, ackTimeoutMs, total, paceMs }`: appends until its log
 * holds `total` records (so a restarted one carries on where the killed one stopped), prints
 * `appended <seq>` after each, and `acked <seq>` on every acknowledgement.
 */
import { AuditDevice } from './auditDevice.ts';

const o = JSON.parse(process.argv[2] ?? '{}') as {
  deviceId: string;
  url: string;
  stateDir: string;
  ackTimeoutMs: number;
  total: number;
  paceMs: number;
};
const device = new AuditDevice({
  deviceId: o.deviceId,
  url: o.url,
  stateDir: o.stateDir,
  ackTimeoutMs: o.ackTimeoutMs,
});
device.on('ack', (seq: number) => process.stdout.write(`acked ${seq}\n`));
await device.start();
while (device.log.last.seq < o.total) {
  await device.append(1, o.paceMs);
  process.stdout.write(`appended ${device.log.last.seq}\n`);
}
process.once('SIGTERM', () => void device.stop().then(() => process.exit(0)));
