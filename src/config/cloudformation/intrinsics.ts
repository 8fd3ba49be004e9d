/**
 * CloudFormation intrinsic functions, evaluated the way CloudFormation does before it hands
 * properties to a resource (AWS CloudFormation User Guide, "Intrinsic function reference").
 * Errors become issues at the property's template path; evaluation carries on with `undefined`
 * so that one template reports all of its mistakes at once.
 */
import { type Issues, isObj, type Obj, type Path, suggest } from '../issues.js';

/** `Ref: AWS::NoValue`: the property (or list item) is removed. */
export const NO_VALUE: unique symbol = Symbol('AWS::NoValue');

export interface Scope {
  file: string;
  issues: Issues;
  region: string;
  /** Parameters and pseudo parameters by name. */
  refs: ReadonlyMap<string, unknown>;
  mappings: Obj;
  /** Resource Ref; undefined when no resource has that logical id (the scope adds no issue). */
  resourceRef(logicalId: string, path: Path): unknown;
  resourceAttr(logicalId: string, attribute: string, path: Path): unknown;
  hasResource(logicalId: string): boolean;
  condition(name: string, path: Path): boolean;
  /** Names for "did you mean" fixes. */
  knownRefs(): string[];
}

const SUPPORTED = [
  'Ref',
  'Fn::GetAtt',
  'Fn::Sub',
  'Fn::Join',
  'Fn::Select',
  'Fn::Split',
  'Fn::If',
  'Fn::Equals',
  'Fn::And',
  'Fn::Or',
  'Fn::Not',
  'Fn::FindInMap',
  'Fn::Base64',
  'Fn::GetAZs',
  'Fn::ToJsonString',
  'Fn::Length',
];

export function isIntrinsic(v: unknown): v is Obj {
  if (!isObj(v)) return false;
  const keys = Object.keys(v);
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'));
}

export class Evaluator {
  constructor(private readonly scope: Scope) {}

  private fail(path: Path, message: string, fix?: string): undefined {
    this.scope.issues.add(this.scope.file, path, message, fix);
    return undefined;
  }

  /** Evaluates every intrinsic in `value`; NO_VALUE items and properties are dropped. */
  evaluate(value: unknown, path: Path): unknown {
    if (Array.isArray(value)) {
      return value.map((v, i) => this.evaluate(v, [...path, i])).filter((v) => v !== NO_VALUE);
    }
    if (!isObj(value)) return value;
    if (isIntrinsic(value)) {
      const [fn] = Object.keys(value);
      return this.call(fn, value[fn], path);
    }
    const out: Obj = {};
    for (const [k, v] of Object.entries(value)) {
      const r = this.evaluate(v, [...path, k]);
      if (r !== NO_VALUE) out[k] = r;
    }
    return out;
  }

  /** A condition: `{ Condition: Name }`, a condition function, or a boolean. */
  condition(value: unknown, path: Path): boolean {
    if (isObj(value) && Object.keys(value).length === 1 && typeof value.Condition === 'string') {
      return this.scope.condition(value.Condition, [...path, 'Condition']);
    }
    const v = this.evaluate(value, path);
    if (v === true || v === 'true') return true;
    if (v === false || v === 'false') return false;
    if (v !== undefined)
      this.fail(path, 'expected a condition (Fn::Equals, Fn::And, Fn::Or, Fn::Not, Condition)');
    return false;
  }

  string(value: unknown, path: Path, what: string): string | undefined {
    const v = this.evaluate(value, path);
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    if (v !== undefined) this.fail(path, `${what} must evaluate to a string`);
    return undefined;
  }

  private list(value: unknown, path: Path, what: string): unknown[] | undefined {
    const v = this.evaluate(value, path);
    if (Array.isArray(v)) return v;
    if (v !== undefined) this.fail(path, `${what} must evaluate to a list`);
    return undefined;
  }

  private args(fn: string, arg: unknown, path: Path, min: number, max = min): unknown[] | undefined {
    if (Array.isArray(arg) && arg.length >= min && arg.length <= max) return arg;
    const n = min === max ? `${min}` : `${min}–${max}`;
    return this.fail(path, `${fn} takes a list of ${n} arguments`);
  }

