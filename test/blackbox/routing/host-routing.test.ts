import assert from 'node:assert/strict';
import test from 'node:test';
import { tempDir, writeYaml } from '../../helpers/config.js';
import { startEdgeProcess } from '../../helpers/edge-process.js';
import { httpRequest } from '../../helpers/http.js';
import { startOrigin } from '../../helpers/origin.js';

function getWithHost(url: string, host: string) {
  return httpRequest(url, { headers: { host } });
}

function distribution(id: string, port: number, extra: Record<string, unknown>) {
  return {
    Id: id,
    DistributionConfig: {
      Enabled: true,
      Origins: [
        {
          Id: 'o',
          DomainName: '127.0.0.1',
          CustomOriginConfig: { HTTPPort: port, OriginProtocolPolicy: 'http-only' },
        },
      ],
      DefaultCacheBehavior: {
        TargetOriginId: 'o',
        ViewerProtocolPolicy: 'allow-all',
        CachePolicyId: 'CachingDisabled',
      },
      ...extra,
    },
  };
}

test('requests are routed by Host to aliases, wildcards (most specific wins) and the generated domain', async (t) => {
  const origin = await startOrigin((_req, res, seen) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`${seen.headers['x-dist']}`);
  });
  const tmp = await tempDir();
  const withTag = (tag: string) => ({
    Origins: [
      {
        Id: 'o',
        DomainName: '127.0.0.1',
        OriginCustomHeaders: [{ HeaderName: 'X-Dist', HeaderValue: tag }],
        CustomOriginConfig: { HTTPPort: origin.port, OriginProtocolPolicy: 'http-only' },
      },
    ],
  });
  const config = await writeYaml(tmp.dir, 'edgefront.yaml', {
    Distributions: [
      distribution('E1AAAAAAAAAAAA', origin.port, {
        Aliases: ['www.example.com', '*.example.com'],
        ...withTag('A'),
      }),
      distribution('E2BBBBBBBBBBBB', origin.port, { Aliases: ['*.api.example.com'], ...withTag('B') }),
      distribution('E3CCCCCCCCCCCC', origin.port, {
        Enabled: false,
        Aliases: ['off.example.org'],
        ...withTag('C'),
      }),
    ],
  });
  const edge = await startEdgeProcess(['--config', config]);
  t.after(() => Promise.all([edge.close(), origin.close(), tmp.remove()]));

  const body = async (host: string) => (await getWithHost(edge.url('/x'), host)).body;
  assert.equal(await body('www.example.com'), 'A');
  assert.equal(await body('WWW.EXAMPLE.COM:8080'), 'A'); // case and port don't matter
  assert.equal(await body('deep.sub.example.com'), 'A'); // a wildcard covers any depth
  assert.equal(await body('v1.api.example.com'), 'B'); // the most specific wildcard wins
  assert.equal(await body('e2bbbbbbbbbbbb.edgefront.localhost'), 'B'); // generated DomainName

  const unknown = await getWithHost(edge.url('/x'), 'nobody.example.net');
  assert.equal(unknown.status, 403);
  assert.equal(unknown.headers['x-cache'], 'Error from cloudfront');
  assert.match(unknown.body, /<H1>403 ERROR<\/H1>/);

  const disabled = await getWithHost(edge.url('/x'), 'off.example.org');
  assert.equal(disabled.status, 403);
  assert.equal(origin.requests.filter((r) => r.headers['x-dist'] === 'C').length, 0);
});

test('with exactly one distribution, any Host reaches it', async (t) => {
  const origin = await startOrigin();
  const tmp = await tempDir();
  const config = await writeYaml(tmp.dir, 'edgefront.yaml', {
    Distributions: [distribution('E1ONLY', origin.port, { Aliases: ['a.example.com'] })],
  });
  const edge = await startEdgeProcess(['--config', config]);
  t.after(() => Promise.all([edge.close(), origin.close(), tmp.remove()]));
  const res = await getWithHost(edge.url('/hello'), 'localhost:1234');
  assert.equal(res.status, 200);
  assert.equal(res.body, 'origin saw GET /hello');
});
