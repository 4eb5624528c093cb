/** The centre's shared secret, the per-purpose subkeys derived from it, and sealing with them. */
export { CentreKey, KEY_PURPOSES, type KeyPurpose, loadCentreKey, parseCentreKey } from './centreKey.ts';
export { Sealer } from './sealer.ts';
export { Tagger } from './tagger.ts';
