// Preloaded into the web bench's web process (node --expose-gc --import ./bench/web-gc.mjs): on
// SIGUSR2 it collects every generation's garbage and writes process.memoryUsage() to the file named by
// BENCH_WEB_GC_FILE. The bench reads it to tell memory the process keeps from garbage not yet
// collected (V8 collects the old generation only when it needs to, so RSS alone mixes the two).
import fs from 'node:fs';

process.on('SIGUSR2', () => {
  // Twice: the second pass frees what the first one's weak callbacks released.
  global.gc();
  global.gc();
  // Written beside it and renamed: the bench waits for the file and must never read it half written.
  const file = process.env.BENCH_WEB_GC_FILE;
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(process.memoryUsage()));
  fs.renameSync(`${file}.tmp`, file);
});
