// The globs of `engine: files` datasets (issue 20): a path relative to the system's root with `*` and
// `?` in its last segment only. One definition, used by `policy check` and by the files engine, so a
// glob the check accepts is exactly one the engine can list.
import path from 'node:path';

export type FileFormat = 'csv' | 'jsonl' | 'parquet';

const EXTENSIONS: Record<FileFormat, string[]> = {
  csv: ['.csv', '.tsv', '.txt'],
  jsonl: ['.jsonl', '.ndjson', '.json'],
  parquet: ['.parquet', '.pq'],
};

/** Why a dataset's glob cannot be used with this format, or null when it can. */
export function globProblem(glob: string, format: FileFormat): string | null {
  if (glob.includes('\\')) return `glob "${glob}" uses a backslash: write paths with /`;
  if (path.posix.isAbsolute(glob)) return `glob "${glob}" is absolute: files must lie under the system's root, named relative to it`;
  const parts = glob.split('/');
  if (parts.some((p) => p === '..')) return `glob "${glob}" leaves the system's root (..): files must lie under the system's root`;
  if (parts.some((p) => p === '')) return `glob "${glob}" has an empty path segment`;
  if (parts.slice(0, -1).some((p) => /[*?[\]{}]/.test(p)))
    return `glob "${glob}": wildcards are allowed in the file name only, not in directories`;
  const last = parts[parts.length - 1];
  if (/[[\]{}]/.test(last)) return `glob "${glob}": only * and ? are supported`;
  const ext = path.posix.extname(last).toLowerCase();
  if (ext && !ext.includes('*') && !EXTENSIONS[format].includes(ext))
    return `glob "${glob}" names ${ext} files but the format is ${format} (expected ${EXTENSIONS[format].join(', ')})`;
  return null;
}

/** The directory (relative) and a matcher for file names of a glob globProblem accepts. */
export function globParts(glob: string): { dir: string; matches: (name: string) => boolean } {
  const dir = path.posix.dirname(glob);
  const pattern = new RegExp(
    '^' +
      path.posix
        .basename(glob)
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '[^/]*')
        .replace(/\?/g, '[^/]') +
      '$',
  );
  return { dir, matches: (name) => pattern.test(name) };
}
