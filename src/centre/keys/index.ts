/** The centre's shared secret, the per-purpose subkeys derived from it, and sealing with them. */
export {
  CentreKey,
  KEY_PURPOSES,
  type KeyPurpose,
  loadCentreKey,
  parseCentreKey,
  Sealer,
  Tagger,
} from './centreKey.ts';
