/**
 * Issue collection for config loading (STYLE.md §5): every check adds to one list and loading
 * fails once, at the end, with all of them. Lines come from the YAML source index of each file.
 */
import type { ConfigIssue } from '../errors.js';

export type Path = (string | number)[];
export type Obj = Record<string, unknown>;

/** Maps a JSON path to the 1-based line where it starts in the file (yaml-source.ts builds it). */
export interface LineIndex {
  lineOf(path: readonly (string | number)[]): number | undefined;
}

export class Issues {
  readonly list: ConfigIssue[] = [];
  readonly notes: string[] = [];
  private readonly lines = new Map<string, LineIndex>();
  private readonly seen = new Set<string>();

  registerLines(file: string, index: LineIndex): void {
    this.lines.set(file, index);
  }

  add(file: string, path: Path, message: string, fix?: string): void {
    // The same property can be evaluated twice (a physical name, then the whole resource).
    const key = JSON.stringify([file, path, message]);
    if (this.seen.has(key)) return;
    this.seen.add(key);
    const line = this.lines.get(file)?.lineOf(path);
    const issue: ConfigIssue = { file, path: [...path], message };
    if (fix) issue.fix = fix;
    if (line) issue.line = line;
    this.list.push(issue);
  }

  note(message: string): void {
    if (!this.notes.includes(message)) this.notes.push(message);
  }

  get count(): number {
    return this.list.length;
  }
}

/** Where a piece of config came from: issues about it are reported at `path` in `file`. */
export interface Entry<T = Obj> {
  file: string;
  path: Path;
  /** Directory that relative paths (Code, Data, bucket dirs) resolve against. */
  baseDir: string;
  /** Id as given or generated (distributions, policies, OACs, KVS). */
  id: string;
  value: T;
}

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** Numbers as CloudFormation accepts them: 3 or "3". */
export function num(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v.trim())) return Number(v);
  return undefined;
}

/** `"a", "b" and "c"` for messages. */
export function quoteList(items: readonly string[], none = '(none)'): string {
  if (items.length === 0) return none;
  const shown = items.slice(0, 12).map((s) => JSON.stringify(s));
  return shown.join(', ') + (items.length > 12 ? `, … (${items.length} in all)` : '');
}

/** Levenshtein distance, for "did you mean" fixes. */
export function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length];
}

/** The closest known name, when it is close enough to be a typo. */
export function closest(name: string, known: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Number.POSITIVE_INFINITY;
  for (const k of known) {
    const d = k.toLowerCase() === name.toLowerCase() ? 0 : distance(name, k);
    if (d < bestD) [best, bestD] = [k, d];
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(name.length / 4)) ? best : undefined;
}

/** Fix text for an unknown name: "did you mean X?" or the list of what exists. */
export function suggest(name: string, known: readonly string[], what: string): string {
  const near = closest(name, known);
  if (near) return `did you mean ${JSON.stringify(near)}?`;
  return `use one of the ${what}: ${quoteList(known)}`;
}
