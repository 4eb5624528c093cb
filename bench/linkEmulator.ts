/**
 * A shaped link for the bench's network lab (issue 11): the phone's 4G. This kernel has neither
 * netem nor tbf, so the veth between a host and its router is replaced by two TUN devices joined by
 * a userspace forwarder (bench/tunlink.py) running in the router's namespace, which holds each
 * packet for half the round trip ± half the jitter in each direction; nft drops the lost share on
 * the router (`numgen random`). Interface names and addresses stay as they were, so the router's
 * NAT and filter rules keep working. For `npm run bench`, not for timed tests.
 */

import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Netns } from '../test/support/netns/netns.ts';
import type { NatLab } from '../test/support/netns/topology.ts';
import { ADDRESSES } from '../test/support/netns/topology.ts';

export interface LinkShape {
  /** Round trip added by the link, ms (split evenly between the two directions). */
  rttMs: number;
  /** Spread of the round trip, ± ms (uniform). */
  jitterMs: number;
  /** Packets dropped in each direction, percent (whole numbers). */
  lossPercent: number;
}

/** A phone on 4G (issue 11): RTT 80 ms ± 20 ms, 1 % loss. */
export const PHONE_4G: LinkShape = { rttMs: 80, jitterMs: 20, lossPercent: 1 };

export interface ShapedLink {
  stop(): Promise<void>;
}

interface Ends {
  router: Netns;
  routerIf: string;
  routerAddress: string;
  host: Netns;
  hostIf: string;
  hostAddress: string;
}

/** Replaces the veth `router:routerIf` ↔ `host:hostIf` by a shaped TUN link (addresses as CIDR). */
export async function shapeLink(ends: Ends, shape: LinkShape): Promise<ShapedLink> {
  const { router, routerIf, host, hostIf } = ends;
  if (!Number.isInteger(shape.lossPercent) || shape.lossPercent < 0 || shape.lossPercent > 100)
    throw new Error('lossPercent is a whole number from 0 to 100');
  await router.ip('link', 'del', routerIf); // takes the host's end with it
  const far = `tl${process.pid.toString(36)}`.slice(0, 15);
  const pump = router.spawn(
    'python3',
    [
      join(import.meta.dirname, 'tunlink.py'),
      routerIf,
      far,
      String(shape.rttMs / 2),
      String(shape.jitterMs / 2),
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve, reject) => {
    pump.once('exit', (code) => reject(new Error(`tunlink.py exited with ${code}`)));
    createInterface({ input: pump.stdout! }).once('line', () => resolve());
  });
  await router.ip('link', 'set', far, 'netns', host.name);
  await host.ip('link', 'set', far, 'name', hostIf);
  await router.addAddress(routerIf, ends.routerAddress);
  await host.addAddress(hostIf, ends.hostAddress);
  await router.ip('link', 'set', routerIf, 'up');
  await host.ip('link', 'set', hostIf, 'up');
  await host.route('default', ends.routerAddress.split('/')[0]!);
  if (shape.lossPercent > 0)
    await router.nft(`table inet linkloss {
  chain forward {
    type filter hook forward priority filter - 20; policy accept;
    iifname "${routerIf}" numgen random mod 100 < ${shape.lossPercent} drop
    oifname "${routerIf}" numgen random mod 100 < ${shape.lossPercent} drop
  }
}`);
  return {
    stop: async () => {
      if (pump.exitCode !== null || pump.signalCode !== null) return;
      const exited = new Promise((resolve) => pump.once('exit', resolve));
      pump.stdin?.end();
      await exited;
    },
  };
}

/** The phone's link to its carrier, shaped (default: 4G). */
export function shapePhoneLink(net: NatLab, shape: LinkShape = PHONE_4G): Promise<ShapedLink> {
  return shapeLink(
    {
      router: net.cgnat,
      routerIf: 'lan',
      routerAddress: `${ADDRESSES.cgnatLan}/10`,
      host: net.phone,
      hostIf: 'eth0',
      hostAddress: `${ADDRESSES.phone}/10`,
    },
    shape,
  );
}
