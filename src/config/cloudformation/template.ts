/**
 * Loads a CloudFormation template (YAML or JSON, as written by hand, `sam` or `cdk synth`):
 * parameters, conditions and intrinsics are evaluated, then every resource type edgefront
 * understands becomes a RawConfig entry at its template path (`Resources.X.Properties`).
 */
import { stackNameFromFile } from '../ids.js';
import { type Issues, isObj, type Obj, type Path, str, suggest } from '../issues.js';
import type { LoadContext, RawConfig } from '../raw.js';
import { convertResources } from './convert.js';
import { Evaluator, type Scope } from './intrinsics.js';
import { pseudoParameters, resolveParameters } from './parameters.js';
import { type Identity, isUnderstood, RESOURCE_TYPES } from './resources.js';

const TOP_LEVEL = [
  'AWSTemplateFormatVersion',
  'Description',
  'Metadata',
  'Parameters',
  'Rules',
  'Mappings',
  'Conditions',
  'Transform',
  'Resources',
  'Outputs',
  'Globals',
  'Hooks',
];
const RESOURCE_KEYS = [
  'Type',
  'Properties',
  'Condition',
  'DependsOn',
  'Metadata',
  'DeletionPolicy',
  'UpdateReplacePolicy',
  'CreationPolicy',
  'UpdatePolicy',
];