  private call(fn: string, arg: unknown, path: Path): unknown {
    const at = [...path, fn];
    switch (fn) {
      case 'Ref':
        return this.ref(arg, at);
      case 'Fn::GetAtt':
        return this.getAtt(arg, at);
      case 'Fn::Sub':
        return this.sub(arg, at);
      case 'Fn::Join': {
        const a = this.args(fn, arg, at, 2);
        const delim = a && this.string(a[0], [...at, 0], 'the Fn::Join delimiter');
        const items = a && this.list(a[1], [...at, 1], 'the Fn::Join list');
        if (delim === undefined || !items) return undefined;
        return items.map((it) => (typeof it === 'object' ? JSON.stringify(it) : String(it))).join(delim);
      }
      case 'Fn::Select': {
        const a = this.args(fn, arg, at, 2);
        const index = a && Number(this.evaluate(a[0], [...at, 0]));
        const items = a && this.list(a[1], [...at, 1], 'the Fn::Select list');
        if (index === undefined || !items) return undefined;
        if (!Number.isInteger(index) || index < 0 || index >= items.length) {
          return this.fail(
            at,
            `Fn::Select index ${index} is out of range (the list has ${items.length} items)`,
          );
        }
        return items[index];
      }
      case 'Fn::Split': {
        const a = this.args(fn, arg, at, 2);
        const delim = a && this.string(a[0], [...at, 0], 'the Fn::Split delimiter');
        const source = a && this.string(a[1], [...at, 1], 'the Fn::Split source');
        if (delim === undefined || source === undefined) return undefined;
        return source.split(delim);
      }
      case 'Fn::If': {
        const a = this.args(fn, arg, at, 3);
        if (!a || typeof a[0] !== 'string')
          return this.fail(at, 'Fn::If takes [ConditionName, ValueIfTrue, ValueIfFalse]');
        const chosen = this.scope.condition(a[0], [...at, 0]) ? 1 : 2;
        return this.evaluate(a[chosen], [...at, chosen]);
      }
      case 'Fn::Equals': {
        const a = this.args(fn, arg, at, 2);
        if (!a) return undefined;
        const [x, y] = a.map((v, i) => this.evaluate(v, [...at, i]));
        return (
          JSON.stringify(typeof x === 'number' ? String(x) : x) ===
          JSON.stringify(typeof y === 'number' ? String(y) : y)
        );
      }
      case 'Fn::And':
      case 'Fn::Or': {
        const a = this.args(fn, arg, at, 2, 10);
        if (!a) return undefined;
        const values = a.map((c, i) => this.condition(c, [...at, i]));
        return fn === 'Fn::And' ? values.every(Boolean) : values.some(Boolean);
      }
      case 'Fn::Not': {
        const a = this.args(fn, arg, at, 1);
        return a ? !this.condition(a[0], [...at, 0]) : undefined;
      }
      case 'Fn::FindInMap':
        return this.findInMap(arg, at);
      case 'Fn::Base64': {
        const s = this.string(arg, at, 'Fn::Base64 input');
        return s === undefined ? undefined : Buffer.from(s, 'utf8').toString('base64');
      }
      case 'Fn::GetAZs': {
        const region = this.string(arg, at, 'Fn::GetAZs region') || this.scope.region;
        return ['a', 'b', 'c'].map((z) => region + z);
      }
      case 'Fn::ToJsonString': {
        const v = this.evaluate(arg, at);
        return v === undefined ? undefined : JSON.stringify(v);
      }
      case 'Fn::Length': {
        const items = this.list(arg, at, 'Fn::Length input');
        return items?.length;
      }
      default:
        return this.fail(
          at,
          `${fn} is not supported by edgefront`,
          SUPPORTED.includes(fn)
            ? undefined
            : 'replace it with a template parameter and pass --parameter KEY=VALUE',
        );
    }
  }

