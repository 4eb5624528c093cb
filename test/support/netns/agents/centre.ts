/**
 * `nattsyn centre` inside a lab namespace, from its real composition root and a config file the
 * test wrote (its TLS, broker certificate, relay key and TURN secret all under the lab's folder).
 */
import { loadCentreConfig } from '../../../../src/centre/load.ts';
import { type RunningCentre, startCentre } from '../../../../src/centre/main.ts';
import { createLogger } from '../../../../src/log.ts';
import { serveAgent } from '../agent.ts';

let centre: RunningCentre | undefined;

serveAgent(
  {
    start: async (args: { configFile: string }) => {
      centre = await startCentre(await loadCentreConfig(args.configFile), createLogger('warn', 2));
      return { url: centre.url };
    },
    online: (args: { deviceId: string }) => centre?.broker.presence(args.deviceId) === 'online',
  },
  async () => {
    await centre?.stop();
  },
);
