/**
 * Turns evaluated template resources into RawConfig entries. Lambda@Edge code is looked up
 * locally: inline `ZipFile`/`InlineCode`, a `Code`/`CodeUri` directory (the input form of
 * `aws cloudformation package` and `sam`), or the CDK asset directory named by the resource's
 * `aws:asset:path` metadata next to the template (`cdk.out/asset.<hash>`).
 */
import { resolve as resolvePath } from 'node:path';
import { type Issues, isObj, type Obj, str } from '../issues.js';
import type { LoadContext, RawConfig, RawLambda } from '../raw.js';
import type { Identity } from './resources.js';

export interface LiveResource {
  id: string;
  type: string;
  props: Obj;
  metadata: Obj;
  identity: Identity;
}

interface ConvertContext {
  file: string;
  baseDir: string;
  ctx: LoadContext;
  raw: RawConfig;
  issues: Issues;
  /** SAM `Globals.Function`, defaults for every AWS::Serverless::Function. */
  globals: Obj;
}

/** edgefront's own resource metadata: `Metadata: { edgefront: { LocalDir, Data } }`. */
function edgefrontMetadata(r: LiveResource): Obj {
  return isObj(r.metadata.edgefront) ? r.metadata.edgefront : {};
}

const POLICY_TARGETS = {
  'AWS::CloudFront::Distribution': 'distributions',
  'AWS::CloudFront::CachePolicy': 'cachePolicies',
  'AWS::CloudFront::OriginRequestPolicy': 'originRequestPolicies',
  'AWS::CloudFront::ResponseHeadersPolicy': 'responseHeadersPolicies',
  'AWS::CloudFront::OriginAccessControl': 'originAccessControls',
  'AWS::CloudFront::ContinuousDeploymentPolicy': 'continuousDeploymentPolicies',
  'AWS::CloudFront::CloudFrontOriginAccessIdentity': 'originAccessIdentities',
  'AWS::CloudFront::PublicKey': 'publicKeys',
  'AWS::CloudFront::KeyGroup': 'keyGroups',
} as const;

export function convertResources(live: LiveResource[], c: ConvertContext): void {
  const { file, baseDir, raw } = c;
  const functions = new Map<string, { r: LiveResource; lambda: Omit<RawLambda, 'Arn'> }>();
  for (const r of live) {
    const path = ['Resources', r.id, 'Properties'];
    const base = { file, path, baseDir, id: String(r.identity.ref) };
    if (r.type in POLICY_TARGETS) {
      raw[POLICY_TARGETS[r.type as keyof typeof POLICY_TARGETS]].push({ ...base, value: r.props });
    } else if (r.type === 'AWS::CloudFront::Function') {
      const { Name, FunctionConfig, FunctionCode } = r.props;
      raw.functions.push({
        ...base,
        id: String(Name),
        value: { Name, FunctionConfig, FunctionCode, Stage: r.identity.attrs.Stage },
      });
    } else if (r.type === 'AWS::CloudFront::KeyValueStore') {
      const data = str(edgefrontMetadata(r).Data);
      raw.keyValueStores.push({
        ...base,
        id: String(r.identity.attrs.Id),
        value: { Name: r.identity.ref, dataFile: data && resolvePath(baseDir, data) },
      });
    } else if (r.type === 'AWS::S3::Bucket') {
      const dir = str(edgefrontMetadata(r).LocalDir);
      if (dir)
        raw.buckets.push({
          ...base,
          path: ['Resources', r.id, 'Metadata', 'edgefront', 'LocalDir'],
          value: { name: String(r.identity.ref), dir: resolvePath(baseDir, dir) },
        });
    } else if (r.type === 'AWS::Lambda::Function' || r.type === 'AWS::Serverless::Function') {
      const lambda = lambdaOf(r, c);
      functions.set(r.id, { r, lambda });
      raw.lambdaFunctionArns.add(String(r.identity.attrs.Arn));
      const version = r.identity.subRefs?.Version;
      if (version) pushVersion(String(version), r, lambda, c);
    }
  }
  for (const r of live) {
    if (r.type !== 'AWS::Lambda::Version') continue;
    const fn = str(r.props.FunctionName);
    const target = [...functions.values()].find(
      ({ r: f }) => f.identity.ref === fn || f.identity.attrs.Arn === fn,
    );
    if (!target) {
      c.issues.note(
        `${file}: AWS::Lambda::Version "${r.id}" publishes a function not declared here; it cannot run at the edge`,
      );
      continue;
    }
    pushVersion(String(r.identity.ref), target.r, target.lambda, c);
  }
}

function pushVersion(arn: string, fn: LiveResource, lambda: Omit<RawLambda, 'Arn'>, c: ConvertContext): void {
  const path = ['Resources', fn.id, 'Properties'];
  if (lambda.codePath === undefined && lambda.inlineCode === undefined) {
    const key = fn.type === 'AWS::Serverless::Function' ? 'CodeUri' : 'Code';
    c.issues.add(
      c.file,
      [...path, key],
      'the code of this Lambda@Edge function is not on this machine',
      'point Code at a local directory (as `aws cloudformation package` expects), use ZipFile, or run `cdk synth` so its asset directory is next to the template',
    );
  }
  c.raw.lambdaFunctions.push({
    file: c.file,
    path,
    baseDir: c.baseDir,
    id: arn,
    value: { Arn: arn, ...lambda },
  });
}

function lambdaOf(r: LiveResource, c: ConvertContext): Omit<RawLambda, 'Arn'> {
  const sam = r.type === 'AWS::Serverless::Function';
  const p = sam ? { ...c.globals, ...r.props } : r.props;
  // Lambda's own defaults: 3 s timeout, 128 MB (Lambda Developer Guide, "Configuring functions").
  const out: Omit<RawLambda, 'Arn'> = {
    Handler: p.Handler,
    Runtime: p.Runtime,
    Timeout: p.Timeout ?? 3,
    MemorySize: p.MemorySize ?? 128,
  };
  const asset = str(r.metadata['aws:asset:path']);
  const code = sam ? (p.InlineCode !== undefined ? { ZipFile: p.InlineCode } : p.CodeUri) : p.Code;
  if (typeof code === 'string') out.codePath = resolvePath(c.baseDir, code);
  else if (isObj(code) && typeof code.ZipFile === 'string') out.inlineCode = code.ZipFile;
  else if (asset) out.codePath = resolvePath(c.baseDir, asset);
  return out;
}
