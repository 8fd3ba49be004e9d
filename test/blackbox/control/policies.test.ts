/**
 * Cache, origin request and response headers policies through the real `@aws-sdk/client-cloudfront`
 * against `edgefront serve`: every operation of each kind, managed policies read-only, config-file
 * policies visible and changeable, each refusal with CloudFront's error code and the state left
 * unchanged, persistence in --state-dir, and changes reaching live traffic without restart.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as sdk from '@aws-sdk/client-cloudfront';
import { type CloudFrontClient, CreateDistributionCommand } from '@aws-sdk/client-cloudfront';
import { distributionOver, tempDir, writeYaml } from '../../helpers/config.js';
import { apiDistributionConfig, startApiEdge } from '../../helpers/control-api.js';
import { startOrigin } from '../../helpers/origin.js';

const FILE_CACHE_POLICY = '11111111-1111-4111-a111-111111111111';
const FILE_ORIGIN_REQUEST_POLICY = '22222222-2222-4222-a222-222222222222';
const FILE_RESPONSE_HEADERS_POLICY = '33333333-3333-4333-a333-333333333333';
const CACHING_OPTIMIZED = '658327ea-f89d-4fab-a63d-7e88639e58f6';
const CACHING_DISABLED = '4135ea2d-6df8-44a3-9df3-4b5a84be39ad';

type Command = Parameters<CloudFrontClient['send']>[0];
/** Any of the SDK's command classes: each is sent the same way; the kind picks which. */
type CommandClass = new (input: never) => unknown;
type Output = Record<string, unknown>;

interface Policy {
  Id: string;
  LastModifiedTime: Date;
  Config: Record<string, unknown>;
}

/** One policy kind as the SDK sees it: its element name, its config-file policy, a minimal valid config. */
interface Kind {
  root: string;
  fileId: string;
  config(name: string): Record<string, unknown>;
}

/** The SDK's command class for `CreateCachePolicy`, `ListCachePolicies` … */
const commandOf = (operation: string) =>
  (sdk as unknown as Record<string, CommandClass>)[`${operation}Command`];

const names = (behavior: string, key: string) => ({ [behavior]: 'none', [key]: { Quantity: 0 } });

function cacheConfig(name: string, queryStrings: string[] = [], ttls = { MinTTL: 0, DefaultTTL: 60 }) {
  return {
    Name: name,
    Comment: 'made through the API',
    ...ttls,
    MaxTTL: 600,
    ParametersInCacheKeyAndForwardedToOrigin: {
      EnableAcceptEncodingGzip: false,
      HeadersConfig: names('HeaderBehavior', 'Headers'),
      CookiesConfig: names('CookieBehavior', 'Cookies'),
      QueryStringsConfig: queryStrings.length
        ? {
            QueryStringBehavior: 'whitelist',
            QueryStrings: { Quantity: queryStrings.length, Items: queryStrings },
          }
        : names('QueryStringBehavior', 'QueryStrings'),
    },
  };
}

function headersPolicyConfig(name: string, value = 'v1', count = 1) {
  const Items = Array.from({ length: count }, (_, i) => ({
    Header: i === 0 ? 'X-Policy' : `X-Extra-${i}`,
    Value: value,
    Override: true,
  }));
  return { Name: name, CustomHeadersConfig: { Quantity: Items.length, Items } };
}

const CACHE: Kind = {
  root: 'CachePolicy',
  fileId: FILE_CACHE_POLICY,
  config: (name) => cacheConfig(name),
};
const ORIGIN_REQUEST: Kind = {
  root: 'OriginRequestPolicy',
  fileId: FILE_ORIGIN_REQUEST_POLICY,
  config: (name) => ({
    Name: name,
    HeadersConfig: { HeaderBehavior: 'whitelist', Headers: { Quantity: 1, Items: ['X-Tenant'] } },
    CookiesConfig: names('CookieBehavior', 'Cookies'),
    QueryStringsConfig: { QueryStringBehavior: 'all' },
  }),
};
const RESPONSE_HEADERS: Kind = {
  root: 'ResponseHeadersPolicy',
  fileId: FILE_RESPONSE_HEADERS_POLICY,
  config: (name) => headersPolicyConfig(name),
};
const KINDS = [CACHE, ORIGIN_REQUEST, RESPONSE_HEADERS];

