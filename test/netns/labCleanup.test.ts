/**
 * The lab cleans up after runs that go wrong: a crashing process removes its namespaces and kills
 * its agents on exit, a killed one is swept by the next lab made on the machine, and a process
 * that cannot make namespaces fails with the reason instead of skipping.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { createLab } from '../support/netns/lab.ts';
import { runSync } from '../support/netns/run.ts';

const ABANDON = join(import.meta.dirname, 'fixtures/abandonLab.ts');

function abandon(mode: 'crash' | 'hang') {
  const child = spawn(process.execPath, [ABANDON, mode], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const line = new Promise<{ id: string; agent: number }>((resolve, reject) => {
    child.once('exit', () => reject(new Error('exited before making its lab')));
    createInterface({ input: child.stdout }).once('line', (l) => resolve(JSON.parse(l)));
  });
  return { child, exited, line };
}

/** A zombie (killed, not yet reaped by its new parent) counts as gone. */
function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

const namespaces = (id: string) =>
  runSync('ip', ['netns', 'list'])
    .split('\n')
    .filter((l) => l.startsWith(`${id}-`));

describe('lab clean-up', () => {
  it('a_crashing_process_removes_its_namespaces_and_kills_its_agents_on_exit', async () => {
    const { line, exited } = abandon('crash');
    const { id, agent } = await line;
    expect(await exited).toBe(1);
    expect(namespaces(id)).toEqual([]);
    expect(running(agent)).toBe(false);
    expect(existsSync(`/etc/netns/${id}-left`)).toBe(false);
  });

  it('a_killed_process_leaves_its_namespaces_to_the_next_lab_which_sweeps_them', async () => {
    const { child, line, exited } = abandon('hang');
    const { id, agent } = await line;
    expect(namespaces(id)).toHaveLength(1); // its process lives: no sweep may touch it
    child.kill('SIGKILL');
    await exited;
    const next = await createLab();
    await next.dispose();
    expect(namespaces(id)).toEqual([]);
    await expect.poll(() => running(agent)).toBe(false);
  });

  it('fails_with_the_reason_instead_of_skipping_when_namespaces_cannot_be_made', async () => {
    const child = spawn(
      'setpriv',
      ['--reuid=nobody', '--regid=nogroup', '--clear-groups', process.execPath, ABANDON, 'hang'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/LabUnavailableError: the network lab cannot run: not running as root/);
  });
});
