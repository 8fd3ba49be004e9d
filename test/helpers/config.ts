/** Writes test configs to a temporary directory (removed in t.after by the caller). */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';

export async function tempDir(): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'edgefront-test-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

export async function writeYaml(dir: string, name: string, doc: unknown): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, stringify(doc));
  return file;
}

/** A minimal one-distribution native config with a custom origin and CachingDisabled. */
export function simpleConfig(
  originPort: number,
  overrides: Record<string, unknown> = {},
  behaviors: unknown[] = [],
) {
  return {
    Distributions: [
      {
        Id: 'E1TEST',
        DistributionConfig: {
          Enabled: true,
          Origins: [
            {
              Id: 'app',
              DomainName: '127.0.0.1',
              CustomOriginConfig: { HTTPPort: originPort, OriginProtocolPolicy: 'http-only' },
            },
          ],
          DefaultCacheBehavior: {
            TargetOriginId: 'app',
            ViewerProtocolPolicy: 'allow-all',
            CachePolicyId: 'CachingDisabled',
          },
          CacheBehaviors: behaviors,
          ...overrides,
        },
      },
    ],
  };
}

/**
 * One distribution over a loopback origin `o` on `originPort`: each of `behaviors` (PathPattern,
 * policies, associations) is completed with the origin and `allow-all`, and the default behavior
 * uses `defaultPolicy`.
 */
export function distributionOver(
  id: string,
  originPort: number,
  behaviors: Record<string, unknown>[],
  defaultPolicy = 'CachingOptimized',
) {
  const target = { TargetOriginId: 'o', ViewerProtocolPolicy: 'allow-all' };
  return {
    Id: id,
    DistributionConfig: {
      Enabled: true,
      Origins: [
        {
          Id: 'o',
          DomainName: '127.0.0.1',
          CustomOriginConfig: { HTTPPort: originPort, OriginProtocolPolicy: 'http-only' },
        },
      ],
      CacheBehaviors: behaviors.map((b) => ({ ...target, ...b })),
      DefaultCacheBehavior: { ...target, CachePolicyId: defaultPolicy },
    },
  };
}

/** `simpleConfig` whose default behavior allows all seven methods (bodies reach the origin). */
export function allMethodsConfig(originPort: number) {
  return simpleConfig(originPort, {
    DefaultCacheBehavior: {
      TargetOriginId: 'app',
      ViewerProtocolPolicy: 'allow-all',
      CachePolicyId: 'CachingDisabled',
      AllowedMethods: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE'],
    },
  });
}