/** The SDK calls of a kind, with the kind's element names taken care of. */
function api(cf: CloudFrontClient, kind: Kind) {
  const send = async (command: CommandClass, input: Record<string, unknown>) =>
    (await cf.send(new command(input as never) as Command)) as unknown as Output;
  const configKey = `${kind.root}Config`;
  const policyOf = (out: Output): Policy => {
    const p = out[kind.root] as Record<string, unknown>;
    return {
      Id: p.Id as string,
      LastModifiedTime: p.LastModifiedTime as Date,
      Config: p[configKey] as Policy['Config'],
    };
  };
  return {
    create: async (config: object) => {
      const out = await send(commandOf(`Create${kind.root}`), { [configKey]: config });
      return { ...policyOf(out), ETag: out.ETag as string, Location: out.Location as string };
    },
    get: async (id: string) => {
      const out = await send(commandOf(`Get${kind.root}`), { Id: id });
      return { ...policyOf(out), ETag: out.ETag as string };
    },
    getConfig: async (id: string) => {
      const out = await send(commandOf(`Get${configKey}`), { Id: id });
      return { Config: out[configKey] as Policy['Config'], ETag: out.ETag as string };
    },
    update: async (id: string, config: object, ifMatch?: string) => {
      const out = await send(commandOf(`Update${kind.root}`), {
        Id: id,
        [configKey]: config,
        IfMatch: ifMatch,
      });
      return { ...policyOf(out), ETag: out.ETag as string };
    },
    delete: (id: string, ifMatch?: string) =>
      send(commandOf(`Delete${kind.root}`), { Id: id, IfMatch: ifMatch }),
    list: async (input: { Type?: string; Marker?: string; MaxItems?: number } = {}) => {
      const out = await send(commandOf(`List${kind.root.slice(0, -1)}ies`), input);
      const list = out[`${kind.root}List`] as { Items?: Output[]; NextMarker?: string; Quantity: number };
      const items = (list.Items ?? []).map((s) => ({ Type: s.Type as string, ...policyOf(s) }));
      return { items, NextMarker: list.NextMarker, Quantity: list.Quantity };
    },
    distributionIds: async (id: string) => {
      const out = await send(commandOf(`ListDistributionsBy${kind.root}Id`), { [`${kind.root}Id`]: id });
      return ((out.DistributionIdList as Output).Items as string[] | undefined) ?? [];
    },
  };
}

function fileConfig(originPort: number) {
  const dist = distributionOver('E1POL', originPort, [], FILE_CACHE_POLICY);
  Object.assign(dist.DistributionConfig.DefaultCacheBehavior, {
    OriginRequestPolicyId: FILE_ORIGIN_REQUEST_POLICY,
    ResponseHeadersPolicyId: FILE_RESPONSE_HEADERS_POLICY,
  });
  return {
    CachePolicies: [{ Id: FILE_CACHE_POLICY, CachePolicyConfig: cacheConfig('file-cache') }],
    OriginRequestPolicies: [
      {
        Id: FILE_ORIGIN_REQUEST_POLICY,
        OriginRequestPolicyConfig: ORIGIN_REQUEST.config('file-origin-request'),
      },
    ],
    ResponseHeadersPolicies: [
      { Id: FILE_RESPONSE_HEADERS_POLICY, ResponseHeadersPolicyConfig: headersPolicyConfig('file-headers') },
    ],
    Distributions: [dist],
  };
}

async function setup(t: { after(fn: () => unknown): void }) {
  const origin = await startOrigin((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'max-age=60' });
    res.end(`origin saw ${req.url}`);
  });
  const dir = await tempDir();
  const config = await writeYaml(dir.dir, 'edgefront.yaml', fileConfig(origin.port));
  const state = `${dir.dir}/state`;
  const edge = await startApiEdge(['--config', config, '--state-dir', state]);
  t.after(async () => {
    await edge.edge.close();
    await origin.close();
    await dir.remove();
  });
  return { origin, edge, cf: edge.cf, config, state };
}

