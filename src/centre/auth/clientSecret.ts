/** The OIDC client secret, read from its own file so it never sits in the config file or a log. */
import { UsageError } from '../../errors.ts';
import { nodeSecretFs, readSecretFile, type SecretFs } from '../../platform/startupFiles.ts';
import type { OidcConfig } from './config.ts';

/** The secret, or undefined for a public client; refused when other users may read the file. */
export async function loadClientSecret(
  config: OidcConfig,
  fs: SecretFs = nodeSecretFs,
): Promise<string | undefined> {
  if (config.clientSecretFile === undefined) return undefined;
  const secret = (await readSecretFile(config.clientSecretFile, 'not-world', fs)).toString('utf8').trim();
  if (secret.length === 0)
    throw new UsageError(`${config.clientSecretFile}: the client secret file is empty`);
  return secret;
}
