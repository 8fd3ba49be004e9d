/**
 * Shared zod pieces and the mapping of zod issues to ConfigIssues (STYLE.md §5). Numbers and
 * booleans are accepted as strings too, as CloudFormation does (a `Ref` to a Number parameter
 * is the string "3").
 */
import * as z from 'zod';
import { closest, type Issues, type Path, quoteList } from '../issues.js';

export const int = (min?: number, max?: number) => {
  let n = z.number().int();
  if (min !== undefined) n = n.min(min);
  if (max !== undefined) n = n.max(max);
  return z.preprocess((v) => (typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : v), n);
};

export const bool = () => z.preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean());

/** Every property name a schema knows, for "did you mean" on unknown properties. */
export const VOCABULARY = new Set<string>();

/** A strict object (unknown properties are issues, as CloudFormation rejects them). */
export function shape<T extends z.ZodRawShape>(fields: T) {
  for (const k of Object.keys(fields)) VOCABULARY.add(k);
  return z.strictObject(fields);
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${JSON.stringify(v)}`;
}

/** Reports every zod issue at `base` + its path, with a message and a fix. */
export function reportZodIssues(error: z.ZodError, file: string, base: Path, issues: Issues): void {
  for (const issue of error.issues) {
    const path: Path = [...base, ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))];
    const input = (issue as { input?: unknown }).input;
    switch (issue.code) {
      case 'unrecognized_keys':
        for (const key of issue.keys) {
          const near = closest(key, VOCABULARY);
          issues.add(
            file,
            [...path, key],
            `unknown property "${key}"`,
            near ? `did you mean "${near}"?` : 'remove it',
          );
        }
        break;
      case 'invalid_type':
        if (input === undefined)
          issues.add(file, path, `missing required property ${path.at(-1) ?? ''}`.trim());
        else issues.add(file, path, `expected ${issue.expected}, got ${describe(input)}`);
        break;
      case 'invalid_value':
        issues.add(
          file,
          path,
          `${describe(input)} is not allowed`,
          `use one of ${quoteList(issue.values.map(String))}`,
        );
        break;
      case 'too_small':
      case 'too_big': {
        if (!/^Too (small|big)/.test(issue.message)) {
          issues.add(file, path, issue.message); // the schema's own wording
          break;
        }
        const small = issue.code === 'too_small';
        const limit = small
          ? (issue as { minimum: unknown }).minimum
          : (issue as { maximum: unknown }).maximum;
        const what = issue.origin === 'array' ? 'items' : issue.origin === 'string' ? 'characters' : '';
        const msg = what
          ? `${small ? 'needs at least' : 'allows at most'} ${limit} ${what}`
          : `${describe(input)} is ${small ? 'below the minimum' : 'above the maximum'} ${limit}`;
        issues.add(file, path, msg);
        break;
      }
      default:
        issues.add(file, path, issue.message);
    }
  }
}

/** Parses with `schema`; issues are reported and `undefined` is returned on failure. */
export function parseWith<T extends z.ZodType>(
  schema: T,
  value: unknown,
  file: string,
  base: Path,
  issues: Issues,
): z.output<T> | undefined {
  const result = schema.safeParse(value, { reportInput: true });
  if (result.success) return result.data;
  reportZodIssues(result.error, file, base, issues);
  return undefined;
}
