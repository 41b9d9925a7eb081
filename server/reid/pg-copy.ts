// Streams `COPY (query) TO STDOUT` through a knex pool connection. Why COPY rather than a cursor:
// Postgres plans a cursor (DECLARE, or an Execute with a row limit) for a fast first row and
// without parallel workers, while COPY runs the query as a bare SELECT would run and sends the
// groups as CSV, which the byte-level CSV reader handles far faster than node-pg builds row
// objects. node-pg has no COPY helper of its own; this is the small "submittable" it supports
// (the mechanism pg-cursor and pg-copy-streams use) for the messages of the simple query protocol.
//
// Rows arrive one CopyData message each; they are copied into 1 MiB batches (one reader call per
// batch instead of per row) and counted from a queue between socket reads, so receiving never
// waits on counting; past QUEUE_HIGH queued bytes the socket is paused, which bounds the memory.
import type { Knex } from 'knex';
import type { PoolClient } from 'pg';

const BATCH = 1 << 20;
const QUEUE_HIGH = 32 << 20;
const QUEUE_LOW = 8 << 20;

interface Socket {
  pause(): void;
  resume(): void;
}

class CopyOut {
  private failure: Error | null = null;
  private batch = Buffer.allocUnsafe(BATCH);
  private used = 0;
  private readonly queue: Buffer[] = [];
  private queued = 0;
  private draining = false;
  private paused = false;
  private finished = false;
  private serverError: Error | null = null;
  readonly done: Promise<void>;
  private settle!: (err: Error | null) => void;
  callback?: unknown; // node-pg sets this when query() gets a callback; unused
  onConsumerError?: () => void;

  constructor(
    private readonly text: string,
    private readonly onData: (chunk: Buffer) => void,
    private readonly socket: Socket,
  ) {
    this.done = new Promise((resolve, reject) => {
      this.settle = (err) => (err ? reject(err) : resolve());
    });
  }

  submit(connection: { query(text: string): void }): void {
    connection.query(this.text);
  }

  handleCopyData(msg: { chunk: Buffer }): void {
    if (this.failure) return; // a consumer error: ignore the rest until the backend is cancelled
    const chunk = msg.chunk; // a view into node-pg's receive buffer: copy it before returning
    if (this.used + chunk.length > BATCH) this.flush();
    if (chunk.length > BATCH) this.enqueue(Buffer.from(chunk));
    else {
      chunk.copy(this.batch, this.used);
      this.used += chunk.length;
    }
  }

  handleError(err: Error): void {
    this.serverError = err;
    this.finish();
  }

  handleReadyForQuery(): void {
    this.finish();
  }

  // Messages a COPY does not produce, kept for node-pg's interface.
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handleCommandComplete(): void {}
  handleEmptyQuery(): void {}
  handlePortalSuspended(): void {}

  /** Stops counting (a consumer error, an abort): the rest is dropped while the server is cancelled. */
  stop(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    this.queue.length = 0;
    this.queued = 0;
    if (this.paused) {
      this.paused = false;
      this.socket.resume();
    }
    this.onConsumerError?.();
  }

  private finish(): void {
    this.finished = true;
    this.flush();
    this.drainSoon();
  }

  private flush(): void {
    if (this.used === 0) return;
    this.enqueue(this.batch.subarray(0, this.used));
    this.batch = Buffer.allocUnsafe(BATCH);
    this.used = 0;
  }

  private enqueue(buf: Buffer): void {
    this.queue.push(buf);
    this.queued += buf.length;
    if (!this.paused && this.queued > QUEUE_HIGH) {
      this.paused = true;
      this.socket.pause();
    }
    this.drainSoon();
  }

  private drainSoon(): void {
    if (this.draining) return;
    this.draining = true;
    setImmediate(() => this.drain());
  }

  /** Counts one batch per turn of the event loop, so socket reads keep flowing in between. */
  private drain(): void {
    this.draining = false;
    const buf = this.queue.shift();
    if (buf) {
      this.queued -= buf.length;
      if (!this.failure) {
        try {
          this.onData(buf);
        } catch (err) {
          this.stop(err as Error);
        }
      }
      if (this.paused && this.queued < QUEUE_LOW) {
        this.paused = false;
        this.socket.resume();
      }
    }
    if (this.queue.length > 0) this.drainSoon();
    else if (this.finished) this.settle(this.failure ?? this.serverError);
  }
}

/**
 * Runs `COPY (<select>) TO STDOUT WITH (FORMAT csv, HEADER true)` in a read-only transaction and
 * hands the rows to onData in batches of whole rows. `workMem` is set for that transaction only
 * (SET LOCAL). An error thrown by onData, or the signal aborting, cancels the query on the server.
 */
export async function copyCsvOut(
  db: Knex,
  select: string,
  onData: (chunk: Buffer) => void,
  options: { signal?: AbortSignal; workMem?: string } = {},
): Promise<void> {
  const { signal } = options;
  signal?.throwIfAborted();
  const client = (await db.client.acquireConnection()) as PoolClient & {
    processID: number;
    connection: { stream: Socket };
  };
  const copy = new CopyOut(
    `COPY (${select}) TO STDOUT WITH (FORMAT csv, HEADER true)`,
    onData,
    client.connection.stream,
  );
  const cancel = () => {
    db.raw('SELECT pg_cancel_backend(?)', [client.processID]).catch(() => {});
  };
  copy.onConsumerError = cancel;
  const abort = () => copy.stop(new DOMException('This operation was aborted', 'AbortError'));
  signal?.addEventListener('abort', abort, { once: true });
  try {
    await client.query('BEGIN READ ONLY');
    if (options.workMem) await client.query("SELECT set_config('work_mem', $1, true)", [options.workMem]);
    client.query(copy as never);
    await copy.done;
    await client.query('COMMIT');
    signal?.throwIfAborted();
  } catch (err) {
    client.connection.stream.resume();
    await client.query('ROLLBACK').catch(() => {});
    signal?.throwIfAborted();
    throw err;
  } finally {
    signal?.removeEventListener('abort', abort);
    await db.client.releaseConnection(client);
  }
}
