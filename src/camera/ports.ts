/** What the camera folder needs from the world, as small interfaces tests replace. */
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { type Logger, silentLogger } from '../platform/ports.ts';
import type { Time } from '../platform/time.ts';

export type Spawn = (command: string, args: readonly string[], options: SpawnOptions) => ChildProcess;

export { type Logger, silentLogger, type Time };
