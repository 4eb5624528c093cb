/**
 * `nattsyn audit verify`: checks the hash chain of the audit log; exit 1 names the first bad record.
 * `nattsyn audit export`: the centre's access follow-up from its archive (src/centre/archive).
 */
import { runAuditExport } from '../centre/archive/index.ts';
import { UsageError } from '../errors.ts';
import { type CliIo, EXIT, parseVerbArgs, required, showHelp } from '../platform/cliIo.ts';
import { FsStore } from '../platform/fsStore.ts';
import { sha256Hex } from '../platform/system.ts';
import { verifyAuditLog } from '../policy/index.ts';

export const AUDIT_HELP = `Usage: nattsyn audit verify --state DIR [--json]
       nattsyn audit export --db FILE|URL [...]   (nattsyn audit export --help)

Verifies every record of the audit log in the state directory: hashes, chain
links, contiguous seq across rotated files, and the tail against the head file
and the delivery cursor. Exit 0 when intact; exit 1 with the first bad seq.`;

export async function runAudit(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '--help' || sub === 'help') return showHelp(io, AUDIT_HELP);
  if (sub === 'export') return runAuditExport(rest, io);
  if (sub !== 'verify')
    throw new UsageError(`unknown audit command "${sub}"; try: nattsyn audit verify --help`);
  const { values } = parseVerbArgs(rest, {
    state: { type: 'string', default: '/var/lib/nattsyn' },
    json: { type: 'boolean' },
    help: { type: 'boolean' },
  });
  if (values.help) return showHelp(io, AUDIT_HELP);
  const verdict = await verifyAuditLog(new FsStore(required(values, 'state')), sha256Hex);
  if (values.json) io.out(JSON.stringify(verdict));
  else if (verdict.ok)
    io.out(`audit log intact: ${verdict.records} records, seq ${verdict.firstSeq}..${verdict.lastSeq}`);
  else io.out(`audit log broken at seq ${verdict.badSeq}: ${verdict.reason}`);
  return verdict.ok ? EXIT.ok : EXIT.failure;
}
