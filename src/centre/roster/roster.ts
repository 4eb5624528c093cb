/**
 * The roster in force: who may look at which device. It is read at start (a bad file stops the
 * start) and again whenever the file changes (change events with a debounce, and a periodic stat
 * for filesystems without events); a bad new file is logged and the roster in force stays. Its
 * config section and the filesystem port it reads through live here too.
 */

import { watch } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { z } from 'zod';
import { UsageError } from '../../errors.ts';
import { Emitter } from '../../platform/emitter.ts';
import type { Logger, TimerHandle, Timers } from '../../platform/ports.ts';
import type { StaffIdentity } from '../auth/index.ts';
import { parseRoster, type RosterData, type RosterDevice } from './document.ts';

/** The `roster` config section: the roster file and how soon a change to it takes effect. */
export const rosterConfigSchema = z.strictObject({
  /** The roster JSON file (groups → device ids; per device a room label and care-plan reference). */
  file: z.string().min(1),
  /** Quiet time after a change event before the file is read (editors write in several steps). */
  debounceMs: z.number().int().min(0).max(10_000).default(250),
  /** The file is also checked this often, for filesystems where change events do not arrive. */
  statIntervalSeconds: z.number().int().min(1).max(3600).default(15),
});
export type RosterConfig = z.output<typeof rosterConfigSchema>;

/** What the roster touches of the filesystem: read, stat, and change events on the file's folder. */
export interface RosterFs {
  readFile(file: string): Promise<string>;
  /** A value that changes whenever the file is written or replaced. */
  signature(file: string): Promise<string>;
  /** Calls `onChange` with the changed entry's name (or null when unknown); returns the unwatch. */
  watchDir(dir: string, onChange: (name: string | null) => void): () => void;
}

export const nodeRosterFs: RosterFs = {
  readFile: (file) => readFile(file, 'utf8'),
  signature: async (file) => {
    const s = await stat(file);
    return `${s.ino}:${s.size}:${s.mtimeMs}`;
  },
  // The folder, not the file: a roster replaced by rename (editors, config management) gets a new
  // inode, and a watch on the old one would never fire again.
  watchDir: (dir, onChange) => {
    const watcher = watch(dir, { persistent: false }, (_event, name) => onChange(name));
    watcher.on('error', () => undefined);
    return () => watcher.close();
  },
};

export interface RosterOptions {
  config: RosterConfig;
  fs: RosterFs;
  timers: Timers;
  logger: Logger;
}

const EMPTY: RosterData = { groups: new Map(), devices: new Map(), roles: new Map() };

export class Roster {
  /** A new roster took effect. */
  readonly onReload = new Emitter<[RosterData]>();
  /** A changed file was refused (the problems, as `<path>: <message>`); the old roster stays. */
  readonly onReloadFailed = new Emitter<[string[]]>();
  readonly #o: RosterOptions;
  #data: RosterData = EMPTY;
  #text: string | undefined;
  #signature: string | undefined;
  #unwatch: (() => void) | undefined;
  #debounce: TimerHandle | undefined;
  #interval: TimerHandle | undefined;
  #reloading: Promise<void> = Promise.resolve();

  constructor(options: RosterOptions) {
    this.#o = options;
  }

  async start(): Promise<void> {
    const { file, statIntervalSeconds } = this.#o.config;
    const problems = await this.#load();
    if (problems) throw new UsageError(problems.map((p) => `${file}: ${p}`).join('\n'));
    const name = path.basename(file);
    this.#unwatch = this.#o.fs.watchDir(path.dirname(file), (changed) => {
      if (changed === null || changed === name) this.#scheduleReload();
    });
    this.#interval = this.#o.timers.setInterval(
      () => void this.#checkSignature(),
      statIntervalSeconds * 1000,
    );
  }

  async stop(): Promise<void> {
    this.#unwatch?.();
    this.#unwatch = undefined;
    if (this.#debounce) this.#o.timers.clearTimeout(this.#debounce);
    if (this.#interval) this.#o.timers.clearInterval(this.#interval);
    this.#debounce = this.#interval = undefined;
    await this.#reloading;
  }

  get data(): RosterData {
    return this.#data;
  }

  /** The devices a staff member with these groups sees on her round, in room-label order. */
  devicesFor(groups: readonly string[]): RosterDevice[] {
    const ids = new Set(groups.flatMap((g) => this.#data.groups.get(g) ?? []));
    return [...ids]
      .map((id) => this.#data.devices.get(id)!)
      .sort((a, b) => a.room.localeCompare(b.room, 'sv', { numeric: true }));
  }

  mayLook(staff: Pick<StaffIdentity, 'groups'>, deviceId: string): boolean {
    return staff.groups.some((g) => this.#data.groups.get(g)?.includes(deviceId) ?? false);
  }

  device(deviceId: string): RosterDevice | undefined {
    return this.#data.devices.get(deviceId);
  }

  /** Whether a group appears in the roster (the groups a session keeps): a team or a role. */
  knowsGroup = (group: string): boolean => this.#data.groups.has(group) || this.#data.roles.has(group);

  /** The job title the roster gives these groups (the first role listed that matches), if any. */
  roleFor = (groups: readonly string[]): string | undefined => {
    for (const [group, role] of this.#data.roles) if (groups.includes(group)) return role;
    return undefined;
  };

  /** Reads the file again now; resolves once the roster in force is settled. */
  reload(): Promise<void> {
    this.#reloading = this.#reloading.then(async () => {
      const problems = await this.#load();
      if (problems) {
        this.#o.logger.error(
          { file: this.#o.config.file, problems },
          'roster change refused; the old roster stays',
        );
        this.onReloadFailed.emit(problems);
      }
    });
    return this.#reloading;
  }

  #scheduleReload(): void {
    if (this.#debounce) this.#o.timers.clearTimeout(this.#debounce);
    this.#debounce = this.#o.timers.setTimeout(() => {
      this.#debounce = undefined;
      void this.reload();
    }, this.#o.config.debounceMs);
  }

  async #checkSignature(): Promise<void> {
    const signature = await this.#o.fs.signature(this.#o.config.file).catch(() => undefined);
    if (signature !== this.#signature) await this.reload();
  }

  /** Reads and validates the file; swaps it in when valid and changed. Problems, or undefined. */
  async #load(): Promise<string[] | undefined> {
    const { file } = this.#o.config;
    let text: string;
    try {
      this.#signature = await this.#o.fs.signature(file);
      text = await this.#o.fs.readFile(file);
    } catch (error) {
      return [`(file): cannot read the roster (${(error as NodeJS.ErrnoException).code ?? 'error'})`];
    }
    if (text === this.#text) return undefined;
    const parsed = parseRoster(text);
    if (!parsed.ok) return parsed.problems;
    this.#text = text;
    this.#data = parsed.roster;
    const { groups, devices } = parsed.roster;
    this.#o.logger.info({ file, groups: groups.size, devices: devices.size }, 'roster in force');
    this.onReload.emit(parsed.roster);
    return undefined;
  }
}
