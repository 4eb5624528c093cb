/** `nattsyn policy sign`: validates a policy JSON file and signs it with the policy key. */
import { readFile } from 'node:fs/promises';
import { UsageError } from '../errors.ts';
import { type CliIo, EXIT, parseVerbArgs, required, showHelp } from '../platform/cliIo.ts';
import { writeFileAtomic } from '../platform/fsStore.ts';
import { formatIssues, policyBodySchema, signPolicy } from '../policy/index.ts';
import { readPrivateKey } from './keys.ts';

export const POLICY_HELP = `Usage: nattsyn policy sign --key FILE --in POLICY.json [--out FILE]

Validates the policy (deviceId, version, issuedAt, timeZone, windows, oneOff,
pauses, maxViewers, maxSessionSeconds, emergencyAllowed, revokedTokenIds) and
prints it as a compact JWS signed with the policy key, or writes it to --out.
Every problem is listed as <path>: <message>.`;

export async function runPolicy(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '--help' || sub === 'help') return showHelp(io, POLICY_HELP);
  if (sub !== 'sign')
    throw new UsageError(`unknown policy command "${sub}"; try: nattsyn policy sign --help`);
  const { values } = parseVerbArgs(rest, {
    key: { type: 'string' },
    in: { type: 'string' },
    out: { type: 'string' },
    help: { type: 'boolean' },
  });
  if (values.help) return showHelp(io, POLICY_HELP);
  const input = required(values, 'in');
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(input, 'utf8'));
  } catch (cause) {
    throw new UsageError(`${input}: not readable JSON (${(cause as Error).message})`);
  }
  const parsed = policyBodySchema.safeParse(raw);
  if (!parsed.success) throw new UsageError(`invalid policy\n${formatIssues(parsed.error).join('\n')}`);
  const jws = await signPolicy(parsed.data, await readPrivateKey(required(values, 'key')));
  if (values.out) await writeFileAtomic(values.out, `${jws}\n`, 0o644);
  else io.out(jws);
  return EXIT.ok;
}
