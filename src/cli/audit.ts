/**
 * `nattsyn audit verify`: checks the audit log of a state directory (hash chain, links, contiguous
 * `seq`, the tail against the head file, the cursor and the signed checkpoint); exit 1 names the
 * first bad record. A log is called intact only when there is one: a missing state directory or
 * one without records is a failure, and a path given without `--state` is a usage error.
 * `nattsyn audit export`: the centre's access follow-up from its archive (src/centre/archive).
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { runAuditExport } from '../centre/archive/index.ts';
import { NattsynError, UsageError } from '../errors.ts';
import { loadIdentity } from '../install/index.ts';
import { type CliIo, EXIT, parse, required, showHelp } from '../platform/cliIo.ts';
import { FsStore } from '../platform/fsStore.ts';
import { sha256Hex } from '../platform/system.ts';
import { verifyAuditLog } from '../policy/index.ts';

export const AUDIT_HELP = `Usage: nattsyn audit verify --state DIR [--key FILE] [--json]
       nattsyn audit export --db FILE|URL [...]   (nattsyn audit export --help)

Verifies every record of the audit log in the state directory: hashes, chain
links, contiguous seq across rotated files, and the tail against the head file,
the delivery cursor and the checkpoint the device signs with its identity key.
The checkpoint is checked with --key (the device's identity public key, SPKI
PEM), or else with the identity key in the state directory; where there is a
key, a missing or unsigned checkpoint fails. Exit 0 when intact; exit 1 with
the first bad seq, or when there is no audit log at all.`;

export async function runAudit(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '--help' || sub === 'help') return showHelp(io, AUDIT_HELP);
  if (sub === 'export') return runAuditExport(rest, io);
  if (sub !== 'verify')
    throw new UsageError(`unknown audit command "${sub}"; try: nattsyn audit verify --help`);
  const values = parse(rest, {
    state: { type: 'string', default: '/var/lib/nattsyn' },
    key: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean' },
  });
  if (values.help) return showHelp(io, AUDIT_HELP);
  const dir = required(values, 'state');
  const isDir = await stat(dir).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!isDir) throw new NattsynError('audit_unavailable', `no state directory at ${dir}`);
  const checkpointKey = await keyOf(values.key, dir);
  const verdict = await verifyAuditLog(new FsStore(dir), sha256Hex, { checkpointKey });
  if (verdict.ok && verdict.records === 0)
    throw new NattsynError('audit_unavailable', `no audit records in ${dir}: nothing to call intact`);
  if (values.json) io.out(JSON.stringify(verdict));
  else if (verdict.ok)
    io.out(
      `audit log intact: ${verdict.records} records, seq ${verdict.firstSeq}..${verdict.lastSeq}, ${signedBy(verdict.checkpoint)}`,
    );
  else io.out(`audit log broken at seq ${verdict.badSeq}: ${verdict.reason}`);
  return verdict.ok ? EXIT.ok : EXIT.failure;
}

function signedBy(checkpoint: { seq: number; signed: boolean } | null): string {
  if (!checkpoint) return 'no checkpoint (no identity key to sign one)';
  return checkpoint.signed
    ? `signed checkpoint at seq ${checkpoint.seq}`
    : `checkpoint at seq ${checkpoint.seq} not checked (no identity key; pass --key)`;
}

/** `--key FILE` (a public key), or the identity in the state directory, or none. */
async function keyOf(file: string | undefined, dir: string): Promise<KeyObject | undefined> {
  if (file === undefined) return (await loadIdentity(dir))?.publicKey;
  try {
    return createPublicKey(await readFile(file, 'utf8'));
  } catch (cause) {
    throw new UsageError(`--key: ${file} is not a readable public key`, { cause });
  }
}
