/**
 * What `Ref` and `Fn::GetAtt` return for each resource type edgefront understands (the
 * "Return values" section of each type in the CloudFormation resource reference). Physical
 * names and ids are generated deterministically where CloudFormation would make them up.
 */
import { distributionId, nameSuffix, shortId, uuidLikeId } from '../ids.js';
import { functionArn, keyValueStoreArn } from '../raw.js';

export interface ResourceInfo {
  logicalId: string;
  type: string;
  file: string;
  accountId: string;
  region: string;
  stackName: string;
  /** Evaluates one property (for physical names: BucketName, FunctionName, Name …). */
  prop(name: string): unknown;
  /** 1-based number of an AWS::Lambda::Version among those of the same function. */
  versionNumber: number;
}

export interface Identity {
  ref: unknown;
  attrs: Record<string, unknown>;
  /** Extra `Ref: Logical.Name` targets (SAM: `Fn.Version`, `Fn.Alias`). */
  subRefs?: Record<string, unknown>;
}

/** CloudFormation's generated physical name: `<stack>-<logicalid>-<suffix>`, within `max` chars. */
function generatedName(r: ResourceInfo, max: number, lowercase: boolean): string {
  const suffix = nameSuffix(`${r.stackName}/${r.logicalId}`).toUpperCase();
  const name = `${r.stackName}-${r.logicalId}`.slice(0, max - suffix.length - 1) + `-${suffix}`;
  return lowercase ? name.toLowerCase() : name;
}

function nameProp(r: ResourceInfo, prop: string, max: number, lowercase = false): string {
  const v = r.prop(prop);
  return typeof v === 'string' && v ? v : generatedName(r, max, lowercase);
}

function policyIdentity(kind: string) {
  return (r: ResourceInfo): Identity => {
    const id = uuidLikeId(kind, r.file, r.logicalId);
    return { ref: id, attrs: { Id: id, LastModifiedTime: '2024-01-01T00:00:00Z' } };
  };
}

function shortIdentity(kind: string, extra: (id: string) => Record<string, unknown> = () => ({})) {
  return (r: ResourceInfo): Identity => {
    const id = shortId(kind, r.file, r.logicalId);
    return { ref: id, attrs: { Id: id, ...extra(id) } };
  };
}

function lambdaIdentity(r: ResourceInfo): Identity {
  const name = nameProp(r, 'FunctionName', 64);
  const arn = `arn:aws:lambda:${r.region}:${r.accountId}:function:${name}`;
  const identity: Identity = { ref: name, attrs: { Arn: arn } };
  const alias = r.prop('AutoPublishAlias');
  if (r.type === 'AWS::Serverless::Function' && typeof alias === 'string') {
    // SAM publishes version 1 and points the alias at it; `!Ref Fn.Version` is the version ARN.
    identity.subRefs = { Version: `${arn}:1`, Alias: `${arn}:${alias}` };
  }
  return identity;
}

export const RESOURCE_TYPES: Record<string, (r: ResourceInfo) => Identity> = {
  'AWS::CloudFront::Distribution': (r) => {
    const id = distributionId(r.file, r.logicalId);
    return { ref: id, attrs: { Id: id, DomainName: `${id.toLowerCase()}.edgefront.localhost` } };
  },
  'AWS::CloudFront::CachePolicy': policyIdentity('cache-policy'),
  'AWS::CloudFront::OriginRequestPolicy': policyIdentity('origin-request-policy'),
  'AWS::CloudFront::ResponseHeadersPolicy': policyIdentity('response-headers-policy'),
  'AWS::CloudFront::ContinuousDeploymentPolicy': policyIdentity('continuous-deployment-policy'),
  'AWS::CloudFront::OriginAccessControl': shortIdentity('oac'),
  'AWS::CloudFront::CloudFrontOriginAccessIdentity': shortIdentity('oai', (id) => ({
    S3CanonicalUserId: nameSuffix(`canonical/${id}`, 64),
  })),
  'AWS::CloudFront::PublicKey': shortIdentity('public-key', () => ({ CreatedTime: '2024-01-01T00:00:00Z' })),
  'AWS::CloudFront::KeyGroup': shortIdentity('key-group', () => ({
    LastModifiedTime: '2024-01-01T00:00:00Z',
  })),
  'AWS::CloudFront::Function': (r) => {
    const arn = functionArn(r.accountId, nameProp(r, 'Name', 64));
    const stage = r.prop('AutoPublish') === true || r.prop('AutoPublish') === 'true' ? 'LIVE' : 'DEVELOPMENT';
    return { ref: arn, attrs: { FunctionARN: arn, 'FunctionMetadata.FunctionARN': arn, Stage: stage } };
  },
  'AWS::CloudFront::KeyValueStore': (r) => {
    const name = nameProp(r, 'Name', 64);
    const id = uuidLikeId('key-value-store', r.file, name);
    return { ref: name, attrs: { Arn: keyValueStoreArn(r.accountId, id), Id: id, Status: 'READY' } };
  },
  'AWS::S3::Bucket': (r) => {
    const b = nameProp(r, 'BucketName', 63, true);
    return {
      ref: b,
      attrs: {
        Arn: `arn:aws:s3:::${b}`,
        DomainName: `${b}.s3.amazonaws.com`,
        RegionalDomainName: `${b}.s3.${r.region}.amazonaws.com`,
        DualStackDomainName: `${b}.s3.dualstack.${r.region}.amazonaws.com`,
        WebsiteURL: `http://${b}.s3-website-${r.region}.amazonaws.com`,
      },
    };
  },
  'AWS::Lambda::Function': lambdaIdentity,
  'AWS::Serverless::Function': lambdaIdentity,
  'AWS::Lambda::Version': (r) => {
    const fn = r.prop('FunctionName');
    const name = typeof fn === 'string' ? fn.replace(/^arn:aws:lambda:[^:]*:[^:]*:function:/, '') : 'unknown';
    const arn = `arn:aws:lambda:${r.region}:${r.accountId}:function:${name}:${r.versionNumber}`;
    return { ref: arn, attrs: { Version: String(r.versionNumber), FunctionArn: arn } };
  },
};

/** Resource types whose Ref/GetAtt callers need but which configure nothing at the edge. */
export function isUnderstood(type: string): boolean {
  return type in RESOURCE_TYPES;
}
