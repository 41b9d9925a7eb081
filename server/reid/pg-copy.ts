// Streams `COPY (query) TO STDOUT` through a knex pool connection. Why COPY rather than a cursor:
// Postgres plans a cursor (DECLARE, or an Execute with a row limit) without parallel workers and
// for a fast first row, while COPY runs the query exactly as a bare SELECT would be run and sends
// the groups as CSV, which the byte-level CSV parser reads far faster than node-pg builds row
// objects. node-pg has no COPY helper of its own; this is the small "submittable" it supports
// (the mechanism pg-cursor and pg-copy-streams use), handling the messages of the simple query
// protocol. Data is handled synchronously as it arrives, so the socket is the back-pressure.
import type { Knex } from 'knex';
import type { PoolClient } from 'pg';

interface CopyDataMessage {
  chunk: Buffer;
}

class CopyOut {
  private failure: Error | null = null;
  readonly done: Promise<void>;
  private settle!: (err: Error | null) => void;
  callback?: unknown; // node-pg sets this when query() gets a callback; unused

  constructor(
    private readonly text: string,
    private readonly onData: (chunk: Buffer) => void,
  ) {
    this.done = new Promise((resolve, reject) => {
      this.settle = (err) => (err ? reject(err) : resolve());
    });
  }

  submit(connection: { query(text: string): void }): void {
    connection.query(this.text);
  }

  handleCopyData(msg: CopyDataMessage): void {
    if (this.failure) return; // a consumer error: ignore the rest until the backend is cancelled
    try {
      this.onData(msg.chunk);
    } catch (err) {
      this.failure = err as Error;
      this.onConsumerError?.();
    }
  }

  onConsumerError?: () => void;

  handleError(err: Error): void {
    this.settle(this.failure ?? err);
  }

  handleReadyForQuery(): void {
    this.settle(this.failure);
  }

  // Messages a COPY does not produce, kept for node-pg's interface.
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handleCommandComplete(): void {}
  handleEmptyQuery(): void {}
  handlePortalSuspended(): void {}
}

/**
 * Runs `COPY (<select>) TO STDOUT WITH (FORMAT csv, HEADER true)` and hands each chunk to onData.
 * An error thrown by onData, or the signal aborting, cancels the query on the server.
 */
export async function copyCsvOut(db: Knex, select: string, onData: (chunk: Buffer) => void, signal?: AbortSignal): Promise<void> {
  signal?.throwIfAborted();
  const client = (await db.client.acquireConnection()) as PoolClient & { processID: number };
  const copy = new CopyOut(`COPY (${select}) TO STDOUT WITH (FORMAT csv, HEADER true)`, onData);
  const cancel = () => {
    db.raw('SELECT pg_cancel_backend(?)', [client.processID]).catch(() => {});
  };
  copy.onConsumerError = cancel;
  signal?.addEventListener('abort', cancel, { once: true });
  try {
    client.query(copy as never);
    await copy.done;
    signal?.throwIfAborted();
  } catch (err) {
    signal?.throwIfAborted();
    throw err;
  } finally {
    signal?.removeEventListener('abort', cancel);
    await db.client.releaseConnection(client);
  }
}
