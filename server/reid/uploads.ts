// Uploaded CSVs live in Postgres until their run finishes. The worker streams them back in
// slices, so a large upload is never held twice in a worker's memory.
import type { Knex } from 'knex';

const SLICE_BYTES = 4 << 20;

export async function storeUpload(db: Knex, runId: string, bytes: Buffer): Promise<void> {
  await db('reid_uploads').insert({ run_id: runId, bytes, size: bytes.length });
}

export async function uploadSize(db: Knex, runId: string): Promise<number | null> {
  const row = await db('reid_uploads').where({ run_id: runId }).first('size');
  return row ? Number(row.size) : null;
}

export async function* readUpload(db: Knex, runId: string, size: number): AsyncGenerator<Uint8Array> {
  for (let offset = 0; offset < size; offset += SLICE_BYTES) {
    // substring() on bytea is 1-based.
    const row = await db('reid_uploads')
      .where({ run_id: runId })
      .first(db.raw('substring(bytes from ? for ?) AS slice', [offset + 1, SLICE_BYTES]));
    if (!row) throw new Error(`the upload of run ${runId} disappeared while it was read`);
    yield row.slice as Buffer;
  }
}

export const deleteUpload = (db: Knex, runId: string) => db('reid_uploads').where({ run_id: runId }).del();
