// The access package as a ZIP, the format people can open with a double click on every desktop.
// yazl writes it; entries carry the package's build time so the same package gives the same bytes.
import type { ZipFile } from 'yazl';
import type { PackageFile } from './tar';

export async function toZip(files: PackageFile[], mtime = new Date()): Promise<Buffer> {
  // Loaded on first use (an access package), not at every start.
  const { default: yazl } = await import('yazl');
  const zip: ZipFile = new yazl.ZipFile();
  for (const f of files) {
    const body = Buffer.isBuffer(f.content) ? f.content : Buffer.from(f.content, 'utf8');
    zip.addBuffer(body, f.path, { mtime, mode: 0o100644 });
  }
  zip.end();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('error', reject);
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
  });
}
