/**
 * Relay bench (standalone, as root): `node bench/relay.ts [--looks 20]`. In the network lab of
 * test/support/netns (real NATs, coturn, mosquitto with the shipped ACL, the centre on HTTPS 443, the
 * device at home with no inbound port), the phone's link is shaped like 4G (RTT 80 ± 20 ms, 1 %
 * loss each way, bench/linkEmulator.ts) and Debian's Chromium looks through the centre N times per
 * case: a plain NAT, a symmetric carrier-grade NAT, and a network that lets only TCP 443 out. Each
 * look loads the window state (as the page does when it opens), gives the nurse a second to read
 * it, then taps. Prints tap-to-first-frame p50/p95 per case (target p50 ≤ 1 s, p95 ≤ 2 s), the
 * candidate pairs used, and the centre's and coturn's CPU per look.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { lookThroughCentre } from '../test/support/netns/look.ts';
import { LAB_DEVICE, startRelayLab } from '../test/support/netns/relayLab.ts';
import { PHONE_4G, shapePhoneLink } from './linkEmulator.ts';
import { cpuSeconds, percentile } from './proc.ts';

const { values } = parseArgs({ options: { looks: { type: 'string', default: '20' } } });
const LOOKS = Number(values.looks);

const lab = await startRelayLab();
const link = await shapePhoneLink(lab.net, PHONE_4G);
const turnPid = lab.net.public.pids().find((pid) => comm(pid) === 'turnserver');
const centrePid = lab.centre.pid;
try {
  const cases: Array<[string, () => Promise<void>, () => Promise<void>]> = [
    ['plain NAT', () => lab.net.phoneNat('cone'), () => lab.net.phoneNat('symmetric')],
    ['symmetric CGNAT', async () => undefined, async () => undefined],
    ['TCP 443 only (turns:)', () => lab.net.blockPhoneUdp(true), () => lab.net.blockPhoneUdp(false)],
  ];
  for (const [name, setUp, tearDown] of cases)
    for (const readMs of [1000, 0]) {
      await setUp();
      const times: number[] = [];
      const pairs = new Map<string, number>();
      const cpu0 = { centre: cpu(centrePid), turn: cpu(turnPid) };
      const failures: string[] = [];
      for (let i = 0; i < LOOKS; i += 1) {
        // A nurse per look, as on a round of many residents: each staff member's own rate limit holds.
        const token = await lab.token({ staffId: `nurse-${name.length}-${i}` });
        const r = await lookThroughCentre(lab.page, LAB_DEVICE, token, {
          timeoutMs: 15_000,
          readMs,
        }).catch((error: Error) => ({
          status: 0,
          code: error.message.split('\n')[0],
          tapToFrameMs: undefined,
          pair: undefined,
        }));
        if (r.status !== 201 || r.tapToFrameMs === undefined) {
          failures.push(`${r.status} ${r.code ?? ''}`.trim());
          continue;
        }
        times.push(r.tapToFrameMs);
        const pair = `${r.pair?.local}/${r.pair?.remote}${r.pair?.relayProtocol ? ` (${r.pair.relayProtocol})` : ''}`;
        pairs.set(pair, (pairs.get(pair) ?? 0) + 1);
      }
      const looks = Math.max(1, times.length);
      const perLook = (a: number, b: number) => `${((1000 * (b - a)) / looks).toFixed(1)} ms CPU`;
      const how = readMs ? 'page open, tap after 1 s' : 'cold: state, gathering and offer after the tap';
      console.log(
        `${name} (${how}): tap-to-first-frame p50 ${Math.round(percentile(times, 50))} ms, p95 ${Math.round(percentile(times, 95))} ms over ${times.length} looks (${failures.length} failed${failures.length ? `: ${[...new Set(failures)].join(', ')}` : ''}); pairs ${JSON.stringify(Object.fromEntries(pairs))}; centre ${perLook(cpu0.centre, cpu(centrePid))}/look, coturn ${perLook(cpu0.turn, cpu(turnPid))}/look`,
      );
      await tearDown();
    }
} finally {
  await link.stop();
  await lab.dispose();
}

function comm(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

/** CPU seconds of a process and its children still alive (the agent is the centre's node process). */
function cpu(pid: number | undefined): number {
  if (pid === undefined) return 0;
  const kids = readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
    .filter((p) => {
      try {
        return readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]!.split(' ')[1] === String(pid);
      } catch {
        return false;
      }
    });
  return [pid, ...kids].reduce((sum, p) => sum + (safe(() => cpuSeconds(p)) ?? 0), 0);
}

function safe<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch {
    return undefined;
  }
}