export function loadTemplate(
  doc: Obj,
  file: string,
  baseDir: string,
  ctx: LoadContext,
  raw: RawConfig,
  issues: Issues,
): void {
  for (const key of Object.keys(doc)) {
    if (!TOP_LEVEL.includes(key))
      issues.add(
        file,
        [key],
        `unknown template section "${key}"`,
        suggest(key, TOP_LEVEL, 'template sections'),
      );
  }
  const stackName = ctx.stackName ?? stackNameFromFile(file);
  const refs = pseudoParameters(ctx.accountId, ctx.region, stackName);
  for (const [k, v] of resolveParameters(doc.Parameters, ctx.parameters, file, issues)) refs.set(k, v);
  const resources: Record<string, Obj> = {};
  if (!isObj(doc.Resources))
    issues.add(file, ['Resources'], 'Resources must be a map of logical id to resource');
  else {
    for (const [id, r] of Object.entries(doc.Resources)) {
      if (isObj(r) && typeof r.Type === 'string') resources[id] = r;
      else
        issues.add(
          file,
          ['Resources', id],
          'a resource needs a Type',
          'add e.g. "Type: AWS::CloudFront::Distribution"',
        );
    }
  }
  const conditions = isObj(doc.Conditions) ? doc.Conditions : {};
  const conditionValues = new Map<string, boolean>();
  const identities = new Map<string, Identity>();
  const busy = new Set<string>();
  const versionNumbers = numberVersions(resources);

  const created = (id: string): boolean => {
    const c = resources[id]?.Condition;
    return c === undefined || (typeof c === 'string' && scope.condition(c, ['Resources', id, 'Condition']));
  };
  const identity = (id: string, path: Path): Identity | undefined => {
    const cached = identities.get(id);
    if (cached) return cached;
    if (busy.has(id)) {
      issues.add(file, path, `"${id}" refers to itself through its name properties`);
      return undefined;
    }
    busy.add(id);
    const r = resources[id];
    const props = isObj(r.Properties) ? r.Properties : {};
    const made = RESOURCE_TYPES[r.Type as string]({
      logicalId: id,
      type: r.Type as string,
      file,
      accountId: ctx.accountId,
      region: ctx.region,
      stackName,
      versionNumber: versionNumbers.get(id) ?? 1,
      prop: (name) =>
        props[name] === undefined
          ? undefined
          : evaluator.evaluate(props[name], ['Resources', id, 'Properties', name]),
    });
    busy.delete(id);
    identities.set(id, made);
    return made;
  };
  const placeholder = (id: string, what: string, value: string): string => {
    issues.note(
      `${file}: ${what} of ${resources[id].Type} "${id}" is a placeholder "${value}" (not used by edgefront)`,
    );
    return value;
  };
  const checkCreated = (id: string, path: Path): boolean => {
    if (created(id)) return true;
    issues.add(
      file,
      path,
      `"${id}" is not created (its Condition "${resources[id].Condition}" is false)`,
      'guard the reference with Fn::If on the same condition',
    );
    return false;
  };
  const scope: Scope = {
    file,
    issues,
    region: ctx.region,
    refs,
    mappings: isObj(doc.Mappings) ? doc.Mappings : {},
    hasResource: (id) =>
      id in resources ||
      (id.includes('.') && resources[id.split('.')[0]]?.Type === 'AWS::Serverless::Function'),
    knownRefs: () => [...[...refs.keys()].filter((k) => !k.startsWith('AWS::')), ...Object.keys(resources)],
    resourceRef(id, path) {
      const [base, sub] = id.includes('.') ? id.split('.', 2) : [id, undefined];
      if (!checkCreated(base, path)) return undefined;
      if (!isUnderstood(resources[base].Type as string)) return placeholder(base, 'Ref', `<${id}>`);
      const made = identity(base, path);
      if (sub === undefined) return made?.ref;
      const v = made?.subRefs?.[sub];
      if (v === undefined)
        issues.add(
          file,
          path,
          `Ref to "${id}": "${base}" has no ${sub}`,
          'set AutoPublishAlias on the function',
        );
      return v;
    },
    resourceAttr(id, attribute, path) {
      if (!checkCreated(id, path)) return undefined;
      if (!isUnderstood(resources[id].Type as string))
        return placeholder(id, 'Fn::GetAtt', `<${id}.${attribute}>`);
      const made = identity(id, path);
      if (!made) return undefined;
      if (attribute in made.attrs) return made.attrs[attribute];
      issues.add(
        file,
        path,
        `${resources[id].Type} "${id}" has no attribute "${attribute}"`,
        suggest(attribute, Object.keys(made.attrs), 'attributes'),
      );
      return undefined;
    },
    condition(name, path) {
      const known = conditionValues.get(name);
      if (known !== undefined) return known;
      if (!(name in conditions)) {
        issues.add(
          file,
          path,
          `no condition "${name}"`,
          suggest(name, Object.keys(conditions), 'Conditions'),
        );
        return false;
      }
      conditionValues.set(name, false); // breaks cycles; CloudFormation rejects them anyway
      const v = evaluator.condition(conditions[name], ['Conditions', name]);
      conditionValues.set(name, v);
      return v;
    },
  };
  const evaluator = new Evaluator(scope);
  for (const name of Object.keys(conditions)) scope.condition(name, ['Conditions', name]);

  const live: { id: string; type: string; props: Obj; metadata: Obj; identity: Identity }[] = [];
  for (const [id, r] of Object.entries(resources)) {
    for (const key of Object.keys(r)) {
      if (!RESOURCE_KEYS.includes(key))
        issues.add(
          file,
          ['Resources', id, key],
          `unknown resource attribute "${key}"`,
          suggest(key, RESOURCE_KEYS, 'resource attributes'),
        );
    }
    const type = r.Type as string;
    if (!created(id)) {
      issues.note(`${file}: skipping ${type} "${id}" (condition "${r.Condition}" is false)`);
      continue;
    }
    if (!isUnderstood(type)) {
      issues.note(`${file}: skipping ${type} "${id}" (not used by edgefront)`);
      continue;
    }
    const path = ['Resources', id, 'Properties'];
    const evaluated = r.Properties === undefined ? {} : evaluator.evaluate(r.Properties, path);
    if (!isObj(evaluated)) {
      issues.add(file, path, 'Properties must be a map');
      continue;
    }
    const made = identity(id, path);
    if (made)
      live.push({
        id,
        type,
        props: evaluated,
        metadata: isObj(r.Metadata) ? r.Metadata : {},
        identity: made,
      });
  }
  if (isObj(doc.Outputs)) {
    for (const [name, out] of Object.entries(doc.Outputs)) {
      const cond = isObj(out) ? str(out.Condition) : undefined;
      if (isObj(out) && (cond === undefined || scope.condition(cond, ['Outputs', name, 'Condition'])))
        evaluator.evaluate(out.Value, ['Outputs', name, 'Value']);
    }
  }
  const globals =
    isObj(doc.Globals) && isObj(doc.Globals.Function)
      ? evaluator.evaluate(doc.Globals.Function, ['Globals', 'Function'])
      : {};
  convertResources(live, { file, baseDir, ctx, raw, issues, globals: isObj(globals) ? globals : {} });
}

/** AWS::Lambda::Version n = 1, 2, … per function, in template order. */
function numberVersions(resources: Record<string, Obj>): Map<string, number> {
  const counts = new Map<string, number>();
  const out = new Map<string, number>();
  for (const [id, r] of Object.entries(resources)) {
    if (r.Type !== 'AWS::Lambda::Version') continue;
    const key = JSON.stringify(isObj(r.Properties) ? r.Properties.FunctionName : null);
    const n = (counts.get(key) ?? 0) + 1;
    counts.set(key, n);
    out.set(id, n);
  }
  return out;
}
