/**
 * A centre with sign-in, roster and token minting wired as the composition root would, on a real
 * loopback port, signing in at a real OpenID provider; its clock and timers are the test's.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import {
  authRoutes,
  type CentreAuditSink,
  loadClientSecret,
  MemoryAuditSink,
  MemoryRevocations,
  oidcConfigSchema,
  StaffAuth,
  sessionConfigSchema,
} from '../../src/centre/auth/index.ts';
import type { DemoIdp, DemoIdpUser } from '../../src/centre/demoIdp/index.ts';
import { loadCentreKey } from '../../src/centre/keys/index.ts';
import { nodeRosterFs, Roster, RosterGate, rosterConfigSchema } from '../../src/centre/roster/index.ts';
import { LogLines } from '../support/logLines.ts';
import { type LoopbackServer, listenLoopback } from '../support/loopbackServer.ts';
import { ManualTime } from '../support/manualTime.ts';
import { centreOidcConfig, startTestIdp, TEST_CLIENT } from '../support/oidcProvider.ts';

export const ROSTER = {
  groups: { 'natt-norr': ['dev-norr-0001', 'dev-norr-0002'], 'natt-syd': ['dev-syd-0001'] },
  devices: {
    'dev-norr-0001': { room: 'Rum 12', carePlanRef: 'KP-2024-00123' },
    'dev-norr-0002': { room: 'Lgh 1102', carePlanRef: 'KP-2024-00124' },
    'dev-syd-0001': { room: 'Avd 3 Rum 4B', carePlanRef: 'KP-2024-00125' },
  },
};

export interface CentreHarness {
  origin: string;
  idp: DemoIdp;
  app: FastifyInstance;
  auth: StaffAuth;
  roster: Roster;
  time: ManualTime;
  logs: LogLines;
  audit: MemoryAuditSink;
  revocations: MemoryRevocations;
  dir: string;
  centreKeyFile: string;
  close(): Promise<void>;
}

export async function startCentre(
  options: { users?: DemoIdpUser[]; audit?: CentreAuditSink } = {},
): Promise<CentreHarness> {
  const dir = await mkdtemp(path.join(tmpdir(), 'nattsyn-centre-'));
  const centreKeyFile = path.join(dir, 'centre.key');
  await writeFile(centreKeyFile, randomBytes(48).toString('base64'), { mode: 0o600 });
  const secretFile = path.join(dir, 'oidc-client.secret');
  await writeFile(secretFile, `${TEST_CLIENT.clientSecret}\n`, { mode: 0o600 });
  const rosterFile = path.join(dir, 'roster.json');
  await writeFile(rosterFile, JSON.stringify(ROSTER));

  const server: LoopbackServer = await listenLoopback();
  const idp = await startTestIdp(server.origin, options.users);
  const time = new ManualTime();
  const logs = new LogLines();
  const audit = new MemoryAuditSink();
  const revocations = new MemoryRevocations(time.now);
  const oidc = oidcConfigSchema.parse(centreOidcConfig(idp.issuer, server.origin, secretFile));
  const roster = new Roster({
    config: rosterConfigSchema.parse({ file: rosterFile }),
    fs: nodeRosterFs,
    timers: time,
    logger: logs,
  });
  await roster.start();
  const auth = new StaffAuth({
    oidc,
    session: sessionConfigSchema.parse({}),
    centreKey: await loadCentreKey(centreKeyFile),
    clientSecret: await loadClientSecret(oidc),
    revocations,
    audit: options.audit ?? audit,
    keepGroup: roster.knowsGroup,
    now: time.now,
    randomId: randomUUID,
    logger: logs,
  });
  await auth.start();
  const gate = new RosterGate({ roster, audit: options.audit ?? audit, now: time.now, logger: logs });

  const app = Fastify();
  await app.register(authRoutes(auth));
  app.get('/round', { preHandler: auth.requirePage }, async (request) => {
    const staff = auth.staffOf(request);
    return { staffId: staff.staffId, devices: roster.devicesFor(staff.groups).map((d) => d.deviceId) };
  });
  app.get('/api/me', { preHandler: auth.requireApi }, async (request) => auth.staffOf(request));
  app.post(
    '/api/devices/:deviceId/look',
    { preHandler: [auth.requireApi, gate.preHandler((request) => auth.staffOf(request))] },
    async () => ({ ok: true }),
  );
  await app.ready();
  server.serve(app);

  return {
    origin: server.origin,
    idp,
    app,
    auth,
    roster,
    time,
    logs,
    audit,
    revocations,
    dir,
    centreKeyFile,
    close: async () => {
      await app.close();
      await auth.stop();
      await roster.stop();
      await idp.stop();
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
