import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { jsonSchemas, PUBLISHED_SCHEMAS, schemaFileName, schemaText } from '../../src/health/payloads.ts';
import { invalidMessages } from './fixtures/schemaCheck.ts';

describe('published JSON Schemas', () => {
  it('the committed files equal what the zod payload types generate (run scripts/write-schemas.ts)', async () => {
    for (const [name, schema] of Object.entries(jsonSchemas())) {
      const committed = await readFile(
        new URL(`../../schemas/${schemaFileName(name as keyof typeof PUBLISHED_SCHEMAS)}`, import.meta.url),
        'utf8',
      );
      expect(committed, name).toBe(schemaText(schema));
    }
  });

  it('the JSON Schemas refuse what the zod schemas refuse', () => {
    const status = { state: 'online', connection: 3, since: '2026-11-23T02:00:00.000Z', policyVersion: null };
    const bad = [
      { ...status, state: 'asleep' },
      { ...status, resident: 'Astrid' },
      { ...status, connection: -1 },
    ];
    const topic = 'nattsyn/v1/dev/status';
    const msg = (v: unknown) => ({ topic, text: JSON.stringify(v), retain: true, expiry: undefined });
    expect(invalidMessages([msg(status)])).toEqual([]);
    for (const b of bad) {
      expect(invalidMessages([msg(b)])).toHaveLength(1);
      expect(PUBLISHED_SCHEMAS.status.safeParse(b).success).toBe(false);
    }
  });
});
