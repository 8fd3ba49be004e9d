/**
 * Template `Parameters`: each gets its `--parameter` value or its `Default`, checked against the
 * parameter's own constraints (AllowedValues, AllowedPattern, lengths, MinValue/MaxValue), as
 * CloudFormation does at stack creation ("Parameters" in the CloudFormation User Guide).
 */
import { type Issues, isObj, num, type Obj, quoteList, str } from '../issues.js';

/** Pseudo parameters (CloudFormation User Guide, "Pseudo parameters reference"). */
export function pseudoParameters(accountId: string, region: string, stackName: string): Map<string, unknown> {
  return new Map<string, unknown>([
    ['AWS::AccountId', accountId],
    ['AWS::Region', region],
    ['AWS::StackName', stackName],
    [
      'AWS::StackId',
      `arn:aws:cloudformation:${region}:${accountId}:stack/${stackName}/00000000-0000-4000-a000-000000000000`,
    ],
    ['AWS::Partition', 'aws'],
    ['AWS::URLSuffix', 'amazonaws.com'],
    ['AWS::NotificationARNs', []],
  ]);
}

const LIST_TYPES = /^(CommaDelimitedList|List<.+>)$/;

export function resolveParameters(
  declared: unknown,
  given: Record<string, string>,
  file: string,
  issues: Issues,
): Map<string, unknown> {
  const values = new Map<string, unknown>();
  if (declared === undefined || declared === null) return values;
  if (!isObj(declared)) {
    issues.add(file, ['Parameters'], 'Parameters must be a map of parameter name to declaration');
    return values;
  }
  for (const [name, decl] of Object.entries(declared)) {
    const path = ['Parameters', name];
    if (!isObj(decl)) {
      issues.add(file, path, 'expected a parameter declaration with a Type');
      continue;
    }
    const type = str(decl.Type) ?? '';
    if (!type)
      issues.add(file, [...path, 'Type'], 'missing Type', 'use String, Number or CommaDelimitedList');
    const fromFlag = Object.hasOwn(given, name);
    const raw = fromFlag ? given[name] : decl.Default;
    if (raw === undefined || raw === null) {
      issues.add(
        file,
        path,
        `parameter "${name}" has no Default and no value`,
        `pass --parameter ${name}=VALUE or add a Default`,
      );
      continue;
    }
    const text = Array.isArray(raw) ? raw.join(',') : String(raw);
    const where = fromFlag ? `--parameter ${name}=${text}` : `the Default of "${name}"`;
    const items = LIST_TYPES.test(type) ? (text === '' ? [] : text.split(',').map((s) => s.trim())) : [text];
    for (const item of items) checkValue(item, decl, type, path, where, file, issues);
    values.set(name, LIST_TYPES.test(type) ? items : text);
  }
  return values;
}

function checkValue(
  value: string,
  decl: Obj,
  type: string,
  path: (string | number)[],
  where: string,
  file: string,
  issues: Issues,
): void {
  const isNumber = type === 'Number' || type === 'List<Number>';
  if (isNumber && num(value) === undefined) {
    issues.add(file, path, `${where}: "${value}" is not a number`);
    return;
  }
  if (Array.isArray(decl.AllowedValues) && !decl.AllowedValues.map(String).includes(value)) {
    issues.add(
      file,
      path,
      `${where}: "${value}" is not an allowed value`,
      `use one of ${quoteList(decl.AllowedValues.map(String))}`,
    );
  }
  const pattern = str(decl.AllowedPattern);
  if (pattern !== undefined && !new RegExp(`^(?:${pattern})$`).test(value)) {
    issues.add(
      file,
      path,
      `${where}: "${value}" does not match AllowedPattern ${pattern}`,
      str(decl.ConstraintDescription),
    );
  }
  const [minLength, maxLength] = [num(decl.MinLength), num(decl.MaxLength)];
  if (minLength !== undefined && value.length < minLength)
    issues.add(file, path, `${where}: shorter than MinLength ${minLength}`);
  if (maxLength !== undefined && value.length > maxLength)
    issues.add(file, path, `${where}: longer than MaxLength ${maxLength}`);
  const [minValue, maxValue, n] = [num(decl.MinValue), num(decl.MaxValue), Number(value)];
  if (minValue !== undefined && n < minValue)
    issues.add(file, path, `${where}: ${value} is below MinValue ${minValue}`);
  if (maxValue !== undefined && n > maxValue)
    issues.add(file, path, `${where}: ${value} is above MaxValue ${maxValue}`);
}
