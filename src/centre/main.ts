/**
 * The centre's composition root: builds every part from the loaded config, starts them in order and
 * stops them in reverse. It decides nothing. A centre instance keeps no state of its own: presence
 * and schedules live in the broker, the audit archive in the database, so any number run side by side.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Logger } from '../platform/ports.ts';
import { buildCentreApp } from './app.ts';
import { CentreBroker } from './broker.ts';
import { Tagger } from './keys/index.ts';
import type { LoadedCentreConfig } from './load.ts';
import { WhepRelayClient } from './relay/relayClient.ts';
import { registerRelayRoutes } from './relay/routes.ts';
import { SessionUrls } from './relay/sessionUrl.ts';
import { TurnMinter } from './relay/turn.ts';

export interface RunningCentre {
  url: string;
  instanceId: string;
  app: FastifyInstance;
  broker: CentreBroker;
  stop(): Promise<void>;
}

const randomId = () => randomBytes(18).toString('base64url');

export async function startCentre(loaded: LoadedCentreConfig, log: Logger): Promise<RunningCentre> {
  const { config } = loaded;
  const instanceId = config.instanceId ?? `c-${randomBytes(6).toString('hex')}`;
  const stack: { stop(): unknown }[] = [];
  const stopAll = async () => {
    for (const part of stack.splice(0).reverse()) await part.stop();
  };
  try {
    const broker = new CentreBroker({ config: config.mqtt, tls: loaded.brokerTls, instanceId, log });
    await broker.start();
    stack.push(broker);
    const relay = new WhepRelayClient({
      broker,
      instanceId,
      signingKey: loaded.relayKey,
      timeoutMs: config.relay.timeoutMs,
      now: Date.now,
      randomId,
      log,
    });
    relay.start();
    stack.push(relay);
    const turn =
      config.turn && loaded.turnSecret
        ? new TurnMinter({ ...config.turn, secret: loaded.turnSecret, now: Date.now })
        : undefined;
    const app = await buildCentreApp({ http: config.http, tls: loaded.httpTls, log });
    registerRelayRoutes(app, {
      relay,
      sessionUrls: new SessionUrls(new Tagger(loaded.centreKey.subkey('session-url'))),
      turn,
      randomId,
      rateLimitPerMinute: config.http.rateLimitPerMinute,
    });
    const url = await app.listen({ host: config.http.host, port: config.http.port });
    stack.push({ stop: () => app.close() });
    log.info({ url, instanceId }, 'nattsyn centre started');
    return { url, instanceId, app, broker, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
