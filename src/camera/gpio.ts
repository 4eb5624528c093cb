/**
 * Output pins (IR illuminator, privacy LED) behind one small interface. The real driver uses
 * `onoff` (sysfs); kernels 6.6+ number sysfs GPIOs from each chip's base (e.g. 512 on a Pi 4,
 * 571 on a Pi 5), so BCM numbers are mapped by reading every /sys/class/gpio/gpiochip*\/label and
 * base. The sysfs root is injectable so the mapping is tested against a fake tree.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NattsynError } from '../errors.ts';

export interface GpioOutputs {
  /** Drives a pin, by BCM number. */
  set(bcmPin: number, on: boolean): Promise<void>;
  /** Turns every pin it drove off and releases it. Idempotent. */
  close(): Promise<void>;
}

/** Labels of the GPIO controller wired to the 40-pin header, across Pi models. */
export const HEADER_CHIP_LABELS = ['pinctrl-rp1', 'pinctrl-bcm2711', 'pinctrl-bcm2835', 'pinctrl-bcm2712'];

export interface GpioChip {
  name: string;
  label: string;
  base: number;
  ngpio: number;
}

export async function readGpioChips(sysfsRoot: string): Promise<GpioChip[]> {
  const dir = join(sysfsRoot, 'class', 'gpio');
  const names = (await readdir(dir).catch(() => [] as string[]))
    .filter((n) => n.startsWith('gpiochip'))
    .sort();
  const chips: GpioChip[] = [];
  for (const name of names) {
    const read = (f: string) => readFile(join(dir, name, f), 'utf8').then((s) => s.trim());
    const [label, base, ngpio] = await Promise.all([
      read('label'),
      read('base'),
      read('ngpio').catch(() => '0'),
    ]);
    chips.push({ name, label, base: Number(base), ngpio: Number(ngpio) });
  }
  return chips;
}

/** The sysfs number of a BCM pin: the header chip's base plus the pin. */
export function sysfsNumber(chips: readonly GpioChip[], bcmPin: number): number {
  const chip = HEADER_CHIP_LABELS.map((l) => chips.find((c) => c.label === l)).find((c) => c !== undefined);
  if (!chip) throw new NattsynError('gpio_missing', 'no Raspberry Pi GPIO controller found under sysfs');
  if (chip.ngpio > 0 && bcmPin >= chip.ngpio)
    throw new NattsynError('gpio_missing', `GPIO ${bcmPin} is beyond the controller's ${chip.ngpio} lines`);
  return chip.base + bcmPin;
}

/** One exported sysfs line (onoff's Gpio satisfies it). */
export interface OutputLine {
  write(value: 0 | 1): Promise<void>;
  unexport(): void;
}

export type OpenLine = (sysfsNumber: number) => Promise<OutputLine>;

const openWithOnoff: OpenLine = async (n) => {
  const { Gpio } = await import('onoff');
  return new Gpio(n, 'out') as unknown as OutputLine;
};

export class SysfsGpio implements GpioOutputs {
  readonly #root: string;
  readonly #open: OpenLine;
  readonly #lines = new Map<number, OutputLine>();
  #chips: GpioChip[] | undefined;

  constructor(options: { sysfsRoot?: string; openLine?: OpenLine } = {}) {
    this.#root = options.sysfsRoot ?? '/sys';
    this.#open = options.openLine ?? openWithOnoff;
  }

  async set(bcmPin: number, on: boolean): Promise<void> {
    let line = this.#lines.get(bcmPin);
    if (!line) {
      this.#chips ??= await readGpioChips(this.#root);
      line = await this.#open(sysfsNumber(this.#chips, bcmPin));
      this.#lines.set(bcmPin, line);
    }
    await line.write(on ? 1 : 0);
  }

  async close(): Promise<void> {
    const lines = [...this.#lines.values()];
    this.#lines.clear();
    for (const line of lines) {
      await line.write(0).catch(() => undefined);
      line.unexport();
    }
  }
}

/** The same interface in memory, for tests and machines without GPIO. Keeps every change. */
export class FakeGpio implements GpioOutputs {
  readonly pins = new Map<number, boolean>();
  readonly history: { pin: number; on: boolean }[] = [];

  async set(bcmPin: number, on: boolean): Promise<void> {
    this.pins.set(bcmPin, on);
    this.history.push({ pin: bcmPin, on });
  }

  isOn(bcmPin: number): boolean {
    return this.pins.get(bcmPin) ?? false;
  }

  async close(): Promise<void> {
    for (const pin of this.pins.keys()) await this.set(pin, false);
  }
}
