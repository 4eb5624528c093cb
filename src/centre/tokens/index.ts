/** Staff tokens minted by the centre, one per look, and look handles that re-mint them. */
export { MAX_LOOK_TOKEN_SECONDS, type StaffTokensConfig, staffTokensConfigSchema } from './config.ts';
export {
  type LookRequest,
  type MintedLook,
  StaffTokenIssuer,
  type StaffTokenIssuerOptions,
} from './issuer.ts';
export { LookHandles } from './lookHandle.ts';
export { LOOK_SCOPES, type LookClaims, type LookScope, signLookToken } from './lookToken.ts';
