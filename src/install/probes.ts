/**
 * Self-test checks at the hardware edge: the camera delivers frames, the IR illuminator lights a
 * dark scene, the GPIO lines exist. Each takes the same interfaces the service uses (CameraSource,
 * an illuminator switch, the sysfs GPIO folder) so tests drive them with fakes of those interfaces.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { AccessUnit, CameraSource } from '../camera/types.ts';
import { systemTime, type Timer, type Timers } from '../platform/time.ts';
import type { SelftestCheck } from './selftest.ts';

export interface CameraProbeOptions {
  /** Access units to wait for, at least one of them a keyframe. */
  frames?: number;
  timeoutMs?: number;
  time?: Pick<Timers, 'timeout'>;
}

/**
 * The demo's driver: an ffmpeg test picture of a dim room. On an installed device it would show staff
 * a fake bedroom while the real one goes unwatched, so the self-test fails it outright.
 */
const DEMO_DRIVER = 'synthetic';

/** Starts the camera, waits for frames including a keyframe, stops it. Frames are only counted. */
export function cameraCheck(source: CameraSource, options: CameraProbeOptions = {}): SelftestCheck {
  const wanted = options.frames ?? 10;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const time = options.time ?? systemTime;
  return {
    id: 'camera',
    title: 'Camera present and delivering frames',
    fix: 'check the camera ribbon cable (both ends, contacts the right way round) and run `rpicam-hello --list-cameras`',
    async run() {
      const driver = source.status().driver;
      if (driver === DEMO_DRIVER)
        return {
          ok: false,
          detail: `camera.driver is "${DEMO_DRIVER}": the demo's fake room, not this camera`,
          fix: 'set camera.driver to "rpicam" (or "v4l2" / "rtsp") in /etc/nattsyn/config.json, then run the self-test again',
        };
      let frames = 0;
      let keyframes = 0;
      let unsubscribe = () => {};
      let timer: Timer | undefined;
      const done = new Promise<boolean>((resolve) => {
        unsubscribe = source.onAccessUnit((au: AccessUnit) => {
          frames++;
          if (au.keyframe) keyframes++;
          if (frames >= wanted && keyframes > 0) resolve(true);
        });
        timer = time.timeout('camera-check', timeoutMs, () => resolve(false));
      });
      try {
        await source.start();
        const ok = await done;
        const status = source.status();
        const detail = `${frames} frames, ${keyframes} keyframes from ${status.driver}`;
        return ok
          ? { ok, detail }
          : { ok, detail: `${detail}${status.lastError ? ` (${status.lastError})` : ''}` };
      } finally {
        timer?.cancel();
        unsubscribe();
        await source.stop();
      }
    },
  };
}

export interface IlluminatorProbe {
  setIlluminator(on: boolean): Promise<void>;
  /** Mean luma (0–255) of one decoded keyframe, computed in memory; the picture is dropped. */
  sampleLuma(): Promise<number>;
  /** Releases what sampling held (the camera); called once the check is over. */
  close?(): Promise<void>;
}

/** Measures the scene with the IR light off and on: a working illuminator brightens a dark room. */
export function irCheck(probe: IlluminatorProbe, minRise = 15): SelftestCheck {
  return {
    id: 'ir',
    title: 'IR illuminator lights a dark scene',
    fix: 'darken the room, check the IR illuminator cable and the GPIO pin in the config, and that nothing covers it',
    // Brightness is measured through the camera: without frames there is nothing to compare.
    needs: ['camera'],
    async run() {
      try {
        await probe.setIlluminator(false);
        const off = await probe.sampleLuma();
        await probe.setIlluminator(true);
        const on = await probe.sampleLuma();
        const rise = on - off;
        return {
          ok: rise >= minRise,
          detail: `brightness ${off.toFixed(0)} → ${on.toFixed(0)} (need +${minRise})`,
        };
      } finally {
        await probe.setIlluminator(false);
        await probe.close?.();
      }
    },
  };
}

export interface GpioLine {
  name: string;
  /** BCM number as printed on pinout diagrams. */
  bcm: number;
}

interface Chip {
  label: string;
  base: number;
  ngpio: number;
}

/** The SoC GPIO controllers of the boards we support (Pi 3/4, Pi 5). */
const SOC_LABEL = /^pinctrl-(bcm2835|bcm2711|rp1)$/;

async function readChips(sysfsRoot: string): Promise<Chip[]> {
  const names = (await readdir(sysfsRoot).catch(() => [] as string[])).filter((n) =>
    n.startsWith('gpiochip'),
  );
  const read = (chip: string, file: string) =>
    readFile(path.join(sysfsRoot, chip, file), 'utf8').then((s) => s.trim());
  return Promise.all(
    names.map(async (n) => ({
      label: await read(n, 'label'),
      base: Number(await read(n, 'base')),
      ngpio: Number(await read(n, 'ngpio')),
    })),
  );
}

/**
 * Checks that each configured BCM line exists on the SoC's GPIO chip, and reports the sysfs number
 * (kernels 6.6+ offset it by the chip base, e.g. +512 on a Pi 4).
 */
export function gpioCheck(lines: readonly GpioLine[], sysfsRoot = '/sys/class/gpio'): SelftestCheck {
  return {
    id: 'gpio',
    title: 'GPIO lines present',
    fix: 'check that the GPIO numbers in the config are BCM numbers and that the nattsyn user is in the gpio group',
    async run() {
      const chip = (await readChips(sysfsRoot)).find((c) => SOC_LABEL.test(c.label));
      if (!chip) return { ok: false, detail: `no SoC GPIO controller under ${sysfsRoot}` };
      const missing = lines.filter((l) => l.bcm < 0 || l.bcm >= chip.ngpio);
      const mapped = lines.map((l) => `${l.name} BCM ${l.bcm} → ${chip.base + l.bcm}`).join(', ');
      if (missing.length > 0)
        return {
          ok: false,
          detail: `${missing.map((l) => `${l.name} BCM ${l.bcm}`).join(', ')} not on ${chip.label}`,
        };
      return { ok: true, detail: `${mapped} (${chip.label})` };
    },
  };
}

/** The GPIO lines the camera section names (none when GPIO is off), for the self-test. */
export function gpioLinesOf(gpio: {
  enabled: boolean;
  irPin?: number | undefined;
  ledPin?: number | undefined;
}): GpioLine[] {
  if (!gpio.enabled) return [];
  return [
    ...(gpio.irPin === undefined ? [] : [{ name: 'IR illuminator', bcm: gpio.irPin }]),
    ...(gpio.ledPin === undefined ? [] : [{ name: 'privacy LED', bcm: gpio.ledPin }]),
  ];
}
