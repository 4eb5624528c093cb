/**
 * Debian's Chromium (never a downloaded one) launched by playwright-core inside a lab namespace:
 * a wrapper script runs it through `ip netns exec`, which keeps playwright's pipe descriptors, so
 * the browser and every one of its processes live in that namespace (and die with the lab).
 */
import { type Browser, chromium } from 'playwright-core';
import { CHROMIUM_ARGS } from '../../fixtures/stream/browser.ts';
import type { Netns } from './netns.ts';

export function launchChromiumIn(ns: Netns, extraArgs: readonly string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: ns.wrapper('/usr/bin/chromium'),
    args: [...CHROMIUM_ARGS, ...extraArgs],
  });
}
