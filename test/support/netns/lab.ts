/**
 * The network lab: Linux network namespaces a test makes and removes itself, joined by veth pairs,
 * with addresses, routes and nft rules, and processes started inside them. Several runs share one
 * machine (engineers, CI), so every name carries a run id made of this process's pid and two random
 * characters; a lab whose process died is swept by the next one. Everything the lab makes lives
 * inside its namespaces (links, nft tables, sysctls), so deleting them removes it all; processes
 * are killed first. Addresses are checked by addresses.ts.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Netns } from './netns.ts';
import { killNamespacePidsSync, LabCommandError, run, runSync } from './run.ts';

const NETNS_DIR = '/run/netns';
const ETC_NETNS = '/etc/netns';
const RUN_ID = /^nl([0-9a-z]+)[0-9a-z]{2}-/;

/** Namespaces cannot be made here: the lab fails the test with this reason, it never skips. */
export class LabUnavailableError extends Error {
  constructor(reason: string) {
    super(
      `the network lab cannot run: ${reason}. It needs root (CAP_SYS_ADMIN and CAP_NET_ADMIN), ` +
        'iproute2 and nftables (bash scripts/test.sh installs them).',
    );
    this.name = 'LabUnavailableError';
  }
}

export class Lab {
  readonly id: string;
  /** A temp directory for configs, certificates and wrappers; removed with the lab. */
  readonly dir: string;
  readonly #spaces: Netns[] = [];
  #disposed = false;
  readonly #onExit = () => this.disposeSync();

  constructor(id: string, dir: string) {
    this.id = id;
    this.dir = dir;
  }

  /** A new namespace named `<run id>-<role>`, loopback up. */
  async namespace(role: string): Promise<Netns> {
    if (!/^[a-z][a-z0-9]{0,11}$/.test(role)) throw new Error(`bad namespace role: ${role}`);
    const ns = new Netns(`${this.id}-${role}`, role, this.dir);
    this.#spaces.push(ns);
    await run('ip', ['netns', 'add', ns.name]);
    await ns.ip('link', 'set', 'lo', 'up');
    return ns;
  }

  /**
   * A veth pair from `a` (interface `aIf`) to `b` (interface `bIf`), both up, with the addresses
   * given (CIDR). The pair is made inside the namespaces directly, so nothing touches the host's.
   */
  async link(a: Netns, aIf: string, aAddress: string | undefined, b: Netns, bIf: string, bAddress?: string) {
    await run('ip', [
      'link',
      'add',
      aIf,
      'netns',
      a.name,
      'type',
      'veth',
      'peer',
      'name',
      bIf,
      'netns',
      b.name,
    ]);
    for (const [ns, ifName, address] of [
      [a, aIf, aAddress],
      [b, bIf, bAddress],
    ] as const) {
      if (address) await ns.addAddress(ifName, address);
      await ns.ip('link', 'set', ifName, 'up');
    }
  }

  /** Kills every process started in the lab's namespaces, deletes them and the temp directory. */
  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    process.off('exit', this.#onExit);
    for (const ns of this.#spaces) await ns.stopProcesses();
    for (const ns of this.#spaces) removeNamespaceSync(ns.name);
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** The exit handler's path: no waiting, SIGKILL for whatever still runs. */
  disposeSync(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const ns of this.#spaces) ns.killProcessesSync();
    for (const ns of this.#spaces) removeNamespaceSync(ns.name);
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Names of this lab's namespaces that still exist (a test of the clean-up reads it). */
  leftovers(): string[] {
    return namespaceNames().filter((n) => n.startsWith(`${this.id}-`));
  }

  /** Registered by createLab: a test that crashes still leaves nothing behind. */
  armExitHandler(): void {
    process.on('exit', this.#onExit);
  }
}

/** Makes a lab, after sweeping the leftovers of runs whose process has died. */
export async function createLab(): Promise<Lab> {
  if (process.getuid?.() !== 0) throw new LabUnavailableError('not running as root');
  await run('nft', ['--version']).catch((error: unknown) => {
    throw new LabUnavailableError(`nft is not usable (${(error as Error).message})`);
  });
  sweepDeadRuns();
  const id = `nl${process.pid.toString(36)}${randomBytes(2).toString('hex').slice(0, 2)}`;
  const lab = new Lab(id, mkdtempSync(join(tmpdir(), `nattsyn-lab-${id}-`)));
  lab.armExitHandler();
  try {
    const probe = await lab.namespace('probe');
    await probe.nft('table inet probe { }');
    removeNamespaceSync(probe.name);
  } catch (error) {
    lab.disposeSync();
    const reason = error instanceof LabCommandError ? error.message : String(error);
    throw new LabUnavailableError(`a namespace with an nft table could not be made (${reason})`);
  }
  return lab;
}

function namespaceNames(): string[] {
  try {
    return readdirSync(NETNS_DIR);
  } catch {
    return [];
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

function sweepDeadRuns(): void {
  for (const name of namespaceNames()) {
    const m = RUN_ID.exec(name);
    if (m && !alive(Number.parseInt(m[1]!, 36))) {
      killNamespacePidsSync(name);
      removeNamespaceSync(name);
    }
  }
}

function removeNamespaceSync(name: string): void {
  runSync('ip', ['netns', 'del', name]);
  rmSync(join(ETC_NETNS, name), { recursive: true, force: true });
}
