/**
 * `nattsyn register`: creates the identity once, binds the device, prints a summary and QR code for
 * the installer's paperwork and the CSR for the CA; with `--cert` installs the certificate and
 * publishes the retained registration record. Opens the 10-minute aiming window.
 */
import { readFile } from 'node:fs/promises';
import { NattsynError, UsageError } from '../errors.ts';
import { type CliIo, EXIT_OK, exitCodeOf, parse, required } from '../platform/cliIo.ts';
import { FsStore } from '../platform/fsStore.ts';
import type { EpochMillis } from '../policy/index.ts';
import type { ConnectBroker } from './brokerSession.ts';
import { loadIdentity } from './identity.ts';
import { InstallWindow } from './installWindow.ts';
import type { RunProcess } from './process.ts';
import {
  keyThumbprint,
  loadRegistration,
  publishRegistration,
  type Registration,
  type RegistrationInput,
  register,
} from './registration.ts';

export interface RegisterIo extends CliIo {
  stateDir: string;
  /** The service config (`--config`, default /etc/nattsyn/config.json) that receives the binding. */
  configFile?: string | undefined;
  run: RunProcess;
  now: () => Date;
  /** Connects with the device certificate; left out where no broker may be reached. */
  connect?: ConnectBroker | undefined;
}

export const REGISTER_HELP = `Usage: nattsyn register --care-plan REF --issuer ISS --issuer-key FILE [--config FILE]
         --policy-key FILE --broker mqtts://HOST:PORT --broker-ca FILE [--cert FILE] [--rebind]

Creates this device's identity (once), binds it to a care plan and prints the device id, a QR code
and a certificate request (CSR) for the municipality's CA. Run it again with --cert FILE once the CA
has signed the request; the registration record is then published to the broker.

  --care-plan REF    opaque care-plan or case number (never a name, address or personnummer)
  --issuer ISS       the staff-token issuer (iss claim)
  --issuer-key FILE  the issuer's Ed25519 public key, PEM (repeat during a key rotation)
  --policy-key FILE  the Ed25519 public key that signs the resident's policy, PEM
  --broker URL       the monitoring centre's broker, mqtts:// only
  --broker-ca FILE   the CA certificate the broker's certificate chains to, PEM
  --cert FILE        the certificate the CA issued for this device's CSR, PEM
  --rebind           move a registered device to another care plan
  --config FILE      the service config that receives the binding (default /etc/nattsyn/config.json)
  -h, --help         this text
`;

const OPTIONS = {
  'care-plan': { type: 'string' },
  issuer: { type: 'string' },
  'issuer-key': { type: 'string', multiple: true },
  'policy-key': { type: 'string' },
  broker: { type: 'string' },
  'broker-ca': { type: 'string' },
  cert: { type: 'string' },
  rebind: { type: 'boolean', default: false },
  config: { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

const readInput = (file: string, flag: string): Promise<string> =>
  readFile(file, 'utf8').catch((cause) => {
    throw new UsageError(`--${flag}: cannot read ${file}`, { cause });
  });

type Values = ReturnType<typeof parse<typeof OPTIONS>>;

async function readInputs(v: Values): Promise<RegistrationInput> {
  const issuerKeyFiles = v['issuer-key'] ?? [];
  if (issuerKeyFiles.length === 0) throw new UsageError('--issuer-key is required');
  return {
    carePlanRef: required(v['care-plan'], 'care-plan'),
    issuer: required(v.issuer, 'issuer'),
    issuerKeysPem: await Promise.all(issuerKeyFiles.map((f) => readInput(f, 'issuer-key'))),
    policyKeyPem: await readInput(required(v['policy-key'], 'policy-key'), 'policy-key'),
    brokerUrl: required(v.broker, 'broker'),
    brokerCaPem: await readInput(required(v['broker-ca'], 'broker-ca'), 'broker-ca'),
    certPem: v.cert === undefined ? undefined : await readInput(v.cert, 'cert'),
    rebind: v.rebind,
  };
}

export function runRegister(args: readonly string[], io: RegisterIo): Promise<number> {
  return exitCodeOf(io, async () => {
    const v = parse(args, OPTIONS);
    if (v.help) {
      io.out(REGISTER_HELP);
      return EXIT_OK;
    }
    const result = await register(await readInputs(v), { ...io, configFile: v.config ?? io.configFile });
    const reg = result.registration;
    const identity = (await loadIdentity(io.stateDir))!;
    const identityPem = identity.publicKey.export({ type: 'spki', format: 'pem' }) as string;
    io.out(await summary(reg.deviceId, reg.carePlanRef, keyThumbprint(identityPem), result.identityCreated));
    if (!result.certificateInstalled) {
      io.out(`\nCertificate request for the CA (also in ${io.stateDir}/mqtt.csr):\n${result.csrPem}`);
      io.out('Send it to the CA, then run this command again with --cert FILE.\n');
    } else {
      await publishRecord(io, reg, identityPem);
    }
    const until = await openAimingWindow(io);
    io.out(`Aiming preview open for an install token until ${new Date(until).toISOString()}.\n`);
    return EXIT_OK;
  });
}

async function publishRecord(io: RegisterIo, reg: Registration, identityPem: string): Promise<void> {
  const loaded = await loadRegistration(io.stateDir);
  if (!io.connect || !loaded) {
    io.out('\nRegistration record not published: no broker connection in this process.\n');
    return;
  }
  const session = await io.connect(loaded).catch((cause: unknown) => {
    throw new NattsynError(
      'broker_unreachable',
      'the broker could not be reached with the device certificate',
      {
        cause,
      },
    );
  });
  try {
    await publishRegistration(reg, identityPem, session.publish);
  } finally {
    await session.close();
  }
  io.out(`\nRegistration record published to nattsyn/v1/${reg.deviceId}/registration.\n`);
  io.out(`Now start the service:\n  ${START_SERVICE}\n`);
}

/**
 * reset-failed first: a start before registration (at boot) failed on the skeleton config, and
 * systemd refuses a unit that reached its start limit until the failure is reset.
 */
export const START_SERVICE = 'sudo systemctl reset-failed nattsyn && sudo systemctl start nattsyn';

async function summary(deviceId: string, ref: string, thumbprint: string, created: boolean): Promise<string> {
  // Loaded here, not with the module: the service imports this folder and never prints a QR code.
  const { default: QRCode } = await import('qrcode');
  const qr = await QRCode.toString(
    `nattsyn:${deviceId}?cp=${encodeURIComponent(ref)}&k=${thumbprint.slice(0, 16)}`,
    {
      type: 'terminal',
      small: true,
    },
  );
  return [
    created ? 'New device identity created.' : 'Device identity already existed; kept it.',
    '',
    `  Device id        ${deviceId}`,
    `  Care plan        ${ref}`,
    `  Identity key     sha256:${thumbprint.slice(0, 32)}`,
    '',
    qr,
  ].join('\n');
}

function openAimingWindow(io: RegisterIo): Promise<EpochMillis> {
  const window = new InstallWindow({
    store: new FsStore(io.stateDir),
    time: { now: () => io.now().getTime() as EpochMillis },
  });
  return window.open('registration');
}
