/**
 * `edgefront serve`: the contract's flags (DESIGN.md), readiness on `/healthz`, and a config
 * error exits non-zero before listening, naming file, path and fix.
 */

import { existsSync } from 'node:fs';
import { parseByteSize } from '../cache/size.js';
import { adminCredentials, isLoopback } from '../control/admin-credentials.js';
import { createEdge } from '../edge/create-edge.js';
import { HTTP_ENGINES, type HttpEngine } from '../edge/server.js';
import { tierSettings } from '../edge/tier/settings.js';
import { UsageError } from '../errors.js';
import { zeroCopyStatus } from '../zero-copy.js';
import { type FlagTable, helpText, parseFlags } from './flags.js';
import { watchedSources, watchForChanges } from './watch.js';

export const SERVE_FLAGS: FlagTable = {
  config: {
    type: 'list',
    value: 'FILE',
    help: 'native config or CloudFormation template (repeatable)',
    default: 'edgefront.yaml if present',
  },
  host: { type: 'string', value: 'ADDR', help: 'bind address of every listener', default: '127.0.0.1' },
  port: { type: 'int', value: 'N', help: 'viewer HTTP port (0 picks a free port)', default: '8080' },
  'https-port': {
    type: 'int',
    value: 'N',
    help: 'viewer HTTPS port, HTTP/1.1 + HTTP/2 (dev certificate generated)',
    default: 'off',
  },
  'http-engine': {
    type: 'string',
    value: 'ENGINE',
    help: 'HTTP/1.x parser of the viewer HTTP port: edgefront (its own, on node:net) or node (node:http)',
    default: 'edgefront',
  },
  'admin-port': {
    type: 'int',
    value: 'N',
    help: 'control plane: CloudFront REST API, KeyValueStore API, /healthz',
    default: '9000',
  },
  'state-dir': {
    type: 'string',
    value: 'DIR',
    help: 'persisted state: resources created through the API, KVS data, disk cache, dev certificate',
    default: '.edgefront',
  },
  bucket: {
    type: 'pairs',
    value: 'NAME=DIR',
    help: 'serve S3 bucket NAME from a local directory (repeatable)',
  },
  's3-endpoint': {
    type: 'string',
    value: 'URL',
    help: 'send S3 origin requests to an S3-compatible endpoint, path-style',
  },
  'origin-override': {
    type: 'pairs',
    value: 'DOMAIN=URL',
    help: 'send requests for origin DOMAIN to URL (repeatable)',
  },
  parameter: { type: 'pairs', value: 'KEY=VALUE', help: 'CloudFormation template parameter (repeatable)' },
  pop: { type: 'string', value: 'ID', help: 'edge location id shown in X-Amz-Cf-Pop', default: 'DEV50-C1' },
  geoip: {
    type: 'string',
    value: 'FILE',
    help: 'MaxMind GeoLite2/GeoIP2 City or Country .mmdb: geo restriction and CloudFront-Viewer-Country/-City/… headers (required by a geo restriction)',
    default: 'none (locations unknown)',
  },
  help: { type: 'bool', help: 'show this help' },
  'cache-memory': {
    type: 'string',
    value: 'SIZE',
    help: 'byte budget of the memory cache tier (512MiB, 2GiB…)',
    default: '256MiB',
  },
  'cache-disk': {
    type: 'string',
    value: 'SIZE',
    help: 'byte budget of the disk cache tier in <state-dir>/cache',
    default: '0 (off)',
  },
  watch: {
    type: 'bool',
    help: 'reload config files and function code when they change, atomically (a bad edit keeps the old config)',
  },
  redis: {
    type: 'string',
    value: 'URL',
    help: 'cluster mode: state, invalidations and KVS shared through Redis (redis://, rediss://, redis+cluster://h:p,h:p, redis+sentinel://h:p,…/MASTER; ?prefix=NAME)',
    default: 'off (embedded)',
  },
  parent: {
    type: 'string',
    value: 'URL',
    help: 'tiered caching: cacheable misses go to the regional-tier edgefront node at URL (same config), which answers from its cache or the origin and collapses concurrent misses; needs EDGEFRONT_TIER_SECRET',
  },
  'origin-shield': {
    type: 'pairs',
    value: 'REGION=URL',
    help: 'an origin whose OriginShield is enabled in REGION sends its misses through the edgefront node at URL (repeatable); needs EDGEFRONT_TIER_SECRET',
  },
  'access-log': { type: 'string', help: '', notBuilt: 'standard logs arrive with a later issue' },
};