const xCache = async (url: string) => {
  const res = await fetch(url);
  await res.arrayBuffer();
  return res.headers.get('x-cache');
};

/** Asserts the SDK exception's name is CloudFront's code; returns its message. */
async function refused(call: Promise<unknown>, code: string): Promise<string> {
  let message = '';
  await assert.rejects(call, (err: Error) => {
    assert.equal(err.name, code, err.message);
    message = err.message;
    return true;
  });
  return message;
}

/** Every policy of a kind with its ETag: what "state unchanged" is compared on. */
async function snapshot(cf: CloudFrontClient, kind: Kind) {
  const ops = api(cf, kind);
  const { items } = await ops.list({ MaxItems: 1000 });
  return Promise.all(items.map(async (p) => `${p.Id} ${(await ops.get(p.Id)).ETag}`));
}

test('managed policies of each kind are listed under their API names, readable, and refuse Update and Delete', async (t) => {
  const { cf } = await setup(t);
  const expected = { CachePolicy: 7, OriginRequestPolicy: 8, ResponseHeadersPolicy: 5 };
  for (const kind of KINDS) {
    const ops = api(cf, kind);
    const managed = await ops.list({ Type: 'managed' });
    assert.equal(managed.Quantity, expected[kind.root as keyof typeof expected], kind.root);
    assert.ok(managed.items.every((p) => p.Type === 'managed'));
    const custom = await ops.list({ Type: 'custom' });
    assert.deepEqual(
      custom.items.map((p) => [p.Type, p.Id]),
      [['custom', kind.fileId]],
    );
    const all = await ops.list();
    assert.equal(all.Quantity, managed.Quantity + 1);
    const first = managed.items[0];
    const got = await ops.get(first.Id);
    assert.match(got.ETag, /^E[A-Z0-9]{13}$/);
    assert.deepEqual(got.Config, first.Config);
    assert.equal((await ops.getConfig(first.Id)).ETag, got.ETag);
    await refused(ops.update(first.Id, kind.config('mine'), got.ETag), 'IllegalUpdate');
    await refused(ops.delete(first.Id, got.ETag), 'IllegalDelete');
    assert.equal((await ops.get(first.Id)).ETag, got.ETag);
  }
  const cacheNames = (await api(cf, CACHE).list({ Type: 'managed' })).items.map((p) => p.Config.Name);
  assert.ok(cacheNames.includes('Managed-CachingOptimized'));
  assert.ok(cacheNames.includes('UseOriginCacheControlHeaders'));
  assert.ok(cacheNames.includes('UseOriginCacheControlHeaders-QueryStrings'));
  const optimized = await api(cf, CACHE).get(CACHING_OPTIMIZED);
  assert.equal(optimized.Config.MinTTL, 1);
  assert.equal(optimized.Config.DefaultTTL, 86400);
  const headersNames = (await api(cf, RESPONSE_HEADERS).list({ Type: 'managed' })).items.map(
    (p) => p.Config.Name,
  );
  assert.ok(headersNames.includes('Managed-CORS-with-preflight-and-SecurityHeadersPolicy'));
});

