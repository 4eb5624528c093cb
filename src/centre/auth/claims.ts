/**
 * Turns the IdP's claims into a staff identity. The staff id becomes `sub` of device tokens and
 * appears in every audit record, so it must be a plain, bounded string; groups may arrive as a
 * list or (some IdPs) a single string, and only groups the roster knows are kept in the cookie.
 */
import { NattsynError } from '../../errors.ts';
import type { StaffIdentity } from './types.ts';

const MAX_ID = 128;
const MAX_GROUP = 256;
/** A sealed cookie must stay well under the 4096 bytes browsers keep. */
const MAX_GROUPS = 64;
const PRINTABLE = /^[^\p{Cc}]+$/u;

export interface ClaimNames {
  staffId: string;
  groups: string;
}

/** `keepGroup` narrows the IdP's groups to those that matter here (the roster's groups). */
export function staffFromClaims(
  claims: Record<string, unknown>,
  names: ClaimNames,
  keepGroup: (group: string) => boolean = () => true,
): StaffIdentity {
  const staffId = claims[names.staffId];
  if (
    typeof staffId !== 'string' ||
    staffId.length === 0 ||
    staffId.length > MAX_ID ||
    !PRINTABLE.test(staffId)
  ) {
    throw new NattsynError(
      'staff_id_missing',
      `The identity provider sent no usable "${names.staffId}" claim.`,
      {},
    );
  }
  const raw = claims[names.groups];
  const listed = typeof raw === 'string' ? [raw] : Array.isArray(raw) ? raw : [];
  const groups = [
    ...new Set(
      listed.filter(
        (g): g is string =>
          typeof g === 'string' && g.length > 0 && g.length <= MAX_GROUP && PRINTABLE.test(g),
      ),
    ),
  ].filter(keepGroup);
  if (groups.length > MAX_GROUPS) {
    throw new NattsynError(
      'too_many_groups',
      `The staff member is in more than ${MAX_GROUPS} roster groups.`,
      {},
    );
  }
  return { staffId, groups };
}
