/**
 * The whole night on one machine, for `nattsyn demo`: a broker (mosquitto, MQTT 5), an OpenID
 * provider with a demo nurse, the centre (relay, sign-in, round), and three demo residents' devices
 * on synthetic IR cameras:
 *  - Rum 12, its window open now, reachable through the centre and on its own loopback page;
 *  - Rum 14, its window opening in ten minutes, whose camera cannot start (the round warns);
 *  - Rum 16, on the roster but never connected (offline).
 * Every key, policy and config is written into one fresh folder, as an organisation would by hand.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { exportPKCS8, exportSPKI, generateKeyPair } from 'jose';
import { DEMO_CLAIMS, DEMO_SCOPE, DemoIdp } from '../centre/demoIdp/index.ts';
import { loadCentreConfig } from '../centre/load.ts';
import { type RunningCentre, startCentre } from '../centre/main.ts';
import { configSchema, loadConfig } from '../config.ts';
import type { Logger } from '../log.ts';
import { type RunningService, startService } from '../main.ts';
import { type DemoBroker, freePort, startDemoBroker } from './demoBroker.ts';
import { DEMO_ISSUER, DEMO_TIME_ZONE, type DemoState, prepareDemoState } from './demoState.ts';

export interface DemoNightOptions {
  root: string;
  /** The device Rum 12's own loopback page and WHEP (0: any free port). */
  devicePort: number;
  /** The centre's port (0: any free port). */
  centrePort: number;
  /** An MQTT 5 broker to use instead of starting mosquitto. */
  mqttUrl?: string | undefined;
  log: Logger;
}

export interface DemoNight {
  summary: Record<string, unknown>;
  stop(): Promise<void>;
}

const GROUP = 'natt-demo';
const DEVICES = [
  { id: 'demo-rum-12', room: 'Rum 12', carePlanRef: 'KP-2026-90012' },
  { id: 'demo-rum-14', room: 'Rum 14', carePlanRef: 'KP-2026-90014' },
  { id: 'demo-rum-16', room: 'Rum 16', carePlanRef: 'KP-2026-90016' },
] as const;

