/**
 * A real `edgefront serve` with its admin API, and real AWS SDK clients pointed at it: the way a
 * team's scripts, CDK or CI would talk to edgefront (only the endpoint changes).
 */
import { CloudFrontClient, type DistributionConfig } from '@aws-sdk/client-cloudfront';
import { tempDir } from './config.js';
import { type EdgeProcess, startEdgeProcess } from './edge-process.js';
import { startOrigin, type TestOrigin } from './origin.js';

/** The keys every control-plane test signs with (given to serve through its environment). */
export const TEST_CREDENTIALS = {
  accessKeyId: 'AKIDEDGEFRONTTEST01',
  secretAccessKey: 'edgefront/test/secret/key+0123456789abcd',
};

export interface ApiEdge {
  edge: EdgeProcess;
  cf: CloudFrontClient;
  /** A client signing with other keys (for the signature tests). */
  client(credentials: { accessKeyId: string; secretAccessKey: string }): CloudFrontClient;
}

export function cloudFrontClient(
  admin: URL,
  credentials: { accessKeyId: string; secretAccessKey: string } = TEST_CREDENTIALS,
): CloudFrontClient {
  return new CloudFrontClient({
    endpoint: admin.href.replace(/\/$/, ''),
    region: 'us-east-1',
    credentials,
    maxAttempts: 1,
  });
}

export async function startApiEdge(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<ApiEdge> {
  const edge = await startEdgeProcess(args, {
    cwd: options.cwd,
    env: {
      EDGEFRONT_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
      EDGEFRONT_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
      ...options.env,
    },
  });
  const admin = edge.admin as URL;
  return { edge, cf: cloudFrontClient(admin), client: (c) => cloudFrontClient(admin, c) };
}

/** An SDK-shaped DistributionConfig over a loopback origin. */
export function apiDistributionConfig(
  originPort: number,
  callerReference: string,
  extra: Partial<DistributionConfig> = {},
): DistributionConfig {
  return {
    CallerReference: callerReference,
    Comment: 'made through the API',
    Enabled: true,
    Origins: {
      Quantity: 1,
      Items: [
        {
          Id: 'app',
          DomainName: '127.0.0.1',
          CustomOriginConfig: { HTTPPort: originPort, HTTPSPort: 443, OriginProtocolPolicy: 'http-only' },
        },
      ],
    },
    DefaultCacheBehavior: {
      TargetOriginId: 'app',
      ViewerProtocolPolicy: 'allow-all',
      CachePolicyId: '4135ea2d-6df8-44a3-9df3-4b5a84be39ad', // CachingDisabled
    },
    ...extra,
  };
}

/**
 * `edgefront serve` with no config file (an empty account) in a temporary directory, and an
 * origin answering `origin saw <url>`; both are stopped after the test, cleanup registered first.
 */
export async function startEmptyApiEdge(t: {
  after(fn: () => unknown): void;
}): Promise<{ api: ApiEdge; origin: TestOrigin }> {
  const dir = await tempDir();
  let api: ApiEdge | undefined;
  let origin: TestOrigin | undefined;
  t.after(async () => {
    await api?.edge.close();
    await origin?.close();
    await dir.remove();
  });
  origin = await startOrigin((req, res) => res.end(`origin saw ${req.url}`));
  api = await startApiEdge([], { cwd: dir.dir });
  return { api, origin };
}
