/**
 * TURN REST API credentials (coturn `use-auth-secret`, draft-uberti-behave-turn-rest): the username
 * is `<expiry>:<session>` (expiry in Unix seconds) and the password is base64(HMAC-SHA1(secret,
 * username)). coturn recomputes the HMAC with the shared secret and refuses a username whose expiry
 * has passed, so a credential is good for one session and no longer. Shared by the centre (which
 * mints them) and the tests; the HMAC comes in from the caller so this stays free of I/O.
 */

/** base64(HMAC-SHA1(secret, message)), e.g. Node's `createHmac('sha1', secret).update(message).digest('base64')`. */
export type HmacSha1Base64 = (secret: string, message: string) => string;

export interface TurnCredential {
  username: string;
  credential: string;
  /** Unix seconds; the credential is refused by coturn after it. */
  expiresAt: number;
}

export function mintTurnCredential(
  grant: { session: string; expiresAt: number },
  secret: string,
  hmacSha1Base64: HmacSha1Base64,
): TurnCredential {
  if (!/^[A-Za-z0-9._~-]{1,128}$/.test(grant.session))
    throw new TypeError('a TURN session id is 1-128 URL-safe characters, never a ":"');
  if (!Number.isSafeInteger(grant.expiresAt) || grant.expiresAt <= 0)
    throw new TypeError('a TURN credential expiry is a positive whole number of Unix seconds');
  if (secret.length < 16) throw new TypeError('the TURN secret is shorter than 16 characters');
  const username = `${grant.expiresAt}:${grant.session}`;
  return { username, credential: hmacSha1Base64(secret, username), expiresAt: grant.expiresAt };
}
