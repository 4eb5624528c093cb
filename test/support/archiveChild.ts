/**
 * An archive instance in a process of its own, so a test can kill it with SIGKILL. Argument: JSON
 * `{ url, config }`. Prints `ready` once subscribed, and `stats <json>` and exits on SIGTERM.
 */
import { AuditArchive, archiveConfigSchema } from '../../src/centre/archive/index.ts';
import { silentLogger } from '../../src/platform/ports.ts';

const { url, config } = JSON.parse(process.argv[2] ?? '{}') as { url: string; config: unknown };
const archive = new AuditArchive({
  config: archiveConfigSchema.parse(config),
  mqtt: { url },
  log: silentLogger,
  clock: { now: () => Date.now() },
});
await archive.start();
await archive.ready();
process.stdout.write('ready\n');
process.once('SIGTERM', () => {
  void archive.stop().then(() => {
    process.stdout.write(`stats ${JSON.stringify(archive.stats())}\n`);
    process.exit(0);
  });
});
