/**
 * JSON Schemas of the published payloads, generated from the zod schemas the code validates with
 * (zod v4 `z.toJSONSchema`, draft 2020-12). `scripts/write-schemas.ts` writes them to `schemas/`;
 * a test fails when the committed files differ from what this produces.
 */
import { z } from 'zod';
import { PUBLISHED_SCHEMAS, type PublishedSchemaName } from './payloads.ts';

export const SCHEMA_BASE_URI = 'https://nattsyn.invalid/schemas/';

export function jsonSchemas(): Record<PublishedSchemaName, Record<string, unknown>> {
  const out = {} as Record<PublishedSchemaName, Record<string, unknown>>;
  for (const [name, schema] of Object.entries(PUBLISHED_SCHEMAS) as Array<[PublishedSchemaName, z.ZodType]>) {
    const generated = z.toJSONSchema(schema, { io: 'output', target: 'draft-2020-12' }) as Record<
      string,
      unknown
    >;
    out[name] = {
      ...generated,
      $id: `${SCHEMA_BASE_URI}${name}.schema.json`,
      title: `nattsyn ${name} payload`,
    };
  }
  return out;
}

export const schemaFileName = (name: PublishedSchemaName): string => `${name}.schema.json`;

/** The exact text committed for a schema (stable key order from the generator, two-space indent). */
export const schemaText = (schema: Record<string, unknown>): string => `${JSON.stringify(schema, null, 2)}\n`;
