// One parsed policy file: its text, its YAML document with node ranges, and a way to turn a path
// inside the document (["rules", 3, "role"]) into the file:line:column of that node, so every
// problem points at the YAML the officer has to edit.
import { LineCounter, parseDocument, isMap, isSeq, isScalar, isPair, type Document, type Node } from 'yaml';
import type { Problem, SourceRef } from './types';

export type YamlPath = readonly (string | number)[];

export interface SourceFile {
  path: string; // relative to the bundle directory, forward slashes
  content: string;
  doc: Document.Parsed | null; // null when the text is not YAML at all
  lines: LineCounter;
}

export function parseSourceFile(path: string, content: string): { file: SourceFile; problems: Problem[] } {
  const lines = new LineCounter();
  // YAML 1.2 core schema: dates stay strings (we parse them ourselves), `yes`/`no` stay strings.
  const doc = parseDocument(content, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const file: SourceFile = { path, content, doc, lines };
  // Only the first syntax error: the parser's later errors are nearly always its confusion after it.
  const problems: Problem[] = doc.errors.slice(0, 1).map((e) => {
    const pos = lines.linePos(e.pos[0]);
    return { file: path, line: pos.line, column: pos.col, message: `YAML syntax error: ${firstLine(e.message)}` };
  });
  return { file, problems };
}

function firstLine(message: string): string {
  return message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
}

/** The position of the node at `path`, or of its nearest existing ancestor (a missing key points at its parent map). */
export function locate(file: SourceFile, path: YamlPath): SourceRef {
  const node = nodeAt(file, path);
  return position(file, node);
}

/** The position of the key `key` of the map at `path` (for "unknown key" problems); falls back to the map. */
export function locateKey(file: SourceFile, path: YamlPath, key: string): SourceRef {
  const parent = nodeAt(file, path);
  if (isMap(parent)) {
    const pair = parent.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === key);
    if (pair && isScalar(pair.key)) return position(file, pair.key);
  }
  return position(file, parent);
}

export function problemAt(file: SourceFile, path: YamlPath, message: string): Problem {
  return { ...locate(file, path), message };
}

function nodeAt(file: SourceFile, path: YamlPath): Node | null {
  const root = file.doc?.contents ?? null;
  let node: Node | null = root as Node | null;
  for (const segment of path) {
    let next: unknown = undefined;
    if (isMap(node)) next = node.get(segment as string, true);
    else if (isSeq(node) && typeof segment === 'number') next = node.get(segment, true);
    if (next === undefined || next === null || typeof next !== 'object') break;
    node = next as Node;
  }
  return node;
}

function position(file: SourceFile, node: Node | null): SourceRef {
  const offset = node?.range?.[0];
  if (offset === undefined) return { file: file.path, line: 1, column: 1 };
  const pos = file.lines.linePos(offset);
  return { file: file.path, line: pos.line, column: pos.col };
}

export function formatRef(ref: SourceRef): string {
  return `${ref.file}:${ref.line}:${ref.column}`;
}

export function formatProblem(p: Problem): string {
  return `${p.file}:${p.line}:${p.column}: ${p.message}`;
}
