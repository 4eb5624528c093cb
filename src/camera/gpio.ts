/**
 * Output pins (IR illuminator, privacy LED) and input pins (the resident's pause button) behind one
 * small interface. The real driver uses `onoff` (sysfs); kernels 6.6+ number sysfs GPIOs from each
 * chip's base (e.g. 512 on a Pi 4, 571 on a Pi 5), so BCM numbers are mapped by reading every
 * /sys/class/gpio/gpiochip*\/label and base. The sysfs root and the line openers are injectable, so
 * the mapping and the lines are tested against a fake tree of the same files.
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

/** Input pins: the line as it reads (active-low not applied) and every edge of it. */
export interface GpioInputs {
  read(bcmPin: number): Promise<0 | 1>;
  /** Calls `listener` with the line's value on each edge (both); resolves to the unsubscribe. */
  watch(bcmPin: number, listener: (value: 0 | 1) => void): Promise<() => void>;
}

export type Gpio = GpioOutputs & GpioInputs;

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

/** One exported sysfs input line with edge interrupts on both edges (onoff's Gpio satisfies it). */
export interface InputLine {
  read(): Promise<0 | 1>;
  watch(callback: (error: Error | null | undefined, value: 0 | 1) => void): void;
  unwatch(callback: (error: Error | null | undefined, value: 0 | 1) => void): void;
  unexport(): void;
}

export type OpenInputLine = (sysfsNumber: number) => Promise<InputLine>;

const openWithOnoff: OpenLine = async (n) => {
  const { Gpio } = await import('onoff');
  return new Gpio(n, 'out') as unknown as OutputLine;
};

// Debouncing is the button's, on the injected clock (camera/pauseButton.ts), not onoff's timers.
const openInputWithOnoff: OpenInputLine = async (n) => {
  const { Gpio } = await import('onoff');
  return new Gpio(n, 'in', 'both') as unknown as InputLine;
};

export class SysfsGpio implements Gpio {
  readonly #root: string;
  readonly #open: OpenLine;
  readonly #openInput: OpenInputLine;
  readonly #lines = new Map<number, OutputLine>();
  readonly #inputs = new Map<number, InputLine>();
  #chips: GpioChip[] | undefined;

  constructor(options: { sysfsRoot?: string; openLine?: OpenLine; openInputLine?: OpenInputLine } = {}) {
    this.#root = options.sysfsRoot ?? '/sys';
    this.#open = options.openLine ?? openWithOnoff;
    this.#openInput = options.openInputLine ?? openInputWithOnoff;
  }

  async set(bcmPin: number, on: boolean): Promise<void> {
    let line = this.#lines.get(bcmPin);
    if (!line) {
      line = await this.#open(await this.#number(bcmPin));
      this.#lines.set(bcmPin, line);
    }
    await line.write(on ? 1 : 0);
  }

  async read(bcmPin: number): Promise<0 | 1> {
    return (await this.#input(bcmPin)).read();
  }

  async watch(bcmPin: number, listener: (value: 0 | 1) => void): Promise<() => void> {
    const line = await this.#input(bcmPin);
    const callback = (error: Error | null | undefined, value: 0 | 1) => {
      if (!error) listener(value);
    };
    line.watch(callback);
    return () => line.unwatch(callback);
  }

  async close(): Promise<void> {
    const lines = [...this.#lines.values()];
    this.#lines.clear();
    for (const line of lines) {
      await line.write(0).catch(() => undefined);
      line.unexport();
    }
    for (const input of this.#inputs.values()) input.unexport();
    this.#inputs.clear();
  }

  async #input(bcmPin: number): Promise<InputLine> {
    let line = this.#inputs.get(bcmPin);
    if (!line) {
      line = await this.#openInput(await this.#number(bcmPin));
      this.#inputs.set(bcmPin, line);
    }
    return line;
  }

  async #number(bcmPin: number): Promise<number> {
    this.#chips ??= await readGpioChips(this.#root);
    return sysfsNumber(this.#chips, bcmPin);
  }
}

/**
 * The same interface in memory, for machines without GPIO (the demo). Keeps every output change;
 * an input reads 1 (a pulled-up line at rest) until `setInput` changes it.
 */
export class FakeGpio implements Gpio {
  readonly pins = new Map<number, boolean>();
  readonly history: { pin: number; on: boolean }[] = [];
  readonly #inputs = new Map<number, 0 | 1>();
  readonly #watchers = new Map<number, Set<(value: 0 | 1) => void>>();

  async set(bcmPin: number, on: boolean): Promise<void> {
    this.pins.set(bcmPin, on);
    this.history.push({ pin: bcmPin, on });
  }

  async read(bcmPin: number): Promise<0 | 1> {
    return this.#inputs.get(bcmPin) ?? 1;
  }

  async watch(bcmPin: number, listener: (value: 0 | 1) => void): Promise<() => void> {
    const set = this.#watchers.get(bcmPin) ?? new Set();
    this.#watchers.set(bcmPin, set);
    set.add(listener);
    return () => set.delete(listener);
  }

  /** Drives an input line, with the edge a kernel would raise. */
  setInput(bcmPin: number, value: 0 | 1): void {
    this.#inputs.set(bcmPin, value);
    for (const listener of this.#watchers.get(bcmPin) ?? []) listener(value);
  }

  isOn(bcmPin: number): boolean {
    return this.pins.get(bcmPin) ?? false;
  }

  async close(): Promise<void> {
    for (const pin of this.pins.keys()) await this.set(pin, false);
  }
}
