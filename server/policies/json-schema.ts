// JSON Schema for every policy file, generated from the zod schemas so editors (YAML language
// server: `# yaml-language-server: $schema=./schema/access.schema.json`) complete and check the YAML.
// `lethe policy schema` writes them; a test fails when the committed files are out of date.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { FILE_SCHEMAS } from './schemas';

/** File name -> JSON text, for every policy file kind. */
export function renderJsonSchemas(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const { schema, jsonSchemaFile, title } of Object.values(FILE_SCHEMAS)) {
    // io: 'input' describes what may be written (fields with defaults are optional), which is what editors need.
    const json = { title, ...z.toJSONSchema(schema, { io: 'input' }) };
    out[jsonSchemaFile] = JSON.stringify(json, null, 2) + '\n';
  }
  return out;
}

/** Writes the JSON Schema files into `<bundleDir>/schema/`; returns the paths written. */
export async function writeJsonSchemas(bundleDir: string): Promise<string[]> {
  const dir = path.join(bundleDir, 'schema');
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const [name, text] of Object.entries(renderJsonSchemas())) {
    const file = path.join(dir, name);
    await writeFile(file, text);
    written.push(file);
  }
  return written;
}
