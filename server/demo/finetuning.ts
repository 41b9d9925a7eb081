// The support assistant's fine-tuning set as files (issue 20), the demo's `finetuning` files system
// (policies/datamap/finetuning.yaml): chats as JSONL, one per line, and the Parquet snapshot built
// from them through DuckDB, each with its lethe-manifest.json. Generated from the CRM's customers
// with a fixed seed, so a seed gives the same files: some prompts carry the customer's own name or
// address, some another customer's address (a mention, which an erasure redacts).
import crypto from 'node:crypto';
import fsp from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { withDuckdb, sourceOf, sqlString } from '../erasure/files/duckdb';
import { writeManifest, type FilesSpec } from '../erasure/files/dataset';

/** The system's `root:` under the data dir (policies/datamap/finetuning.yaml). */
export const FINETUNING_ROOT = 'finetuning';
export const CHATS: FilesSpec = { name: 'chats', glob: 'chats/*.jsonl', format: 'jsonl' };
export const SNAPSHOT: FilesSpec = { name: 'snapshot_2026_11', glob: 'snapshots/*.parquet', format: 'parquet' };
export const CHATS_FILE = 'chats/chats-2026-11.jsonl';
export const SNAPSHOT_FILE = 'snapshots/finetune-2026-11.parquet';

interface Customer {
  id: number;
  email: string;
  full_name: string;
  /** Quasi-identifiers the snapshot copies from the CRM (as the October snapshot does). */
  birth_year?: number | null;
  postal_code?: string | null;
}

export interface Chat {
  chat_id: string;
  customer_id: number;
  user_email: string;
  prompt: string;
  completion: string;
  created_at: string;
}

const r = (seed: number, salt: string, i: number) =>
  crypto.createHash('md5').update(`${seed}:${salt}:${i}`).digest().readUInt32BE(0);

/** Prompt templates: 0 names the customer, 1 gives their address, 2 names the previous customer's address. */
const TEMPLATES: ((c: Customer, prev: Customer) => [string, string])[] = [
  (c) => [
    `Hi, this is ${c.full_name}. How do I download all my invoices of 2026 at once?`,
    'Open Billing → Invoices and choose "Download all"; you get one ZIP file.',
  ],
  (c) => [
    `Please send the receipt of my last order to ${c.email}, not to my old address.`,
    'Done: the receipt goes to that address from now on.',
  ],
  (_c, prev) => [
    `My colleague ${prev.full_name} (${prev.email}) should get admin rights on our workspace. How?`,
    'An owner can make them an admin under Settings → Members.',
  ],
  () => ['How do I reset my password?', 'Use "Forgot password" on the sign-in page; the link lasts one hour.'],
];

/** Two or three chats per customer; customer i+1's second chat names customer i (mention). */
export function demoChats(customers: Customer[], seed: number, anchor = Date.parse('2026-11-01T00:00:00Z')): Chat[] {
  const chats: Chat[] = [];
  customers.forEach((c, n) => {
    const prev = customers[(n + customers.length - 1) % customers.length];
    const count = 2 + (c.id % 2);
    for (let k = 0; k < count; k++) {
      const [prompt, completion] = TEMPLATES[(c.id + k) % TEMPLATES.length](c, prev);
      const minutes = r(seed, 'chat_at', c.id * 4 + k) % (60 * 24 * 60);
      chats.push({
        chat_id: `ch-${c.id}-${k + 1}`,
        customer_id: c.id,
        user_email: c.email,
        prompt,
        completion,
        created_at: new Date(anchor - minutes * 60_000).toISOString(),
      });
    }
  });
  return chats;
}

async function crmCustomers(crmUrl: string): Promise<Customer[]> {
  const client = new pg.Client({ connectionString: crmUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{
      id: string;
      email: string;
      full_name: string;
      birth_year: number | null;
      postal_code: string | null;
    }>(
      `SELECT c.id::text AS id, c.email, c.full_name, extract(year FROM c.date_of_birth)::int AS birth_year,
              c.postal_code FROM customers c ORDER BY c.id`,
    );
    return rows.map((row) => ({
      id: Number(row.id),
      email: row.email,
      full_name: row.full_name,
      birth_year: row.birth_year,
      postal_code: row.postal_code,
    }));
  } finally {
    await client.end();
  }
}

/**
 * Writes the fine-tuning files under `root` (replacing any there): the chats of the CRM's customers
 * as JSONL, the snapshot as Parquet (one row per chat: prompt and answer as one text, with the
 * customer's birth year and postal code copied from the CRM — the quasi-identifiers the weekly
 * re-identification audit measures), and each dataset's manifest. Returns how many chats were written.
 */
export async function seedFinetuningFiles(root: string, crmUrl: string, seed: number): Promise<number> {
  const customers = await crmCustomers(crmUrl);
  const chats = demoChats(customers, seed);
  await fsp.rm(root, { recursive: true, force: true });
  const jsonl = path.join(root, CHATS_FILE);
  const parquet = path.join(root, SNAPSHOT_FILE);
  await fsp.mkdir(path.dirname(jsonl), { recursive: true, mode: 0o700 });
  await fsp.mkdir(path.dirname(parquet), { recursive: true, mode: 0o700 });
  await fsp.writeFile(jsonl, chats.map((c) => JSON.stringify(c)).join('\n') + '\n', { mode: 0o600 });
  // The CRM's quasi-identifiers beside the chats, for the join only (removed below).
  const crm = path.join(root, '.crm-quasi.jsonl');
  await fsp.writeFile(
    crm,
    customers
      .map((c) =>
        JSON.stringify({ customer_id: c.id, birth_year: c.birth_year ?? null, postal_code: c.postal_code ?? null }),
      )
      .join('\n') + '\n',
    { mode: 0o600 },
  );
  try {
    await withDuckdb(async (db) => {
      await db.run(
        `COPY (SELECT row_number() OVER (ORDER BY c.customer_id, c.chat_id) AS id, c.customer_id, c.user_email,
                c.prompt || chr(10) || c.completion AS text, c.created_at, q.birth_year, q.postal_code
               FROM ${sourceOf(jsonl, 'jsonl')} c LEFT JOIN ${sourceOf(crm, 'jsonl')} q USING (customer_id)
               ORDER BY c.customer_id, c.chat_id)
           TO ${sqlString(parquet)} (FORMAT parquet)`,
      );
    });
  } finally {
    await fsp.rm(crm, { force: true });
  }
  await fsp.chmod(parquet, 0o600);
  await writeManifest(root, CHATS);
  await writeManifest(root, SNAPSHOT);
  return chats.length;
}