export async function startDemoNight(o: DemoNightOptions): Promise<DemoNight> {
  const stops: Array<() => Promise<unknown>> = [];
  const stop = async () => {
    for (const s of stops.splice(0).reverse()) await s().catch(() => undefined);
  };
  try {
    const keysDir = path.join(o.root, 'keys');
    const broker: DemoBroker | undefined = o.mqttUrl ? undefined : await startDemoBroker();
    if (broker) stops.push(() => broker.stop());
    const mqttUrl = o.mqttUrl ?? broker!.url;
    const centrePort = o.centrePort || (await freePort());
    const origin = `http://127.0.0.1:${centrePort}`;
    const password = randomBytes(6).toString('base64url');
    const idp = new DemoIdp({
      users: [{ login: 'natt', password, staffId: 'demo-nurse-1', groups: [GROUP] }],
      clients: [
        {
          clientId: 'nattsyn-centre',
          redirectUris: [`${origin}/auth/callback`],
          postLogoutRedirectUris: [`${origin}/auth/signed-out`],
        },
      ],
    });
    await idp.start();
    stops.push(() => idp.stop());
    const relayPub = await writeCentreFiles(o.root, idp.issuer, origin, centrePort, mqttUrl, keysDir);

    const now = new Date();
    const relay = { centreKeys: [relayPub] };
    const rum12 = await prepareDemoState(
      path.join(o.root, 'rum-12'),
      now,
      {
        stream: {
          host: '127.0.0.1',
          port: o.devicePort,
          deviceLabel: 'Rum 12',
          timeZone: DEMO_TIME_ZONE,
          ice: { hostAddresses: ['127.0.0.1'] },
        },
        mqtt: { url: mqttUrl },
        relay,
        camera: { driver: 'synthetic' },
        log: { level: 'warn' },
      },
      { deviceId: DEVICES[0].id, keysDir },
    );
    const rum14 = await prepareDemoState(
      path.join(o.root, 'rum-14'),
      now,
      {
        stream: { listen: 'off', deviceLabel: 'Rum 14', ice: { hostAddresses: ['127.0.0.1'] } },
        mqtt: { url: mqttUrl },
        relay,
        // A camera that is not there: the readiness check before its window reports it at risk.
        camera: { driver: 'v4l2', v4l2: { device: '/dev/nattsyn-demo-no-camera' } },
        log: { level: 'error' },
      },
      { deviceId: DEVICES[1].id, keysDir, windowInMinutes: 10 },
    );
    const devices: RunningService[] = [];
    for (const demo of [rum12, rum14]) {
      const service = await startDemoDevice(demo, o.log);
      devices.push(service);
      stops.push(() => service.stop());
    }
    const centre: RunningCentre = await startCentre(
      await loadCentreConfig(path.join(o.root, 'centre', 'centre.json')),
      o.log.child({ module: 'centre' }),
    );
    stops.push(() => centre.stop());
    return {
      summary: {
        roundUrl: `${origin}/round`,
        nurse: { user: 'natt', password },
        viewerUrl: `${devices[0]!.url}/#token=${rum12.token}`,
        whepUrl: `${devices[0]!.url}/whep`,
        token: rum12.token,
        deviceId: rum12.deviceId,
        stateDir: o.root,
        mqttUrl,
        idpUrl: idp.issuer,
        devices: DEVICES.map((d) => ({ deviceId: d.id, room: d.room })),
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function startDemoDevice(demo: DemoState, log: Logger): Promise<RunningService> {
  const loaded = await loadConfig(demo.configFile, configSchema);
  const service = await startService(
    loaded,
    log.child({ device: demo.deviceId }, { level: loaded.config.log.level }),
  );
  if (service.access.policy?.body.version !== 1) throw new Error('the demo policy is not in force');
  await service.streaming.scheduler.evaluate();
  return service;
}

/** The centre's keys, roster and config (`centre/centre.json`); returns the relay public key file. */
async function writeCentreFiles(
  root: string,
  issuer: string,
  origin: string,
  port: number,
  mqttUrl: string,
  keysDir: string,
): Promise<string> {
  const dir = path.join(root, 'centre');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const secret = (name: string, text: string) => writeFile(path.join(dir, name), text, { mode: 0o600 });
  const relay = await generateKeyPair('Ed25519', { extractable: true });
  await secret('relay.key', await exportPKCS8(relay.privateKey));
  await writeFile(path.join(dir, 'relay.pub'), await exportSPKI(relay.publicKey));
  await secret('centre.key', randomBytes(48).toString('base64'));
  const roster = {
    groups: { [GROUP]: DEVICES.map((d) => d.id) },
    devices: Object.fromEntries(DEVICES.map((d) => [d.id, { room: d.room, carePlanRef: d.carePlanRef }])),
  };
  await writeFile(path.join(dir, 'roster.json'), `${JSON.stringify(roster, null, 2)}\n`);
  const config = {
    instanceId: 'demo-centre',
    keyFile: 'centre.key',
    http: { host: '127.0.0.1', port },
    mqtt: { url: mqttUrl },
    relay: { signingKey: 'relay.key' },
    oidc: {
      issuer,
      clientId: 'nattsyn-centre',
      redirectUrl: `${origin}/auth/callback`,
      postLogoutRedirectUrl: `${origin}/auth/signed-out`,
      scopes: ['openid', DEMO_SCOPE],
      claims: DEMO_CLAIMS,
    },
    roster: { file: 'roster.json' },
    // The audit archive, so outcomes and the who-looked pages outlive a reload (docs/centre.md).
    archive: { database: { kind: 'sqlite', file: 'archive.db' } },
    staffTokens: { issuer: DEMO_ISSUER, privateKeyFile: path.join(keysDir, 'issuer.key'), keyId: 'demo-1' },
    log: { level: 'warn' },
  };
  await writeFile(path.join(dir, 'centre.json'), `${JSON.stringify(config, null, 2)}\n`);
  return path.join(dir, 'relay.pub');
}
