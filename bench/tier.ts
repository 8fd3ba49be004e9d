/**
 * Tiered-caching simulation (issue #7 items 4 and 8): a Zipf trace replayed over two edges,
 * once with each edge alone in front of the origin and once with both behind a regional tier
 * (`--parent`), all real `edgefront serve` processes on 127.0.0.1 and a counting origin in this
 * process. Reports origin requests and origin offload (share of viewer requests the origin never
 * saw) with and without the tier, and which layer answered (Server-Timing `cdn-hit-layer`).
 * See bench/README.md "Tiered caching".
 *
 *   npm run build && node dist/bench/tier.js
 *   REQUESTS=40000 OBJECTS=10000 ALPHA=1.0 node dist/bench/tier.js
 */
import { writeFileSync } from 'node:fs';
import { Agent, createServer, request } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanup, initBench, log, type Started, start, stop } from './lib.js';
import { objectSizes, rng, zipfTrace } from './zipf.js';

const env = process.env;
const REQUESTS = Number(env.REQUESTS ?? 20_000);
const OBJECTS = Number(env.OBJECTS ?? 5_000);
const ALPHA = Number(env.ALPHA ?? 0.9);
const CONCURRENCY = Number(env.CONCURRENCY ?? 16);
/** Edges hold a small share of the catalogue, the regional tier a larger one, as on CloudFront. */
const EDGE_CACHE = env.EDGE_CACHE ?? '4MiB';
const TIER_CACHE = env.TIER_CACHE ?? '32MiB';
const REPO = fileURLToPath(new URL('../../', import.meta.url));
const CLI = env.EDGEFRONT_CLI ?? join(REPO, 'dist', 'src', 'cli', 'main.js');
const SECRET = 'bench-tier-secret';

type Layer = 'EDGE' | 'REC' | 'miss';

interface RunResult {
  name: string;
  requests: number;
  originRequests: number;
  offload: number;
  layers: Record<Layer, number>;
  seconds: number;
}

async function main(): Promise<void> {
  const work = initBench({ workPrefix: 'edgefront-bench-tier-', serverCpu: '0', clientCpu: '1' });
  const sizes = objectSizes(OBJECTS, rng(42), 64 * 1024);
  const body = Buffer.alloc(64 * 1024, 7);
  let originRequests = 0;
  const origin = createServer((req, res) => {
    originRequests++;
    const id = Number(req.url?.slice('/o/'.length)) || 0;
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'cache-control': 'max-age=3600' });
    res.end(body.subarray(0, sizes[id] ?? 200));
  });
  await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
  const originPort = (origin.address() as { port: number }).port;
  const config = join(work, 'edgefront.json');
  writeFileSync(config, JSON.stringify(benchConfig(originPort)));
  const trace = zipfTrace(OBJECTS, REQUESTS, ALPHA, rng(7));
  const edgeOf = rng(11); // which of the two edges each viewer request reaches
  const choice = Uint8Array.from(trace, () => (edgeOf() < 0.5 ? 0 : 1));
  log(`trace: ${REQUESTS} requests over ${OBJECTS} objects, Zipf ${ALPHA}, two edges of ${EDGE_CACHE}`);

  const results: RunResult[] = [];
  try {
    for (const tiered of [false, true]) {
      originRequests = 0;
      const nodes: Started[] = [];
      const parent = tiered ? await node('tier', ['--cache-memory', TIER_CACHE]) : undefined;
      if (parent) nodes.push(parent.started);
      const extra = parent ? ['--parent', `http://127.0.0.1:${parent.port}`] : [];
      const edges = [
        await node(`edge-a${tiered ? '-tiered' : ''}`, ['--cache-memory', EDGE_CACHE, ...extra]),
        await node(`edge-b${tiered ? '-tiered' : ''}`, ['--cache-memory', EDGE_CACHE, ...extra]),
      ];
      nodes.push(...edges.map((e) => e.started));
      const name = tiered ? `two edges → tier (${TIER_CACHE})` : 'two edges → origin';
      const began = process.hrtime.bigint();
      const layers = await replay(
        trace,
        choice,
        edges.map((e) => e.port),
      );
      const seconds = Number(process.hrtime.bigint() - began) / 1e9;
      results.push({
        name,
        requests: REQUESTS,
        originRequests,
        offload: 1 - originRequests / REQUESTS,
        layers,
        seconds,
      });
      for (const n of nodes.reverse()) await stop(n);
    }
  } finally {
    origin.close();
    await cleanup();
  }
  print(results);
}

