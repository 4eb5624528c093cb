/**
 * The real device service inside a lab namespace: the demo's state (keys, signed policy with a
 * window open now, config, staff token) with the WHEP endpoint on the namespace's address over
 * HTTPS, the synthetic camera, an in-process broker on loopback, and nothing else configured: no
 * ICE servers. Started by `start`, stopped when the test closes the channel.
 */

import { startDemoBroker } from '../../../../src/cli/demoBroker.ts';
import { prepareDemoState } from '../../../../src/cli/demoState.ts';
import { configSchema, loadConfig } from '../../../../src/config.ts';
import { createLogger } from '../../../../src/log.ts';
import { type RunningService, startService } from '../../../../src/main.ts';
import { serveAgent } from '../agent.ts';

interface StartArgs {
  stateDir: string;
  host: string;
  port: number;
  certFile: string;
  keyFile: string;
  stream?: Record<string, unknown>;
}

let service: RunningService | undefined;
let broker: Awaited<ReturnType<typeof startDemoBroker>> | undefined;

serveAgent(
  {
    start: async (args: StartArgs) => {
      broker = await startDemoBroker();
      const demo = await prepareDemoState(args.stateDir, new Date(), {
        stream: {
          host: args.host,
          port: args.port,
          tls: { certFile: args.certFile, keyFile: args.keyFile },
          deviceLabel: 'Lab room',
          ice: { hostAddresses: [args.host] },
          ...args.stream,
        },
        mqtt: { url: broker.url },
        camera: { driver: 'synthetic' },
        log: { level: 'warn' },
      });
      const loaded = await loadConfig(demo.configFile, configSchema);
      service = await startService(loaded, createLogger('warn', 2));
      if (service.access.policy === undefined) throw new Error('the lab policy is not in force');
      await service.streaming.scheduler.evaluate();
      return { url: service.url, token: demo.token };
    },
  },
  async () => {
    await service?.stop();
    await broker?.stop();
  },
);