  private ref(arg: unknown, path: Path): unknown {
    if (typeof arg !== 'string') return this.fail(path, 'Ref takes the name of a parameter or resource');
    if (arg === 'AWS::NoValue') return NO_VALUE;
    if (this.scope.refs.has(arg)) return this.scope.refs.get(arg);
    if (this.scope.hasResource(arg)) return this.scope.resourceRef(arg, path);
    if (this.scope.refs.has(`AWS::${arg}`))
      return this.fail(
        path,
        `Ref to "${arg}": no parameter or resource has that name`,
        `did you mean the pseudo parameter "AWS::${arg}"?`,
      );
    return this.fail(
      path,
      `Ref to "${arg}": no parameter or resource has that name`,
      suggest(arg, this.scope.knownRefs(), 'parameters and resources'),
    );
  }

  private getAtt(arg: unknown, path: Path): unknown {
    let logicalId: unknown;
    let attribute: unknown;
    if (typeof arg === 'string') {
      const dot = arg.indexOf('.');
      if (dot > 0) [logicalId, attribute] = [arg.slice(0, dot), arg.slice(dot + 1)];
    } else if (Array.isArray(arg) && arg.length === 2) {
      logicalId = arg[0];
      attribute = this.evaluate(arg[1], [...path, 1]);
    }
    if (typeof logicalId !== 'string' || typeof attribute !== 'string') {
      return this.fail(path, 'Fn::GetAtt takes [LogicalId, Attribute] or "LogicalId.Attribute"');
    }
    if (!this.scope.hasResource(logicalId)) {
      return this.fail(
        path,
        `Fn::GetAtt: no resource "${logicalId}"`,
        suggest(logicalId, this.scope.knownRefs(), 'resources'),
      );
    }
    return this.scope.resourceAttr(logicalId, attribute, path);
  }

  private sub(arg: unknown, path: Path): unknown {
    let template: unknown = arg;
    let vars: Obj = {};
    if (Array.isArray(arg)) {
      if (arg.length !== 2 || !isObj(arg[1]))
        return this.fail(path, 'Fn::Sub takes a string or [String, { Var: Value }]');
      template = arg[0];
      const evaluated = this.evaluate(arg[1], [...path, 1]);
      vars = isObj(evaluated) ? evaluated : {};
    }
    if (typeof template !== 'string') return this.fail(path, 'Fn::Sub takes a string');
    let failed = false;
    const out = template.replace(/\$\{([^}]*)\}/g, (whole, name: string) => {
      if (name.startsWith('!')) return `\${${name.slice(1)}}`; // ${!Literal} is written out as ${Literal}
      const trimmed = name.trim();
      let value: unknown;
      if (trimmed in vars) value = vars[trimmed];
      else if (this.scope.refs.has(trimmed) || !trimmed.includes('.')) value = this.ref(trimmed, path);
      else value = this.getAtt(trimmed, path);
      if (value === undefined || value === NO_VALUE) {
        failed = true;
        return whole;
      }
      return typeof value === 'object' ? JSON.stringify(value) : String(value);
    });
    return failed ? undefined : out;
  }

  private findInMap(arg: unknown, path: Path): unknown {
    const a = this.args('Fn::FindInMap', arg, path, 3, 4);
    if (!a) return undefined;
    const [map, top, second] = a
      .slice(0, 3)
      .map((v, i) => this.string(v, [...path, i], 'a Fn::FindInMap key'));
    if (map === undefined || top === undefined || second === undefined) return undefined;
    const table = this.scope.mappings[map];
    if (!isObj(table))
      return this.fail(
        path,
        `Fn::FindInMap: no mapping "${map}"`,
        suggest(map, Object.keys(this.scope.mappings), 'Mappings'),
      );
    const row = table[top];
    if (!isObj(row))
      return this.fail(
        path,
        `Fn::FindInMap: mapping "${map}" has no key "${top}"`,
        suggest(top, Object.keys(table), 'keys'),
      );
    if (!(second in row))
      return this.fail(
        path,
        `Fn::FindInMap: "${map}.${top}" has no key "${second}"`,
        suggest(second, Object.keys(row), 'keys'),
      );
    return row[second];
  }
}
