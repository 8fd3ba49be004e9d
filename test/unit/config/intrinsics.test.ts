// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Fn::Sub strings use ${Name}
/**
 * CloudFormation intrinsic functions, on the examples of the CloudFormation User Guide's
 * "Intrinsic function reference", evaluated through a scope with fixed parameters/resources.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Evaluator, NO_VALUE, type Scope } from '../../../src/config/cloudformation/intrinsics.js';
import { Issues } from '../../../src/config/issues.js';

function evaluator(conditions: Record<string, boolean> = {}) {
  const issues = new Issues();
  const scope: Scope = {
    file: 't.yaml',
    issues,
    region: 'us-east-1',
    refs: new Map<string, unknown>([
      ['AWS::Region', 'us-east-1'],
      ['AWS::AccountId', '123456789012'],
      ['AWS::StackName', 'MyStack'],
      ['EnvType', 'prod'],
      ['DbSubnetIpBlocks', ['10.0.48.0/24', '10.0.112.0/24', '10.0.176.0/24']],
    ]),
    mappings: {
      RegionMap: { 'us-east-1': { HVM64: 'ami-0ff8a91507f77f867', HVMG2: 'ami-0a584ac55a7631c0c' } },
    },
    resourceRef: (id) => (id === 'MyBucket' ? 'my-bucket' : undefined),
    resourceAttr: (id, attr) => (id === 'MyBucket' && attr === 'Arn' ? 'arn:aws:s3:::my-bucket' : undefined),
    hasResource: (id) => id === 'MyBucket',
    condition: (name) => conditions[name] ?? false,
    knownRefs: () => ['EnvType', 'MyBucket'],
  };
  return { ev: new Evaluator(scope), issues };
}

test('Ref returns parameter values, pseudo parameters and resource refs', () => {
  const { ev } = evaluator();
  assert.equal(ev.evaluate({ Ref: 'EnvType' }, []), 'prod');
  assert.equal(ev.evaluate({ Ref: 'AWS::Region' }, []), 'us-east-1');
  assert.equal(ev.evaluate({ Ref: 'MyBucket' }, []), 'my-bucket');
});

test('Ref to AWS::NoValue removes the property or the list item', () => {
  const { ev } = evaluator();
  assert.deepEqual(ev.evaluate({ A: 1, B: { Ref: 'AWS::NoValue' } }, []), { A: 1 });
  assert.deepEqual(ev.evaluate(['a', { Ref: 'AWS::NoValue' }, 'b'], []), ['a', 'b']);
  assert.equal(ev.evaluate({ Ref: 'AWS::NoValue' }, []), NO_VALUE);
});

test('Ref to an unknown name is an issue with a "did you mean" fix', () => {
  const { ev, issues } = evaluator();
  assert.deepEqual(ev.evaluate({ X: { Ref: 'EnvTyp' } }, ['P']), { X: undefined });
  assert.equal(issues.list.length, 1);
  assert.deepEqual(issues.list[0].path, ['P', 'X', 'Ref']);
  assert.match(issues.list[0].fix ?? '', /did you mean "EnvType"/);
});

test('Fn::GetAtt accepts [A, B] and "A.B"', () => {
  const { ev } = evaluator();
  assert.equal(ev.evaluate({ 'Fn::GetAtt': ['MyBucket', 'Arn'] }, []), 'arn:aws:s3:::my-bucket');
  assert.equal(ev.evaluate({ 'Fn::GetAtt': 'MyBucket.Arn' }, []), 'arn:aws:s3:::my-bucket');
});

test('Fn::Sub substitutes parameters, pseudo parameters, attributes, and keeps ${!Literal}', () => {
  const { ev } = evaluator();
  assert.equal(
    ev.evaluate({ 'Fn::Sub': 'arn:aws:ec2:${AWS::Region}:${AWS::AccountId}:vpc/${EnvType}' }, []),
    'arn:aws:ec2:us-east-1:123456789012:vpc/prod',
  );
  assert.equal(ev.evaluate({ 'Fn::Sub': '${MyBucket.Arn}/*' }, []), 'arn:aws:s3:::my-bucket/*');
  assert.equal(ev.evaluate({ 'Fn::Sub': '${!Literal}-${EnvType}' }, []), '${Literal}-prod');
  assert.equal(ev.evaluate({ 'Fn::Sub': ['www.${Domain}', { Domain: { Ref: 'EnvType' } }] }, []), 'www.prod');
});

test('Fn::Join, Fn::Select, Fn::Split', () => {
  const { ev } = evaluator();
  assert.equal(ev.evaluate({ 'Fn::Join': [':', ['a', 'b', 'c']] }, []), 'a:b:c');
  assert.equal(
    ev.evaluate({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Region' }, ':x']] }, []),
    'arn:us-east-1:x',
  );
  assert.equal(
    ev.evaluate({ 'Fn::Select': ['1', ['apples', 'grapes', 'oranges', 'mangoes']] }, []),
    'grapes',
  );
  assert.equal(ev.evaluate({ 'Fn::Select': [0, { Ref: 'DbSubnetIpBlocks' }] }, []), '10.0.48.0/24');
  assert.deepEqual(ev.evaluate({ 'Fn::Split': ['|', 'a|b|c'] }, []), ['a', 'b', 'c']);
  assert.equal(
    ev.evaluate({ 'Fn::Select': [2, { 'Fn::Split': ['/', 'https://x.example.com/path'] }] }, []),
    'x.example.com',
  );
});

test('Fn::Select out of range is an issue', () => {
  const { ev, issues } = evaluator();
  ev.evaluate({ 'Fn::Select': [3, ['a']] }, ['X']);
  assert.match(issues.list[0].message, /out of range/);
});

test('Fn::If picks a branch by condition and may yield AWS::NoValue', () => {
  const { ev } = evaluator({ IsProd: true });
  assert.equal(ev.evaluate({ 'Fn::If': ['IsProd', 'big', 'small'] }, []), 'big');
  assert.equal(ev.evaluate({ 'Fn::If': ['IsDev', 'big', 'small'] }, []), 'small');
  assert.deepEqual(ev.evaluate({ A: { 'Fn::If': ['IsDev', 1, { Ref: 'AWS::NoValue' }] } }, []), {});
});

test('Fn::Equals, Fn::And, Fn::Or, Fn::Not and Condition references', () => {
  const { ev } = evaluator({ IsProd: true });
  assert.equal(ev.evaluate({ 'Fn::Equals': [{ Ref: 'EnvType' }, 'prod'] }, []), true);
  assert.equal(ev.evaluate({ 'Fn::Equals': ['1', 1] }, []), true);
  assert.equal(ev.evaluate({ 'Fn::And': [{ Condition: 'IsProd' }, { 'Fn::Equals': ['a', 'a'] }] }, []), true);
  assert.equal(ev.evaluate({ 'Fn::Or': [{ Condition: 'IsDev' }, { 'Fn::Equals': ['a', 'b'] }] }, []), false);
  assert.equal(ev.evaluate({ 'Fn::Not': [{ Condition: 'IsProd' }] }, []), false);
});

test('Fn::FindInMap looks up Mappings and reports a missing key with the keys that exist', () => {
  const { ev, issues } = evaluator();
  assert.equal(
    ev.evaluate({ 'Fn::FindInMap': ['RegionMap', { Ref: 'AWS::Region' }, 'HVM64'] }, []),
    'ami-0ff8a91507f77f867',
  );
  ev.evaluate({ 'Fn::FindInMap': ['RegionMap', 'us-east-1', 'HVM6'] }, ['X']);
  assert.match(issues.list[0].message, /has no key "HVM6"/);
  assert.match(issues.list[0].fix ?? '', /HVM64/);
});

test('Fn::Base64 and Fn::GetAZs', () => {
  const { ev } = evaluator();
  assert.equal(ev.evaluate({ 'Fn::Base64': 'AWS CloudFormation' }, []), 'QVdTIENsb3VkRm9ybWF0aW9u');
  assert.deepEqual(ev.evaluate({ 'Fn::GetAZs': '' }, []), ['us-east-1a', 'us-east-1b', 'us-east-1c']);
});

test('an unsupported function is an issue, not a crash', () => {
  const { ev, issues } = evaluator();
  ev.evaluate({ 'Fn::ImportValue': 'SharedVpc' }, ['X']);
  assert.match(issues.list[0].message, /Fn::ImportValue is not supported/);
});
