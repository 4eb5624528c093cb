/** Staff tokens minted by the centre, one per look, and look handles that re-mint them. */

export {
  type LookRequest,
  type MintedLook,
  StaffTokenIssuer,
  type StaffTokenIssuerOptions,
} from './issuer.ts';
export {
  LOOK_SCOPES,
  type LookClaims,
  LookHandles,
  type LookScope,
  MAX_LOOK_TOKEN_SECONDS,
  type StaffTokensConfig,
  signLookToken,
  staffTokensConfigSchema,
} from './lookToken.ts';