export async function runServe(argv: string[]): Promise<number> {
  const { values, positional } = parseFlags('serve', SERVE_FLAGS, argv);
  if (values.help) {
    process.stdout.write(
      helpText('edgefront serve [flags]', 'Serve CloudFront distributions locally.', SERVE_FLAGS),
    );
    return 0;
  }
  if (positional.length)
    throw new UsageError(
      `edgefront serve: unexpected argument "${positional[0]}" (config files go after --config)`,
    );
  let configFiles = (values.config as string[] | undefined) ?? [];
  if (configFiles.length === 0 && existsSync('edgefront.yaml')) configFiles = ['edgefront.yaml'];
  if (configFiles.length === 0) {
    // Like an empty AWS account: distributions come from the control API (and --state-dir).
    process.stderr.write(
      'note: no --config given and no edgefront.yaml here: serving only what the control API creates (try: edgefront serve --config examples/quickstart/edgefront.yaml)\n',
    );
  }

  const cacheMemory = values['cache-memory'] as string | undefined;
  const cacheMemoryBytes = cacheMemory === undefined ? undefined : parseByteSize(cacheMemory);
  if (cacheMemoryBytes === undefined && cacheMemory !== undefined) {
    throw new UsageError(
      `edgefront serve: --cache-memory takes a size such as 512MiB or 2GiB, got "${cacheMemory}"`,
    );
  }
  const cacheDisk = values['cache-disk'] as string | undefined;
  const cacheDiskBytes = cacheDisk === undefined ? undefined : parseByteSize(cacheDisk);
  if (cacheDiskBytes === undefined && cacheDisk !== undefined) {
    throw new UsageError(`edgefront serve: --cache-disk takes a size such as 20GiB, got "${cacheDisk}"`);
  }
  const httpEngine = (values['http-engine'] as string | undefined) ?? 'edgefront';
  if (!(HTTP_ENGINES as readonly string[]).includes(httpEngine)) {
    throw new UsageError(`edgefront serve: --http-engine takes node or edgefront, got "${httpEngine}"`);
  }
  const host = (values.host as string | undefined) ?? '127.0.0.1';
  const credentials = await adminCredentials(configFiles);
  if (credentials.length === 0 && !isLoopback(host)) {
    throw new UsageError(
      `edgefront serve: the admin API would listen on ${host} without credentials; set EDGEFRONT_ACCESS_KEY_ID and EDGEFRONT_SECRET_ACCESS_KEY (or Admin.Credentials in the config), or use a loopback --host`,
    );
  }
  const tier = {
    parent: values.parent as string | undefined,
    originShields: values['origin-shield'] as Record<string, string> | undefined,
    // Shared by every node of the tier; a node with it also accepts children's tier requests.
    secret: process.env.EDGEFRONT_TIER_SECRET || undefined,
  };
  try {
    tierSettings(tier);
  } catch (err) {
    throw new UsageError(`edgefront serve: ${(err as Error).message}`);
  }
  const edge = await createEdge({
    tier,
    adminCredentials: credentials.length ? credentials : undefined,
    httpEngine: httpEngine as HttpEngine,
    cacheMemoryBytes,
    cacheDiskBytes,
    configFiles,
    parameters: values.parameter as Record<string, string> | undefined,
    buckets: values.bucket as Record<string, string> | undefined,
    s3Endpoint: values['s3-endpoint'] as string | undefined,
    originOverrides: values['origin-override'] as Record<string, string> | undefined,
    pop: values.pop as string | undefined,
    geoip: values.geoip as string | undefined,
    // Test/dev affordance (src/edge/geo/viewer-location.ts): loopback peers may name a viewer address.
    devViewerAddressHeader: process.env.EDGEFRONT_DEV_VIEWER_ADDRESS_HEADER === '1',
    host,
    port: (values.port as number | undefined) ?? 8080,
    httpsPort: values['https-port'] as number | undefined,
    adminPort: (values['admin-port'] as number | undefined) ?? 9000,
    stateDir: (values['state-dir'] as string | undefined) ?? '.edgefront',
    redis: values.redis as string | undefined,
  });
  for (const note of edge.notes) process.stderr.write(`note: ${note}\n`);
  const zeroCopy = zeroCopyStatus();
  if (!zeroCopy.enabled && process.env.EDGEFRONT_ZERO_COPY !== 'off')
    process.stderr.write(
      `note: large cached bodies are sent by copy: zero-copy sends are off (${zeroCopy.reason})\n`,
    );
  const listening = await edge.listen();

  const out: string[] = [];
  out.push(
    `edgefront serving ${edge.model.distributions.length} distribution(s) from ${configFiles.length ? configFiles.join(', ') : 'the control API state'}`,
  );
  for (const dist of edge.model.distributions) {
    const aliases = dist.DistributionConfig.Aliases;
    out.push(
      `  ${dist.Id}  ${dist.DomainName}${aliases.length ? `  aliases: ${aliases.join(', ')}` : ''}${dist.DistributionConfig.Enabled ? '' : '  (disabled)'}`,
    );
  }
  out.push(`  viewer  ${listening.http.href}`);
  if (listening.https) out.push(`  https   ${listening.https.href}`);
  if (listening.admin) out.push(`  admin   ${listening.admin.href}healthz`);
  out.push('', 'Try:');
  const base = `http://${listening.http.hostname === '127.0.0.1' ? 'localhost' : listening.http.hostname}:${listening.http.port}`;
  for (const dist of edge.model.distributions) {
    const host =
      edge.model.distributions.length === 1
        ? ''
        : ` -H 'Host: ${dist.DistributionConfig.Aliases[0] ?? dist.DomainName}'`;
    out.push(`  curl -i${host} ${base}/`);
  }
  out.push('');
  // One machine-readable line, for scripts and the black-box test harness.
  out.push(
    `edgefront: listening http=${listening.http.href}${listening.https ? ` https=${listening.https.href}` : ''}${listening.admin ? ` admin=${listening.admin.href}` : ''}`,
  );
  process.stdout.write(`${out.join('\n')}\n`);

  const watcher = values.watch
    ? watchForChanges(
        () => {
          const sources = watchedSources(edge.model);
          return { files: [...configFiles, ...sources.files], dirs: sources.dirs };
        },
        async () => {
          try {
            await edge.reload();
            for (const note of edge.notes) process.stderr.write(`note: ${note}\n`);
            process.stdout.write(`edgefront: reloaded ${configFiles.join(', ')}\n`);
          } catch (err) {
            // A bad edit keeps the previous config serving; say why, as validate would.
            const message = err instanceof Error ? err.message : String(err);
            process.stderr.write(
              `edgefront: reload failed, still serving the previous config:\n${message}\n`,
            );
          }
        },
      )
    : undefined;

  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  watcher?.close();
  await edge.close();
  return 0;
}
