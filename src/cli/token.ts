/** `nattsyn token`: mints a staff token with the issuer's private key. */
import { randomUUID } from 'node:crypto';
import { UsageError } from '../errors.ts';
import { type CliIo, EXIT, parseDuration, parseVerbArgs, required, showHelp } from '../platform/cliIo.ts';
import {
  DEFAULT_MAX_LIFETIME_SECONDS,
  epochMillis,
  mintStaffToken,
  SCOPES,
  type Scope,
} from '../policy/index.ts';
import { readPrivateKey } from './keys.ts';

export const TOKEN_HELP = `Usage: nattsyn token --key FILE --issuer ISS --device ID --sub STAFF
                     [--scope view|emergency|install] [--ttl 8h] [--reason TEXT] [--kid KID]

Prints a staff token (JWT, EdDSA) for one device. --scope defaults to view;
emergency needs --reason. --ttl is at most 12h. Give it to the viewer in the
URL fragment (#token=...) or paste it; never put it in a query string.`;

export async function runToken(args: string[], io: CliIo): Promise<number> {
  const { values } = parseVerbArgs(args, {
    key: { type: 'string' },
    issuer: { type: 'string' },
    device: { type: 'string' },
    sub: { type: 'string' },
    scope: { type: 'string', default: 'view' },
    ttl: { type: 'string', default: '8h' },
    reason: { type: 'string' },
    kid: { type: 'string' },
    help: { type: 'boolean' },
  });
  if (values.help) return showHelp(io, TOKEN_HELP);
  const scope = values.scope as Scope;
  if (!SCOPES.includes(scope)) throw new UsageError(`--scope: one of ${SCOPES.join(', ')}`);
  if (scope === 'emergency' && !values.reason?.trim())
    throw new UsageError('--reason is required for an emergency token');
  const ttlSeconds = parseDuration(values.ttl, '--ttl');
  if (ttlSeconds < 1 || ttlSeconds > DEFAULT_MAX_LIFETIME_SECONDS)
    throw new UsageError('--ttl: between 1s and 12h');
  const key = await readPrivateKey(required(values, 'key'));
  const token = await mintStaffToken(
    {
      issuer: required(values, 'issuer'),
      deviceId: required(values, 'device'),
      staffId: required(values, 'sub'),
      scope,
      ttlSeconds,
      reason: values.reason,
      tokenId: randomUUID(),
      now: epochMillis(Date.now()),
      keyId: values.kid,
    },
    key,
  );
  io.out(token);
  return EXIT.ok;
}
