/**
 * The real device service inside a lab namespace as it is deployed in a home: the demo's state
 * (keys, a signed policy with a window open now) under a device id the test chose (its broker
 * certificate's CN), the synthetic camera, its own listener off, MQTT 5 over TLS to the lab's broker
 * with its client certificate, and the relay pinning the centre's relay key.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { prepareDemoState } from '../../../../src/cli/demoState.ts';
import { configSchema, loadConfig } from '../../../../src/config.ts';
import { createLogger } from '../../../../src/log.ts';
import { type RunningService, startService } from '../../../../src/main.ts';
import { serveAgent } from '../agent.ts';

interface StartArgs {
  stateDir: string;
  deviceId: string;
  brokerUrl: string;
  caFile: string;
  certFile: string;
  keyFile: string;
  centreRelayPem: string;
}

let service: RunningService | undefined;

serveAgent(
  {
    start: async (a: StartArgs) => {
      await writeFile(join(a.stateDir, 'centre-relay.pub'), a.centreRelayPem);
      const demo = await prepareDemoState(
        a.stateDir,
        new Date(),
        {
          stream: { listen: 'off', deviceLabel: 'Lab room' },
          mqtt: { url: a.brokerUrl, tls: { caFile: a.caFile, certFile: a.certFile, keyFile: a.keyFile } },
          relay: { centreKeys: ['centre-relay.pub'] },
          camera: { driver: 'synthetic' },
          log: { level: 'warn' },
        },
        a.deviceId,
      );
      service = await startService(await loadConfig(demo.configFile, configSchema), createLogger('warn', 2));
      if (service.access.policy === undefined) throw new Error('the lab policy is not in force');
      await service.streaming.scheduler.evaluate();
      return { issuerKeyPem: await readFile(join(a.stateDir, 'keys/issuer.key'), 'utf8') };
    },
    audit: async () => (await service?.audit.readAfter(0, 100_000)) ?? [],
  },
  async () => {
    await service?.stop();
  },
);
