/**
 * One namespace of the lab: its links, addresses, routes, sysctls and nft tables, the processes
 * started in it (every one tracked, so the lab can stop them), and what a test reads back from it
 * (listening sockets, nft counters).
 */
import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { assertLabAddress } from './addresses.ts';
import { Agent } from './agent.ts';
import { killNamespacePidsSync, run, runSync } from './run.ts';

export interface Counter {
  packets: number;
  bytes: number;
}

export class Netns {
  readonly name: string;
  readonly role: string;
  readonly #labDir: string;
  readonly #children = new Set<ChildProcess>();

  constructor(name: string, role: string, labDir: string) {
    this.name = name;
    this.role = role;
    this.#labDir = labDir;
  }

  /** `ip -n <ns> …` */
  ip(...args: string[]): Promise<string> {
    return run('ip', ['-n', this.name, ...args]);
  }

  /** Runs a command inside the namespace to completion and returns its stdout. */
  exec(command: string, args: readonly string[] = [], input?: string): Promise<string> {
    return run('ip', ['netns', 'exec', this.name, command, ...args], input === undefined ? {} : { input });
  }

  async addAddress(ifName: string, cidr: string): Promise<void> {
    assertLabAddress(cidr);
    await this.ip('addr', 'add', cidr, 'dev', ifName);
  }

  async route(destination: string, via: string): Promise<void> {
    if (destination !== 'default') assertLabAddress(destination);
    assertLabAddress(via);
    await this.ip('route', 'add', destination, 'via', via);
  }

  async sysctl(key: string, value: string | number): Promise<void> {
    await this.exec('sysctl', ['-q', '-w', `${key}=${value}`]);
  }

  /** Loads an nft ruleset (nft -f syntax) into this namespace. */
  async nft(ruleset: string): Promise<void> {
    await this.exec('nft', ['-f', '-'], `${ruleset}\n`);
  }

  /** Named counters of an nft table, by name. */
  async counters(table: string, family = 'inet'): Promise<Record<string, Counter>> {
    const json = JSON.parse(await this.exec('nft', ['-j', 'list', 'counters', 'table', family, table])) as {
      nftables: { counter?: { name: string; packets: number; bytes: number } }[];
    };
    const out: Record<string, Counter> = {};
    for (const { counter } of json.nftables) {
      if (counter) out[counter.name] = { packets: counter.packets, bytes: counter.bytes };
    }
    return out;
  }

  /**
   * The resolver this namespace's processes see: `ip netns exec` bind-mounts
   * /etc/netns/<name>/resolv.conf over /etc/resolv.conf (the lab removes the folder).
   */
  resolvConf(text: string): void {
    const dir = join('/etc/netns', this.name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'resolv.conf'), text);
  }

  /** Listening TCP and UDP sockets, one `ss -H -lntup` line each. */
  async listening(): Promise<string[]> {
    return (await this.exec('ss', ['-H', '-lntup'])).split('\n').filter(Boolean);
  }

  /** Starts a process inside the namespace; the lab stops it on dispose. */
  spawn(command: string, args: readonly string[], options: SpawnOptions = {}): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', this.name, command, ...args], options);
    this.#children.add(child);
    child.once('exit', () => this.#children.delete(child));
    return child;
  }

  /**
   * Starts a TypeScript agent (see agent.ts) with this Node in the namespace and waits for it to
   * say it is ready.
   */
  async agent(script: string, env: Record<string, string> = {}): Promise<Agent> {
    const child = this.spawn(process.execPath, [script], {
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
      env: { ...process.env, ...env },
    });
    const agent = new Agent(child, `${this.role}:${script.split('/').at(-1)}`);
    await agent.ready();
    return agent;
  }

  /** A wrapper executable that runs `command` inside this namespace (e.g. Chromium for playwright). */
  wrapper(command: string): string {
    const file = join(this.#labDir, `${this.role}-${command.split('/').at(-1)}`);
    writeFileSync(file, `#!/bin/sh\nexec ip netns exec ${this.name} ${command} "$@"\n`, { mode: 0o755 });
    return file;
  }

  /** SIGTERM to what this namespace runs, SIGKILL after 3 s, then any stray pid in it. */
  async stopProcesses(): Promise<void> {
    await Promise.all([...this.#children].map((c) => stopChild(c)));
    killNamespacePidsSync(this.name);
  }

  killProcessesSync(): void {
    for (const child of this.#children) child.kill('SIGKILL');
    killNamespacePidsSync(this.name);
  }

  /** Pids of every process inside the namespace (the clean-up test reads it). */
  pids(): number[] {
    return runSync('ip', ['netns', 'pids', this.name]).split(/\s+/).filter(Boolean).map(Number);
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}
