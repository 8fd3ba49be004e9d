/** Shared fixtures for the config tests: a minimal valid native config and issue capture. */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { type LoadOptions, loadConfigObject } from '../../../src/config/load.js';
import { ConfigError, type ConfigIssue } from '../../../src/errors.js';

/** Repo root from dist/test/unit/config. */
export const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

export function example(rel: string): string {
  return `${ROOT}examples/${rel}`;
}

type Obj = Record<string, unknown>;

/** One distribution with an S3 and a custom origin; `patch` edits the DistributionConfig. */
// biome-ignore lint/suspicious/noExplicitAny: tests reach into the fixture freely
export function nativeDoc(patch: (dc: Record<string, any>) => void = () => {}, extra: Obj = {}): Obj {
  const dc: Obj = {
    Enabled: true,
    Origins: [
      { Id: 'web', DomainName: 'site.s3.us-west-2.amazonaws.com', S3OriginConfig: {} },
      {
        Id: 'api',
        DomainName: 'api.example.com',
        CustomOriginConfig: { OriginProtocolPolicy: 'https-only' },
      },
    ],
    DefaultCacheBehavior: {
      TargetOriginId: 'web',
      ViewerProtocolPolicy: 'allow-all',
      CachePolicyId: 'CachingOptimized',
    },
    CacheBehaviors: [
      {
        PathPattern: '/api/*',
        TargetOriginId: 'api',
        ViewerProtocolPolicy: 'https-only',
        CachePolicyId: 'CachingDisabled',
      },
    ],
  };
  patch(dc);
  return { Distributions: [{ DistributionConfig: dc }], ...extra };
}

/** The issues loading `doc` reports; fails the test when it loads. */
export function issuesOf(doc: unknown, options: LoadOptions & { file?: string } = {}): ConfigIssue[] {
  try {
    loadConfigObject(doc, options);
  } catch (err) {
    if (err instanceof ConfigError) return err.issues;
    throw err;
  }
  assert.fail('expected a ConfigError');
}

/** Asserts one issue at exactly `path` whose message matches `message`. */
export function assertIssue(issues: ConfigIssue[], path: (string | number)[], message: RegExp): ConfigIssue {
  const found = issues.find(
    (i) => JSON.stringify(i.path) === JSON.stringify(path) && message.test(i.message),
  );
  assert.ok(
    found,
    `no issue at ${JSON.stringify(path)} matching ${message}; got:\n${issues.map((i) => `${JSON.stringify(i.path)} ${i.message}`).join('\n')}`,
  );
  return found;
}

export const DC = ['Distributions', 0, 'DistributionConfig'];