async function node(name: string, args: string[]): Promise<{ started: Started; port: number }> {
  const started = await start(
    name,
    process.execPath,
    [
      CLI,
      'serve',
      '--config',
      'edgefront.json',
      '--port',
      '0',
      '--admin-port',
      '0',
      '--state-dir',
      name,
      ...args,
    ],
    async (output) => /edgefront: listening/.test(output),
    { EDGEFRONT_TIER_SECRET: SECRET },
  );
  const port = Number(started.output().match(/listening http=http:\/\/127\.0\.0\.1:(\d+)/)?.[1]);
  return { started, port };
}

/** CONCURRENCY keep-alive viewers take the trace in order; each request goes to its chosen edge. */
async function replay(
  trace: Uint32Array,
  choice: Uint8Array,
  ports: number[],
): Promise<Record<Layer, number>> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY * 2 });
  const layers: Record<Layer, number> = { EDGE: 0, REC: 0, miss: 0 };
  let next = 0;
  const viewer = async () => {
    while (next < trace.length) {
      const i = next++;
      const timing = await getTiming(agent, ports[choice[i]], `/o/${trace[i]}`);
      const layer = /cdn-hit-layer;desc="([^"]+)"/.exec(timing)?.[1];
      if (layer === 'EDGE' || layer === 'REC') layers[layer]++;
      else layers.miss++;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, viewer));
  agent.destroy();
  return layers;
}

function getTiming(agent: Agent, port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent }, (res) => {
      res.resume();
      res.on('end', () =>
        res.statusCode === 200
          ? resolve(String(res.headers['server-timing'] ?? ''))
          : reject(new Error(`${path}: ${res.statusCode}`)),
      );
    });
    req.setTimeout(30_000, () => req.destroy(new Error(`${path} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

function benchConfig(originPort: number) {
  return {
    ResponseHeadersPolicies: [
      {
        Id: 'timing',
        ResponseHeadersPolicyConfig: {
          Name: 'timing',
          ServerTimingHeadersConfig: { Enabled: true, SamplingRate: 100 },
        },
      },
    ],
    Distributions: [
      {
        Id: 'E1BENCHTIER',
        DistributionConfig: {
          Enabled: true,
          Origins: [
            {
              Id: 'o',
              DomainName: '127.0.0.1',
              CustomOriginConfig: { HTTPPort: originPort, OriginProtocolPolicy: 'http-only' },
            },
          ],
          DefaultCacheBehavior: {
            TargetOriginId: 'o',
            ViewerProtocolPolicy: 'allow-all',
            CachePolicyId: 'CachingOptimized',
            ResponseHeadersPolicyId: 'timing',
          },
        },
      },
    ],
  };
}

function print(results: RunResult[]): void {
  const pct = (n: number, of: number) => `${((100 * n) / of).toFixed(1)}%`.padStart(7);
  console.log(
    `\nTiered caching: ${REQUESTS} requests, ${OBJECTS} objects, Zipf ${ALPHA}, edges ${EDGE_CACHE} each\n`,
  );
  console.log('  setup                          | origin req | offload | edge hit | REC hit |   miss | time');
  console.log(
    '  ------------------------------ | ---------- | ------- | -------- | ------- | ------ | -----',
  );
  for (const r of results) {
    console.log(
      `  ${r.name.padEnd(30)} | ${String(r.originRequests).padStart(10)} | ${pct(r.requests - r.originRequests, r.requests)} | ` +
        `${pct(r.layers.EDGE, r.requests)}  | ${pct(r.layers.REC, r.requests)} | ${pct(r.layers.miss, r.requests).slice(1)} | ${r.seconds.toFixed(1)} s`,
    );
  }
  const [alone, tiered] = results;
  if (alone && tiered)
    console.log(
      `\n  the tier took ${alone.originRequests - tiered.originRequests} origin requests off ` +
        `(${pct(alone.originRequests - tiered.originRequests, alone.originRequests).trim()} of those without it)`,
    );
}

main().catch(async (err) => {
  console.error(err);
  await cleanup();
  process.exit(1);
});