test('each kind: Create answers 201 with Location and ETag; Get, GetConfig, Update (If-Match) and Delete (If-Match) work', async (t) => {
  const { cf } = await setup(t);
  for (const kind of KINDS) {
    const ops = api(cf, kind);
    const created = await ops.create(kind.config('made-here'));
    assert.match(created.Id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.ok(created.Location.endsWith(`/2020-05-31/${kindPath(kind)}/${created.Id}`), created.Location);
    assert.match(created.ETag, /^E[A-Z0-9]{13}$/);
    assert.equal(created.Config.Name, 'made-here');
    assert.ok(created.LastModifiedTime instanceof Date);
    const got = await ops.get(created.Id);
    assert.equal(got.ETag, created.ETag);
    assert.deepEqual(got.Config, created.Config);
    const config = await ops.getConfig(created.Id);
    assert.deepEqual(config, { Config: created.Config, ETag: created.ETag });

    const changed = { ...kind.config('made-here'), Comment: 'changed' };
    await refused(ops.update(created.Id, changed), 'InvalidIfMatchVersion');
    await refused(ops.update(created.Id, changed, 'ESTALEETAG0000'), 'PreconditionFailed');
    assert.equal((await ops.get(created.Id)).ETag, created.ETag);
    const updated = await ops.update(created.Id, changed, created.ETag);
    assert.notEqual(updated.ETag, created.ETag);
    assert.equal(updated.Config.Comment, 'changed');
    assert.equal((await ops.get(created.Id)).ETag, updated.ETag);

    await refused(ops.delete(created.Id), 'InvalidIfMatchVersion');
    await refused(ops.delete(created.Id, created.ETag), 'PreconditionFailed');
    assert.equal((await ops.get(created.Id)).ETag, updated.ETag);
    await ops.delete(created.Id, updated.ETag);
    await refused(ops.get(created.Id), `NoSuch${kind.root}`);
    await refused(ops.getConfig(created.Id), `NoSuch${kind.root}`);
    await refused(ops.update(created.Id, changed, updated.ETag), `NoSuch${kind.root}`);
    await refused(ops.delete(created.Id, updated.ETag), `NoSuch${kind.root}`);
  }
});

function kindPath(kind: Kind): string {
  return kind.root.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase();
}

test('names are unique per account, managed names included: *AlreadyExists on Create and Update', async (t) => {
  const { cf } = await setup(t);
  const taken = {
    CachePolicy: [
      'file-cache',
      'Managed-CachingOptimized',
      'CachingOptimized',
      'UseOriginCacheControlHeaders',
    ],
    OriginRequestPolicy: ['file-origin-request', 'Managed-AllViewer'],
    ResponseHeadersPolicy: ['file-headers', 'Managed-SimpleCORS'],
  };
  for (const kind of KINDS) {
    const ops = api(cf, kind);
    const before = await snapshot(cf, kind);
    for (const name of taken[kind.root as keyof typeof taken])
      await refused(ops.create(kind.config(name)), `${kind.root}AlreadyExists`);
    assert.deepEqual(await snapshot(cf, kind), before);
    const mine = await ops.create(kind.config('mine'));
    await refused(
      ops.update(mine.Id, kind.config(taken[kind.root as keyof typeof taken][0]), mine.ETag),
      `${kind.root}AlreadyExists`,
    );
    assert.equal((await ops.get(mine.Id)).ETag, mine.ETag);
    // Keeping its own name is no conflict.
    await ops.update(mine.Id, kind.config('mine'), mine.ETag);
  }
});

test('a policy a distribution uses cannot be deleted: *InUse for config-file and API distributions', async (t) => {
  const { cf, origin } = await setup(t);
  for (const kind of KINDS) {
    const ops = api(cf, kind);
    const file = await ops.get(kind.fileId);
    const message = await refused(ops.delete(kind.fileId, file.ETag), `${kind.root}InUse`);
    assert.match(message, /E1POL/);
    assert.equal((await ops.get(kind.fileId)).ETag, file.ETag);
  }
  const policy = await api(cf, CACHE).create(cacheConfig('for-an-api-distribution'));
  const config = apiDistributionConfig(origin.port, 'uses-a-policy');
  Object.assign(config.DefaultCacheBehavior ?? {}, { CachePolicyId: policy.Id });
  const dist = await cf.send(new CreateDistributionCommand({ DistributionConfig: config }));
  await refused(api(cf, CACHE).delete(policy.Id, policy.ETag), 'CachePolicyInUse');
  assert.deepEqual(await api(cf, CACHE).distributionIds(policy.Id), [dist.Distribution?.Id]);
});

test('ListDistributionsBy*PolicyId names the distributions using the policy; an unknown policy is NoSuch*', async (t) => {
  const { cf } = await setup(t);
  for (const kind of KINDS) {
    const ops = api(cf, kind);
    assert.deepEqual(await ops.distributionIds(kind.fileId), ['E1POL']);
    const unused = await ops.create(kind.config('unused'));
    assert.deepEqual(await ops.distributionIds(unused.Id), []);
    await refused(ops.distributionIds('00000000-0000-4000-a000-000000000000'), `NoSuch${kind.root}`);
  }
  assert.deepEqual(await api(cf, CACHE).distributionIds(CACHING_DISABLED), []);
});

test('20 custom policies of a kind are the quota: TooManyCachePolicies, config-file ones counted', async (t) => {
  const { cf } = await setup(t);
  const ops = api(cf, CACHE);
  for (let i = 1; i < 20; i++) await ops.create(cacheConfig(`quota-${i}`));
  const before = await snapshot(cf, CACHE);
  await refused(ops.create(cacheConfig('one-too-many')), 'TooManyCachePolicies');
  assert.deepEqual(await snapshot(cf, CACHE), before);
  assert.equal((await ops.list({ Type: 'custom' })).Quantity, 20);
});

test('bodies CloudFront refuses: InvalidArgument naming the field, TooMany* over the limits, InconsistentQuantities; nothing is stored', async (t) => {
  const { cf } = await setup(t);
  const before = await Promise.all(KINDS.map((k) => snapshot(cf, k)));
  const cache = api(cf, CACHE);
  const ttl = await refused(
    cache.create(cacheConfig('bad-ttl', [], { MinTTL: 100, DefaultTTL: 50 })),
    'InvalidArgument',
  );
  assert.match(ttl, /CachePolicyConfig\.MinTTL: MinTTL \(100\) is greater than DefaultTTL \(50\)/);
  const headers = Array.from({ length: 11 }, (_, i) => `X-H${i}`);
  const tooMany = cacheConfig('many-headers');
  tooMany.ParametersInCacheKeyAndForwardedToOrigin.HeadersConfig = {
    HeaderBehavior: 'whitelist',
    Headers: { Quantity: 11, Items: headers },
  } as never;
  await refused(cache.create(tooMany), 'TooManyHeadersInCachePolicy');
  await refused(cache.create(cacheConfig('many-query-strings', headers)), 'TooManyQueryStringsInCachePolicy');
  const inconsistent = cacheConfig('inconsistent', ['a']);
  (
    inconsistent.ParametersInCacheKeyAndForwardedToOrigin.QueryStringsConfig as { QueryStrings: object }
  ).QueryStrings = {
    Quantity: 2,
    Items: ['a'],
  };
  await refused(cache.create(inconsistent), 'InconsistentQuantities');
  const badName = await refused(cache.create(cacheConfig('spaces are not allowed')), 'InvalidArgument');
  assert.match(badName, /Name/);
  const file = await cache.get(FILE_CACHE_POLICY);
  await refused(
    cache.update(FILE_CACHE_POLICY, cacheConfig('file-cache', [], { MinTTL: 10, DefaultTTL: 5 }), file.ETag),
    'InvalidArgument',
  );

  const orp = api(cf, ORIGIN_REQUEST);
  const cookies = {
    ...ORIGIN_REQUEST.config('many-cookies'),
    CookiesConfig: { CookieBehavior: 'whitelist', Cookies: { Quantity: 11, Items: headers } },
  };
  await refused(orp.create(cookies), 'TooManyCookiesInOriginRequestPolicy');
  const behavior = await refused(
    orp.create({ ...ORIGIN_REQUEST.config('bad-behavior'), HeadersConfig: { HeaderBehavior: 'some' } }),
    'InvalidArgument',
  );
  assert.match(behavior, /HeaderBehavior/);

  const rhp = api(cf, RESPONSE_HEADERS);
  await refused(
    rhp.create(headersPolicyConfig('many', 'v', 11)),
    'TooManyCustomHeadersInResponseHeadersPolicy',
  );
  const frame = await refused(
    rhp.create({
      Name: 'bad-frame',
      SecurityHeadersConfig: { FrameOptions: { Override: true, FrameOption: 'ALLOW' } },
    }),
    'InvalidArgument',
  );
  assert.match(frame, /FrameOptions\.FrameOption/);
  await refused(
    rhp.create({
      Name: 'long-csp',
      SecurityHeadersConfig: {
        ContentSecurityPolicy: { Override: true, ContentSecurityPolicy: `default-src ${'a'.repeat(1800)}` },
      },
    }),
    'TooLongCSPInResponseHeadersPolicy',
  );
  await refused(rhp.list({ Type: 'some' }), 'InvalidArgument');
  assert.deepEqual(await Promise.all(KINDS.map((k) => snapshot(cf, k))), before);
});

test('List pages with MaxItems and NextMarker', async (t) => {
  const { cf } = await setup(t);
  const ops = api(cf, ORIGIN_REQUEST);
  const all = await ops.list();
  const seen: string[] = [];
  let marker: string | undefined;
  do {
    const page = await ops.list({ MaxItems: 3, Marker: marker });
    assert.ok(page.Quantity <= 3);
    seen.push(...page.items.map((p) => p.Id));
    marker = page.NextMarker;
  } while (marker);
  assert.deepEqual([...seen].sort(), all.items.map((p) => p.Id).sort());
  assert.equal(new Set(seen).size, all.Quantity);
});

test('policies created, changed and deleted through the API survive a restart with the same --state-dir', async (t) => {
  const { edge, cf, config, state } = await setup(t);
  const created = await Promise.all(KINDS.map((k) => api(cf, k).create(k.config('kept'))));
  const file = await api(cf, CACHE).get(FILE_CACHE_POLICY);
  const changed = await api(cf, CACHE).update(FILE_CACHE_POLICY, cacheConfig('file-cache', ['v']), file.ETag);
  const gone = await api(cf, ORIGIN_REQUEST).create(ORIGIN_REQUEST.config('gone'));
  await api(cf, ORIGIN_REQUEST).delete(gone.Id, gone.ETag);
  await edge.edge.close();
  const again = await startApiEdge(['--config', config, '--state-dir', state]);
  t.after(() => again.edge.close());
  for (const [i, kind] of KINDS.entries()) {
    const got = await api(again.cf, kind).get(created[i].Id);
    assert.equal(got.ETag, created[i].ETag);
    assert.deepEqual(got.Config, created[i].Config);
  }
  const file2 = await api(again.cf, CACHE).get(FILE_CACHE_POLICY);
  assert.equal(file2.ETag, changed.ETag);
  assert.deepEqual(file2.Config, changed.Config);
  await refused(api(again.cf, ORIGIN_REQUEST).get(gone.Id), 'NoSuchOriginRequestPolicy');
});

test('updating a config-file cache policy changes the cache key of live traffic without restart', async (t) => {
  const { cf, edge, origin } = await setup(t);
  assert.equal(await xCache(edge.edge.url('/page?v=1')), 'Miss from cloudfront');
  assert.equal(
    await xCache(edge.edge.url('/page?v=2')),
    'Hit from cloudfront',
    'query strings are not in the key yet',
  );
  const cache = api(cf, CACHE);
  const file = await cache.get(FILE_CACHE_POLICY);
  assert.equal(
    (await cache.get(FILE_CACHE_POLICY)).ETag,
    file.ETag,
    'a config-file policy has a stable ETag',
  );
  await cache.update(FILE_CACHE_POLICY, cacheConfig('file-cache', ['v']), file.ETag);
  const hits = origin.hits;
  assert.equal(await xCache(edge.edge.url('/page?v=3')), 'Miss from cloudfront');
  assert.equal(await xCache(edge.edge.url('/page?v=4')), 'Miss from cloudfront');
  assert.equal(await xCache(edge.edge.url('/page?v=3')), 'Hit from cloudfront');
  assert.equal(origin.hits, hits + 2);
  assert.deepEqual(
    (await cache.get(FILE_CACHE_POLICY)).Config.ParametersInCacheKeyAndForwardedToOrigin,
    cacheConfig('file-cache', ['v']).ParametersInCacheKeyAndForwardedToOrigin,
  );
});

test("updating a response headers policy's custom header changes the response header of live traffic", async (t) => {
  const { cf, edge } = await setup(t);
  const first = await fetch(edge.edge.url('/headers'));
  await first.arrayBuffer();
  assert.equal(first.headers.get('x-policy'), 'v1');
  const rhp = api(cf, RESPONSE_HEADERS);
  const file = await rhp.get(FILE_RESPONSE_HEADERS_POLICY);
  await rhp.update(FILE_RESPONSE_HEADERS_POLICY, headersPolicyConfig('file-headers', 'v2'), file.ETag);
  const second = await fetch(edge.edge.url('/headers'));
  await second.arrayBuffer();
  assert.equal(second.headers.get('x-policy'), 'v2');
});
