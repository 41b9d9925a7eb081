// A minimal POSIX ustar writer, so the access package is one download without a zip dependency:
// `tar -xf` and every archive tool opens it. Regular files only, names up to 100 bytes.

export interface PackageFile {
  path: string;
  content: string | Buffer;
}

export function toTar(files: PackageFile[], mtime = new Date()): Buffer {
  const blocks: Buffer[] = [];
  for (const f of files) {
    const body = Buffer.isBuffer(f.content) ? f.content : Buffer.from(f.content, 'utf8');
    blocks.push(header(f.path, body.length, mtime), body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024)); // two zero blocks end the archive
  return Buffer.concat(blocks);
}

function header(path: string, size: number, mtime: Date): Buffer {
  const name = Buffer.from(path, 'utf8');
  if (name.length > 100) throw new Error(`tar: path longer than 100 bytes: ${path}`);
  const h = Buffer.alloc(512);
  name.copy(h, 0);
  h.write(octal(0o644, 7), 100, 'ascii'); // mode
  h.write(octal(0, 7), 108, 'ascii'); // uid
  h.write(octal(0, 7), 116, 'ascii'); // gid
  h.write(octal(size, 11), 124, 'ascii');
  h.write(octal(Math.floor(mtime.getTime() / 1000), 11), 136, 'ascii');
  h.write('        ', 148, 'ascii'); // checksum counts as spaces while summing
  h.write('0', 156, 'ascii'); // regular file
  h.write('ustar\u000000', 257, 'ascii');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\u0000 ', 148, 'ascii');
  return h;
}

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width, '0') + '\u0000';
}
