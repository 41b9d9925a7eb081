// Validates one parsed file against its zod schema and turns every issue into a Problem that points
// at the offending YAML node (or, for a missing key, at the map that lacks it).
import { isMap, isScalar, visit, type Alias } from 'yaml';
import type { z } from 'zod';
import { API_VERSION } from './schemas';
import type { Problem } from './types';
import { locate, locateKey, problemAt, type SourceFile, type YamlPath } from './yaml-source';

type Issue = z.core.$ZodIssue;

export function validateFile<T>(file: SourceFile, schema: z.ZodType<T>): { data: T | null; problems: Problem[] } {
  const contents = file.doc?.contents;
  if (!isMap(contents)) {
    return { data: null, problems: [problemAt(file, [], 'a policy file is a YAML mapping that starts with apiVersion')] };
  }
  const problems: Problem[] = [];
  const firstKey = contents.items[0]?.key;
  if (!isScalar(firstKey) || firstKey.value !== 'apiVersion') {
    problems.push(problemAt(file, [], `every policy file starts with \`apiVersion: ${API_VERSION}\``));
  }
  const expanded = expand(file);
  if (!expanded.ok) return { data: null, problems: [...problems, expanded.problem] };
  const value = expanded.value;
  const result = schema.safeParse(value);
  if (!result.success) problems.push(...result.error.issues.flatMap((issue) => issueProblems(file, value, issue, [])));
  return { data: result.success && problems.length === 0 ? result.data : null, problems };
}

/** Aliases a policy file may use, and how far they may expand: far beyond any real bundle. */
export const MAX_ALIASES = 100;
const MAX_ALIAS_EXPANSION = 1_000;

/**
 * The file as plain data, or a problem at the first alias when aliases expand past the bound (a
 * "billion laughs" bundle): reported like any other problem, with file:line, never a 500.
 */
function expand(file: SourceFile): { ok: true; value: unknown } | { ok: false; problem: Problem } {
  const aliases: Alias[] = [];
  visit(file.doc!, {
    Alias(_key, node) {
      aliases.push(node);
    },
  });
  const at = (message: string): Problem => {
    const offset = aliases[0]?.range?.[0];
    const pos = offset === undefined ? { line: 1, col: 1 } : file.lines.linePos(offset);
    return { file: file.path, line: pos.line, column: pos.col, message };
  };
  if (aliases.length > MAX_ALIASES) return { ok: false, problem: at(`too many YAML aliases (${aliases.length}; at most ${MAX_ALIASES})`) };
  try {
    return { ok: true, value: file.doc!.toJS({ maxAliasCount: MAX_ALIAS_EXPANSION }) };
  } catch (e) {
    if (e instanceof ReferenceError || /alias/i.test((e as Error).message)) {
      return { ok: false, problem: at(`YAML aliases expand too far (more than ${MAX_ALIAS_EXPANSION} nodes): refused as a resource-exhaustion risk`) };
    }
    throw e;
  }
}

function issueProblems(file: SourceFile, root: unknown, issue: Issue, base: YamlPath): Problem[] {
  const path = [...base, ...(issue.path as (string | number)[])];
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    // Report the branch that got furthest into the value: that is the one the author meant. When
    // none got past the value itself, the union's own message says what is accepted.
    const branches = issue.errors.map((errs) => errs.flatMap((e) => issueProblemsWithDepth(file, root, e, path)));
    const best = branches.sort((a, b) => depth(b) - depth(a) || a.length - b.length)[0];
    if (depth(best) > path.length) return best.map((p) => p.problem);
  }
  const where = label(path);
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({ ...locateKey(file, path, key), message: `${where}unknown key "${key}"` }));
  }
  if (issue.code !== 'custom' && path.length > 0 && valueAt(root, path) === undefined) {
    const key = path[path.length - 1];
    return [{ ...locate(file, path.slice(0, -1)), message: `${label(path.slice(0, -1))}missing required key "${String(key)}"` }];
  }
  return [{ ...locate(file, path), message: `${where}${issue.message}` }];
}

function issueProblemsWithDepth(file: SourceFile, root: unknown, issue: Issue, base: YamlPath) {
  return issueProblems(file, root, issue, base).map((problem) => ({ problem, depth: base.length + issue.path.length }));
}

function depth(branch: { depth: number }[]): number {
  return Math.max(-1, ...branch.map((b) => b.depth));
}

function valueAt(root: unknown, path: YamlPath): unknown {
  let v: unknown = root;
  for (const segment of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[segment];
  }
  return v;
}

/** "rules[3].keep_for: " for messages; empty at the top of the file. */
function label(path: YamlPath): string {
  if (path.length === 0) return '';
  return path.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('') + ': ';
}
