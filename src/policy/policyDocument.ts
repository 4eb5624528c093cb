/**
 * The resident's signed policy: a compact JWS (EdDSA) by the policy key the device pins in its
 * config. Owns parsing, verification and the no-rollback rule; applying and persisting the result
 * is the caller's. Unknown fields are refused: a device must never half-understand its policy.
 */
import type { KeyObject } from 'jose';
import { z } from 'zod';
import { signJson, verifySignedJson } from '../protocol/signedJson.ts';
import type { PolicyRejectCode } from './codes.ts';
import { isKnownTimeZone, MAX_WINDOW_MINUTES, Schedule, WEEKDAYS } from './schedule.ts';

export { formatIssues } from '../protocol/signedJson.ts';

/** Explicit JWS type (RFC 8725 §3.11) so a policy can never pass for a token, nor the reverse. */
export const POLICY_JWS_TYPE = 'nattsyn-policy+json';

const localTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected a local time HH:MM');
const localDate = z.iso.date({ message: 'expected a local date YYYY-MM-DD' });
const duration = z.number().int().min(1).max(MAX_WINDOW_MINUTES);
const id = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'expected 1-64 letters, digits, . _ or -');

export const policyBodySchema = z
  .object({
    deviceId: z.string().min(1).max(64),
    version: z.number().int().positive(),
    issuedAt: z.iso.datetime({ offset: true }),
    timeZone: z.string().refine(isKnownTimeZone, 'unknown IANA time zone').default('Europe/Stockholm'),
    windows: z
      .array(
        z.strictObject({
          id,
          start: localTime,
          durationMinutes: duration,
          days: z.array(z.enum(WEEKDAYS)).min(1).max(7),
        }),
      )
      .max(64)
      .default([]),
    oneOff: z
      .array(z.strictObject({ id, date: localDate, start: localTime, durationMinutes: duration }))
      .max(256)
      .default([]),
    pauses: z
      .array(
        z
          .strictObject({
            from: localDate,
            to: localDate,
            reason: z.enum(['travel', 'hospital', 'visitors', 'other']).default('other'),
          })
          .refine((p) => p.from <= p.to, { message: '`to` is before `from`', path: ['to'] }),
      )
      .max(256)
      .default([]),
    maxViewers: z.number().int().min(1).max(8).default(1),
    maxSessionSeconds: z.number().int().min(10).max(3600).default(300),
    emergencyAllowed: z.boolean().default(false),
    revokedTokenIds: z.array(z.string().min(1).max(128)).max(4096).default([]),
  })
  .strict();

export type PolicyInput = z.input<typeof policyBodySchema>;
export type PolicyBody = z.output<typeof policyBodySchema>;

/** A verified policy in force, with its schedule built once. */
export interface ActivePolicy {
  readonly body: PolicyBody;
  readonly schedule: Schedule;
  readonly revoked: ReadonlySet<string>;
  /** The signed document as received, for persisting and re-verifying at start. */
  readonly jws: string;
}

export type PolicyVerdict =
  | { ok: true; policy: ActivePolicy }
  | { ok: false; code: PolicyRejectCode; message: string };

export interface PolicyTrust {
  /** The pinned Ed25519 policy public key. */
  publicKey: KeyObject | CryptoKey;
  deviceId: string;
  /** Version of the policy in force; a new one must be greater. Undefined when none is. */
  currentVersion: number | undefined;
}

export function activate(body: PolicyBody, jws: string): ActivePolicy {
  return {
    body,
    schedule: new Schedule(body),
    revoked: new Set(body.revokedTokenIds),
    jws,
  };
}

/** Verifies a signed policy for this device. Never throws: a refusal carries a stable code. */
export async function verifyPolicy(jws: string, trust: PolicyTrust): Promise<PolicyVerdict> {
  const parsed = await verifySignedJson(jws, {
    typ: POLICY_JWS_TYPE,
    key: trust.publicKey,
    schema: policyBodySchema,
  });
  if (!parsed.ok) {
    switch (parsed.reason) {
      case 'bad_signature':
        return reject(
          'policy_bad_signature',
          'the policy signature does not verify with the pinned policy key',
        );
      case 'malformed':
        return reject('policy_malformed', 'the policy payload is not JSON');
      case 'invalid':
        return reject('policy_invalid', parsed.issues.join('; '));
    }
  }
  const body = parsed.value;
  if (body.deviceId !== trust.deviceId)
    return reject('policy_wrong_device', 'the policy is for another device');
  if (trust.currentVersion !== undefined && body.version <= trust.currentVersion) {
    return reject(
      'policy_rollback',
      `policy version ${body.version} is not newer than version ${trust.currentVersion} in force`,
    );
  }
  return { ok: true, policy: activate(body, jws) };
}

/** Signs a policy body (validated first) with the policy private key. */
export async function signPolicy(input: PolicyInput, privateKey: KeyObject | CryptoKey): Promise<string> {
  return signJson(policyBodySchema.parse(input), POLICY_JWS_TYPE, privateKey);
}

function reject(code: PolicyRejectCode, message: string): PolicyVerdict {
  return { ok: false, code, message };
}
