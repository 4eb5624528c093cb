// Writes the JSON Schemas of every MQTT payload to schemas/ (run after changing src/health/payloads.ts).
import { writeFile } from 'node:fs/promises';
import { jsonSchemas, schemaFileName, schemaText } from '../src/health/payloads.ts';

const dir = new URL('../schemas/', import.meta.url);
for (const [name, schema] of Object.entries(jsonSchemas())) {
  await writeFile(
    new URL(schemaFileName(name as keyof ReturnType<typeof jsonSchemas>), dir),
    schemaText(schema),
  );
}
