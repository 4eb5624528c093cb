import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SessionTicket } from '../../src/access/index.ts';
import {
  FakeGpio,
  PrivacyIndicators,
  readGpioChips,
  SysfsGpio,
  sysfsNumber,
} from '../../src/camera/index.ts';
import { FakeCamera } from '../fixtures/camera.ts';
import { ManualTime } from '../fixtures/time.ts';

async function fakeSys(
  chips: { name: string; label: string; base: number; ngpio: number }[],
): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'nattsyn-sys-'));
  for (const c of chips) {
    const dir = join(root, 'class', 'gpio', c.name);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'label'), `${c.label}\n`);
    await writeFile(join(dir, 'base'), `${c.base}\n`);
    await writeFile(join(dir, 'ngpio'), `${c.ngpio}\n`);
  }
  return root;
}

const roots: string[] = [];
afterEach(async () => {
  for (const r of roots.splice(0)) await rm(r, { recursive: true, force: true });
});

describe('GPIO numbering', () => {
  it('maps BCM pins on a Pi 5 (kernel 6.6+) through the rp1 chip base 571', async () => {
    const root = await fakeSys([
      { name: 'gpiochip512', label: 'raspberrypi-exp-gpio', base: 512, ngpio: 8 },
      { name: 'gpiochip571', label: 'pinctrl-rp1', base: 571, ngpio: 54 },
    ]);
    roots.push(root);
    expect(sysfsNumber(await readGpioChips(root), 17)).toBe(588);
  });

  it('maps BCM pins on a Pi 4 with kernel 6.6+ to base 512, and on older kernels to base 0', async () => {
    const pi4 = await fakeSys([{ name: 'gpiochip512', label: 'pinctrl-bcm2711', base: 512, ngpio: 58 }]);
    const old = await fakeSys([{ name: 'gpiochip0', label: 'pinctrl-bcm2711', base: 0, ngpio: 58 }]);
    roots.push(pi4, old);
    expect(sysfsNumber(await readGpioChips(pi4), 27)).toBe(539);
    expect(sysfsNumber(await readGpioChips(old), 27)).toBe(27);
  });

  it('refuses a machine without a Pi GPIO controller, and pins beyond the chip', async () => {
    const root = await fakeSys([{ name: 'gpiochip0', label: 'some-other-chip', base: 0, ngpio: 32 }]);
    roots.push(root);
    expect(() => sysfsNumber([], 4)).toThrow(/no Raspberry Pi GPIO/);
    expect(() => sysfsNumber(readGpioChipsSync(), 60)).toThrow(/beyond/);
    await expect(
      new SysfsGpio({ sysfsRoot: root, openLine: async () => fakeLine([]) }).set(4, true),
    ).rejects.toThrow();
  });

  it('SysfsGpio opens each line once at its sysfs number, and close turns it off and releases it', async () => {
    const root = await fakeSys([{ name: 'gpiochip571', label: 'pinctrl-rp1', base: 571, ngpio: 54 }]);
    roots.push(root);
    const opened: number[] = [];
    const writes: string[] = [];
    const gpio = new SysfsGpio({
      sysfsRoot: root,
      openLine: async (n) => {
        opened.push(n);
        return fakeLine(writes, n);
      },
    });
    await gpio.set(17, true);
    await gpio.set(17, false);
    await gpio.set(27, true);
    await gpio.close();
    expect(opened).toEqual([588, 598]);
    expect(writes).toEqual(['588=1', '588=0', '598=1', '588=0', '588 unexported', '598=0', '598 unexported']);
  });
});

function readGpioChipsSync() {
  return [{ name: 'gpiochip0', label: 'pinctrl-bcm2835', base: 0, ngpio: 54 }];
}

function fakeLine(writes: string[], n = 0) {
  return {
    write: async (v: 0 | 1) => {
      writes.push(`${n}=${v}`);
    },
    unexport: () => {
      writes.push(`${n} unexported`);
    },
  };
}

function fakeAccess() {
  const listeners = new Set<(n: number) => void>();
  let live: SessionTicket[] = [];
  return {
    sessions: () => live,
    onSessionsChanged: (l: (n: number) => void) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    set(count: number) {
      live = Array.from({ length: count }, () => ({}) as SessionTicket);
      for (const l of listeners) l(count);
    },
  };
}

describe('PrivacyIndicators', () => {
  it('lights the LED exactly while a session lives and the IR illuminator while the camera runs', async () => {
    const gpio = new FakeGpio();
    const camera = new FakeCamera();
    const access = fakeAccess();
    const indicators = new PrivacyIndicators({ gpio, camera, access, irPin: 18, ledPin: 23 });
    await indicators.start();
    expect(gpio.isOn(23)).toBe(false);
    expect(gpio.isOn(18)).toBe(false);
    await camera.start();
    access.set(1);
    await indicators.settled();
    expect(gpio.isOn(18)).toBe(true);
    expect(gpio.isOn(23)).toBe(true);
    access.set(2);
    access.set(0);
    await indicators.settled();
    expect(gpio.isOn(23)).toBe(false);
    await camera.stop();
    await indicators.settled();
    expect(gpio.isOn(18)).toBe(false);
    await indicators.stop();
    expect(camera.listeners).toBe(0);
  });

  it('shows a session that was already live when it started', async () => {
    const gpio = new FakeGpio();
    const access = fakeAccess();
    access.set(1);
    const indicators = new PrivacyIndicators({ gpio, camera: new FakeCamera(), access, ledPin: 23 });
    await indicators.start();
    expect(gpio.isOn(23)).toBe(true);
    await indicators.stop();
    expect(gpio.isOn(23)).toBe(false);
  });

  it('blinks_to_confirm_only_while_nobody_watches_and_a_look_starting_mid_blink_keeps_it_on', async () => {
    const gpio = new FakeGpio();
    const access = fakeAccess();
    const time = new ManualTime();
    const indicators = new PrivacyIndicators({ gpio, camera: new FakeCamera(), access, ledPin: 23, time });
    await indicators.start();
    indicators.blink(3, 200);
    time.advance(200);
    await indicators.settled();
    expect(gpio.isOn(23)).toBe(false);
    time.advance(200);
    await indicators.settled();
    expect(gpio.isOn(23)).toBe(true);
    access.set(1); // someone looks mid-blink
    time.advance(5000);
    await indicators.settled();
    expect(gpio.isOn(23)).toBe(true);
    expect(time.pending).toBe(0);
    indicators.blink(3, 200); // never while watched
    expect(time.pending).toBe(0);
    expect(gpio.isOn(23)).toBe(true);
    await indicators.stop();
  });
});
