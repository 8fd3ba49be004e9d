// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Fn::Sub strings use ${Name}
/**
 * CloudFormation templates end to end: short-form YAML tags, Parameters (defaults, overrides,
 * constraints), Conditions on resources, Ref/GetAtt return values, skipped resource types.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { type LoadOptions, loadConfigFiles } from '../../../src/config/load.js';
import { ConfigError, type ConfigIssue } from '../../../src/errors.js';
import { assertIssue } from './helpers.js';

const DIST = `
  CDN:
    Type: AWS::CloudFront::Distribution
    Properties:
      DistributionConfig:
        Enabled: true
        Comment: COMMENT
        Origins:
          - Id: site
            DomainName: !GetAtt Bucket.RegionalDomainName
            S3OriginConfig: {}
        DefaultCacheBehavior:
          TargetOriginId: site
          ViewerProtocolPolicy: allow-all
          CachePolicyId: CachingOptimized
`;

function write(text: string, name = 'template.yaml'): string {
  const dir = mkdtempSync(join(tmpdir(), 'edgefront-cfn-'));
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

function template(body: string, comment = "'plain'"): string {
  return `AWSTemplateFormatVersion: '2010-09-09'\n${body}\nResources:\n  Bucket:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: my-site\n${DIST.replace('COMMENT', comment)}`;
}

async function issues(text: string, options: LoadOptions = {}): Promise<ConfigIssue[]> {
  try {
    await loadConfigFiles([write(text)], options);
  } catch (err) {
    if (err instanceof ConfigError) return err.issues;
    throw err;
  }
  return assert.fail('expected a ConfigError');
}

test('short-form tags and pseudo parameters evaluate in YAML templates', async () => {
  const file = write(template('', "!Sub '${AWS::StackName} in ${AWS::Region} (${AWS::AccountId})'"));
  const { model } = await loadConfigFiles([file], { accountId: '111122223333', region: 'eu-west-1' });
  const d = model.distributions[0];
  assert.equal(d.DistributionConfig.Comment, 'template in eu-west-1 (111122223333)');
  const origin = d.origins.get('site');
  assert.equal(origin?.config.DomainName, 'my-site.s3.eu-west-1.amazonaws.com');
  assert.equal(origin?.bucket, 'my-site');
  assert.equal(origin?.region, 'eu-west-1');
});

test('parameters: Default, --parameter override, AllowedValues', async () => {
  const params = 'Parameters:\n  Env:\n    Type: String\n    Default: dev\n    AllowedValues: [dev, prod]';
  const file = write(template(params, '!Ref Env'));
  assert.equal((await loadConfigFiles([file])).model.distributions[0].DistributionConfig.Comment, 'dev');
  const prod = await loadConfigFiles([file], { parameters: { Env: 'prod' } });
  assert.equal(prod.model.distributions[0].DistributionConfig.Comment, 'prod');
  const bad = await issues(template(params, '!Ref Env'), { parameters: { Env: 'qa' } });
  assertIssue(bad, ['Parameters', 'Env'], /"qa" is not an allowed value/);
});

test('a parameter with no Default and no value is an issue naming the flag to pass', async () => {
  const found = await issues(template('Parameters:\n  Domain:\n    Type: String', '!Ref Domain'));
  const issue = assertIssue(found, ['Parameters', 'Domain'], /no Default and no value/);
  assert.match(issue.fix ?? '', /--parameter Domain=VALUE/);
  assert.equal(issue.line, 3);
});

test('Number parameters are checked and usable for integer properties', async () => {
  const body = 'Parameters:\n  Attempts:\n    Type: Number\n    Default: 2';
  const text = template(body).replace(
    'S3OriginConfig: {}',
    'S3OriginConfig: {}\n            ConnectionAttempts: !Ref Attempts',
  );
  const { model } = await loadConfigFiles([write(text)]);
  assert.equal(model.distributions[0].origins.get('site')?.config.ConnectionAttempts, 2);
  const bad = await issues(text, { parameters: { Attempts: 'two' } });
  assertIssue(bad, ['Parameters', 'Attempts'], /not a number/);
});

test('a resource whose Condition is false is skipped with a note; Fn::If picks values', async () => {
  const body = [
    'Parameters:\n  Env:\n    Type: String\n    Default: dev',
    'Conditions:\n  IsProd: !Equals [!Ref Env, prod]',
  ].join('\n');
  const text =
    template(body, '!If [IsProd, production, development]') +
    '  Extra:\n    Type: AWS::CloudFront::CachePolicy\n    Condition: IsProd\n    Properties:\n      CachePolicyConfig: {}\n';
  const { model, notes } = await loadConfigFiles([write(text)]);
  assert.equal(model.distributions[0].DistributionConfig.Comment, 'development');
  assert.ok(
    notes.some((n) =>
      /skipping AWS::CloudFront::CachePolicy "Extra" \(condition "IsProd" is false\)/.test(n),
    ),
  );
  const prod = await issues(text, { parameters: { Env: 'prod' } });
  assertIssue(prod, ['Resources', 'Extra', 'Properties', 'CachePolicyConfig', 'Name'], /missing required/);
});

test('AWS::NoValue removes an optional property', async () => {
  const text = template('', "'x'").replace(
    'ViewerProtocolPolicy: allow-all',
    'ViewerProtocolPolicy: allow-all\n          Compress: !Ref AWS::NoValue',
  );
  const { model } = await loadConfigFiles([write(text)]);
  assert.equal(model.distributions[0].behaviors[0].config.Compress, false); // the default
});

test('other resource types are skipped with one note each; their GetAtt is a placeholder', async () => {
  const text = template('', '!GetAtt Role.Arn') + '  Role:\n    Type: AWS::IAM::Role\n    Properties: {}\n';
  const file = write(text);
  const { model, notes } = await loadConfigFiles([file]);
  assert.equal(model.distributions[0].DistributionConfig.Comment, '<Role.Arn>');
  assert.ok(notes.includes(`${file}: skipping AWS::IAM::Role "Role" (not used by edgefront)`));
});

test('an unknown attribute is an issue naming the resource and the attributes it has', async () => {
  const found = await issues(template('', '!GetAtt Bucket.DomainNam'));
  const issue = assertIssue(
    found,
    ['Resources', 'CDN', 'Properties', 'DistributionConfig', 'Comment', 'Fn::GetAtt'],
    /AWS::S3::Bucket "Bucket" has no attribute "DomainNam"/,
  );
  assert.match(issue.fix ?? '', /DomainName/);
  assert.equal(issue.line, 14); // the Comment line
});

test('Ref/GetAtt values of CloudFront resources follow the CloudFormation return values', async () => {
  const values =
    '!Join [" ", [!Ref Fn, !GetAtt Fn.Stage, !GetAtt Kvs.Arn, !Ref Kvs, !GetAtt Bucket.WebsiteURL]]';
  const headers = `OriginCustomHeaders: [{ HeaderName: X-Values, HeaderValue: ${values} }]`;
  const text =
    template('', "'x'").replace('S3OriginConfig: {}', `S3OriginConfig: {}\n            ${headers}`) +
    '  Fn:\n    Type: AWS::CloudFront::Function\n    Properties:\n      Name: f1\n      AutoPublish: true\n      FunctionCode: "function handler(e) { return e.request; }"\n      FunctionConfig: { Comment: c, Runtime: cloudfront-js-2.0 }\n' +
    '  Kvs:\n    Type: AWS::CloudFront::KeyValueStore\n    Properties:\n      Name: store\n';
  const { model } = await loadConfigFiles([write(text)]);
  const header = model.distributions[0].origins.get('site')?.config.OriginCustomHeaders[0];
  const [ref, stage, kvsArn, kvsRef, website] = (header?.HeaderValue ?? '').split(' ');
  assert.equal(ref, 'arn:aws:cloudfront::123456789012:function/f1');
  assert.equal(stage, 'LIVE');
  assert.match(kvsArn, /^arn:aws:cloudfront::123456789012:key-value-store\/[0-9a-f-]{36}$/);
  assert.equal(kvsRef, 'store');
  assert.equal(website, 'http://my-site.s3-website-us-east-1.amazonaws.com');
  assert.ok(model.keyValueStores.has(kvsArn));
});

test('a generated bucket name is lowercase <stack>-<logicalid>-<suffix> and stable', async () => {
  const text = template('', '!Ref Bucket2') + '  Bucket2:\n    Type: AWS::S3::Bucket\n';
  const a = await loadConfigFiles([write(text, 'Site.yaml')]);
  const b = await loadConfigFiles([write(text, 'Site.yaml')]);
  const name = a.model.distributions[0].DistributionConfig.Comment;
  assert.match(name, /^site-bucket2-[0-9a-f]{12}$/);
  assert.equal(b.model.distributions[0].DistributionConfig.Comment, name);
});

test('JSON templates (as cdk synth writes them) load like YAML ones', async () => {
  const json = {
    Resources: {
      CDN: {
        Type: 'AWS::CloudFront::Distribution',
        Properties: {
          DistributionConfig: {
            Enabled: true,
            Comment: { 'Fn::Join': ['-', ['a', { Ref: 'AWS::Partition' }, { Ref: 'AWS::URLSuffix' }]] },
            Origins: [
              {
                Id: 'o',
                DomainName: 'example.com',
                CustomOriginConfig: { OriginProtocolPolicy: 'https-only' },
              },
            ],
            DefaultCacheBehavior: {
              TargetOriginId: 'o',
              ViewerProtocolPolicy: 'allow-all',
              CachePolicyId: 'CachingDisabled',
            },
          },
        },
      },
    },
  };
  const { model } = await loadConfigFiles([write(JSON.stringify(json, null, 1), 't.template.json')]);
  assert.equal(model.distributions[0].DistributionConfig.Comment, 'a-aws-amazonaws.com');
});
