/**
 * One flag table per command (STYLE.md §5): the parser, `--help` and the README derive from it.
 * `--flag value` and `--flag=value`; repeatable flags collect; unknown flags are an error that
 * names the flag and lists the known ones.
 */
import { UsageError } from '../errors.js';

export type FlagType = 'string' | 'int' | 'bool' | 'list' | 'pairs';

export interface FlagSpec {
  readonly type: FlagType;
  readonly help: string;
  readonly default?: string;
  readonly value?: string; // placeholder in help, e.g. FILE
  /** Part of the public contract but not built yet: using it is a clear error saying so. */
  readonly notBuilt?: string;
}

export type FlagTable = Record<string, FlagSpec>;

export interface ParsedFlags {
  values: Record<string, string | number | boolean | string[] | Record<string, string>>;
  positional: string[];
}

export function parseFlags(command: string, table: FlagTable, argv: string[]): ParsedFlags {
  const values: ParsedFlags['values'] = {};
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    const spec = table[name];
    if (!spec) {
      throw new UsageError(
        `edgefront ${command}: unknown flag --${name}. Known flags: ${Object.keys(table)
          .map((f) => `--${f}`)
          .join(', ')}`,
      );
    }
    if (spec.notBuilt)
      throw new UsageError(`edgefront ${command}: --${name} is not built yet (${spec.notBuilt})`);
    if (spec.type === 'bool') {
      values[name] = eq === -1 ? true : arg.slice(eq + 1) !== 'false';
      continue;
    }
    const raw = eq === -1 ? argv[++i] : arg.slice(eq + 1);
    if (raw === undefined)
      throw new UsageError(`edgefront ${command}: --${name} needs a value (${spec.value ?? 'VALUE'})`);
    values[name] = addValue(command, name, spec, raw, values[name]);
  }
  return { values, positional };
}

function addValue(
  command: string,
  name: string,
  spec: FlagSpec,
  raw: string,
  previous: ParsedFlags['values'][string] | undefined,
): ParsedFlags['values'][string] {
  switch (spec.type) {
    case 'int': {
      const n = Number(raw);
      if (!Number.isInteger(n) || n < 0 || n > 65535) {
        throw new UsageError(
          `edgefront ${command}: --${name} must be a whole number from 0 to 65535, got "${raw}"`,
        );
      }
      return n;
    }
    case 'list':
      return [...((previous as string[] | undefined) ?? []), raw];
    case 'pairs': {
      const eq = raw.indexOf('=');
      if (eq <= 0)
        throw new UsageError(
          `edgefront ${command}: --${name} takes ${spec.value ?? 'KEY=VALUE'}, got "${raw}"`,
        );
      return {
        ...((previous as Record<string, string> | undefined) ?? {}),
        [raw.slice(0, eq)]: raw.slice(eq + 1),
      };
    }
    default:
      return raw;
  }
}

export function helpText(usage: string, summary: string, table: FlagTable): string {
  const rows = Object.entries(table)
    .filter(([, spec]) => !spec.notBuilt)
    .map(([name, spec]) => {
      const left = `  --${name}${spec.type === 'bool' ? '' : ` ${spec.value ?? 'VALUE'}`}`;
      const def = spec.default === undefined ? '' : ` (default: ${spec.default})`;
      return `${left.padEnd(34)} ${spec.help}${def}`;
    });
  return `Usage: ${usage}\n\n${summary}\n\nFlags:\n${rows.join('\n')}\n`;
}
