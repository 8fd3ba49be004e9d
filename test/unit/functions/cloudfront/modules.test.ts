/** The built-in modules (reference §4): crypto, querystring, Buffer, 1.0 byte strings, cloudfront. */
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import test from 'node:test';
import { type FunctionRuntime, KeyValueStore } from '../../../../src/functions/cloudfront/index.js';
import { errorOf, load, logsOf, requestOf, runSync, viewerRequest, viewerResponse } from './helpers.js';

const logs1 = (body: string) =>
  logsOf(`var crypto = require('crypto'); var qs = require('querystring');\n${body}`, 'cloudfront-js-1.0');
const logs2 = (body: string) =>
  logsOf(`var crypto = require('crypto'); var qs = require('querystring');\n${body}`);

test('crypto: md5, sha1, sha256 hashes and HMACs in hex, base64 and base64url', () => {
  const expected: string[] = [];
  for (const alg of ['md5', 'sha1', 'sha256']) {
    for (const enc of ['hex', 'base64', 'base64url'] as const) {
      expected.push(createHash(alg).update('héllo').update(' world').digest(enc));
      expected.push(createHmac(alg, 'k€y').update('data').digest(enc));
    }
  }
  const body = `['md5', 'sha1', 'sha256'].forEach(function (alg) {
    ['hex', 'base64', 'base64url'].forEach(function (enc) {
      console.log(crypto.createHash(alg).update('héllo').update(' world').digest(enc));
      console.log(crypto.createHmac(alg, 'k€y').update('data').digest(enc));
    });
  });`;
  assert.deepEqual(logs1(body), expected);
  assert.deepEqual(logs2(body), expected);
});

test('crypto digest() without an encoding: a byte string in 1.0, a Buffer in 2.0 (§2.4)', () => {
  const hex = createHash('sha256').update('abc').digest('hex');
  const v1 = logs1(`var d = crypto.createHash('sha256').update('abc').digest();
    console.log(typeof d + ' ' + d.length);
    var hex = ''; for (var i = 0; i < d.length; i++) hex += ('0' + d.charCodeAt(i).toString(16)).slice(-2);
    console.log(hex);`);
  assert.deepEqual(v1, ['string 32', hex]);
  const v2 = logs2(`var d = crypto.createHash('sha256').update('abc').digest();
    console.log(Buffer.isBuffer(d) + ' ' + d.length + ' ' + d.toString('hex'));`);
  assert.deepEqual(v2, [`true 32 ${hex}`]);
});

test('crypto refuses other algorithms and a second digest; 2.0 hashes Buffers and keys by bytes', () => {
  const errors = logs1(`try { crypto.createHash('sha512'); } catch (e) { console.log(e.message); }
    var h = crypto.createHash('md5'); h.digest('hex');
    try { h.digest('hex'); } catch (e) { console.log(e.message); }`);
  assert.deepEqual(errors, ['Digest method not supported', 'Digest already called']);
  const bytes = logs2(
    `console.log(crypto.createHmac('sha1', Buffer.from('6b6579', 'hex')).update(Buffer.from([1, 2, 255])).digest('hex'));`,
  );
  assert.deepEqual(bytes, [
    createHmac('sha1', 'key')
      .update(Buffer.from([1, 2, 255]))
      .digest('hex'),
  ]);
});

test('querystring: parse and stringify as documented, with escape/unescape and the aliases', () => {
  const logs = logs1(`
    console.log(qs.parse('name=value&abc=xyz&abc=123'));
    console.log(qs.stringify({ name: 'value', abc: ['xyz', '123'], anotherName: '' }));
    console.log(qs.parse('a:1;b:2', ';', ':'));
    console.log(qs.parse('a=1&b=2&c=3', null, null, { maxKeys: 2 }));
    console.log(qs.parse('q=caf%C3%A9+au+lait&bad=%E9&odd=%zz'));
    console.log(qs.stringify({ n: 1, t: true, x: {}, s: 'a b&c' }));
    console.log(qs.escape('a b/é') + ' ' + qs.unescape('a%20b%2F%C3%A9'));
    console.log(qs.decode === qs.parse && qs.encode === qs.stringify);`);
  assert.deepEqual(logs, [
    '{"name":"value","abc":["xyz","123"]}',
    'name=value&abc=xyz&abc=123&anotherName=',
    '{"a":"1","b":"2"}',
    '{"a":"1","b":"2"}',
    '{"q":"café au lait","bad":"\uFFFD","odd":"%zz"}',
    'n=1&t=true&x=&s=a%20b%26c',
    'a%20b%2F%C3%A9 a b/é',
    'true',
  ]);
});

test('Buffer (2.0): from/alloc/concat/compare, encodings, reads and writes, toJSON', () => {
  const logs = logs2(`
    var b = Buffer.from('héllo');
    console.log(b.length + ' ' + b.toString('hex') + ' ' + b.toString('base64') + ' ' + b.toString('base64url'));
    console.log(Buffer.from('aGk', 'base64url').toString() + Buffer.from('6869', 'hex').toString('utf8'));
    console.log(Buffer.concat([Buffer.from('a'), Buffer.from('bc')]).toString() + ' ' + Buffer.byteLength('é'));
    console.log(Buffer.compare(Buffer.from('a'), Buffer.from('b')) + ' ' + Buffer.from('ab').equals(Buffer.from('ab')));
    var w = Buffer.alloc(8);
    w.writeUInt32BE(0xdeadbeef, 0); w.writeInt16LE(-2, 4); w.writeUInt8(7, 6);
    console.log(w.toString('hex') + ' ' + w.readUInt32BE(0) + ' ' + w.readInt16LE(4) + ' ' + w.readUIntBE(0, 3));
    var f = Buffer.alloc(8); f.writeDoubleLE(1.5); console.log(f.readDoubleLE(0));
    console.log(JSON.stringify(Buffer.from([1, 2]).toJSON()) + ' ' + Buffer.isEncoding('base64url') + ' ' + Buffer.isEncoding('utf16'));
    console.log(Buffer.from('hello world').indexOf('o') + ' ' + Buffer.from('hello world').lastIndexOf('o') + ' ' + Buffer.from('abc').includes('bc'));
    console.log(Buffer.from('abcd').subarray(1, 3).toString() + ' ' + Buffer.isBuffer(Buffer.from('a').subarray(0)));
    console.log(Buffer.alloc(3, 'ab').toString() + ' ' + Buffer.from([1, 2, 3, 4]).swap16().toString('hex'));
    try { Buffer.alloc(2).readUInt32LE(0); } catch (e) { console.log(e.name); }
    try { Buffer.from('x', 'utf16'); } catch (e) { console.log(e.message); }`);
  assert.deepEqual(logs, [
    '6 68c3a96c6c6f aMOpbGxv aMOpbGxv',
    'hihi',
    'abc 2',
    '-1 true',
    'deadbeeffeff0700 3735928559 -2 14593470',
    '1.5',
    '{"type":"Buffer","data":[1,2]} true false',
    '4 7 true',
    'bc true',
    'aba 02010403',
    'RangeError',
    'Unknown encoding: utf16',
  ]);
});

test('TextEncoder, TextDecoder, atob and btoa (2.0); absent in 1.0', () => {
  const logs = logs2(`
    var bytes = new TextEncoder().encode('é€');
    console.log(bytes.length + ' ' + new TextDecoder().decode(bytes));
    console.log(new TextDecoder().decode(new Uint8Array([0xff])));
    try { new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array([0xff])); } catch (e) { console.log(e.name); }
    console.log(btoa('hi') + ' ' + atob('aGk='));`);
  assert.deepEqual(logs, ['5 é€', '\uFFFD', 'TypeError', 'aGk= hi']);
  assert.deepEqual(
    logs1(
      `console.log([typeof Buffer, typeof TextEncoder, typeof atob, typeof btoa, typeof DataView].join(' '));`,
    ),
    ['undefined undefined undefined undefined undefined'],
  );
});

test('1.0 byte-string helpers: bytesFrom, fromBytes, fromUTF8, toBytes, toUTF8; gone in 2.0', () => {
  const logs = logs1(`
    console.log(String.bytesFrom('68c3a9', 'hex').fromUTF8() + ' ' + String.bytesFrom([104, 105]));
    console.log('é'.toUTF8().length + ' ' + 'é'.toUTF8().fromUTF8() + ' ' + '\\xff'.fromUTF8());
    console.log('abc'.toBytes(1) + ' ' + ('€'.toBytes() === null) + ' ' + 'abc'.fromBytes(0, 2));
    console.log(String.bytesFrom('aGk', 'base64url'));`);
  assert.deepEqual(logs, ['hé hi', '2 é null', 'bc true ab', 'hi']);
  assert.deepEqual(logs2(`console.log(typeof ''.toUTF8 + ' ' + typeof String.bytesFrom);`), [
    'undefined undefined',
  ]);
});

test('require gives crypto and querystring only; 2.0 import gives the cloudfront, crypto, querystring, buffer modules', () => {
  const result = runSync(
    load("function handler(event) { require('fs'); }", 'cloudfront-js-1.0'),
    viewerRequest(),
  );
  assert.equal(errorOf(result, 'execution'), "Error: Cannot find module 'fs'");
  const imports = runSync(
    load(`import cf from 'cloudfront';
import crypto from 'crypto';
import qs from 'querystring';
import buffer from 'buffer';
function handler(event) {
  console.log([typeof cf.kvs, typeof crypto.createHash, typeof qs.parse, buffer.Buffer === Buffer].join(' '));
  return event.request;
}`),
    viewerRequest(),
  );
  assert.deepEqual(imports.logs, ['function function function true']);
});

const kvsFunction = (body: string) => `import cf from 'cloudfront';
async function handler(event) {
  const kvs = cf.kvs();
${body}
  return event.request;
}`;

test('KVS get: string (default), json and bytes formats; missing keys reject with KeyNotFound; exists; meta', async () => {
  const store = new KeyValueStore(
    [
      ['greeting', 'héllo'],
      ['config', '{"a":[1,2]}'],
    ],
    'kvs-id-1',
    () => Date.UTC(2025, 0, 2),
  );
  const fn = load(
    kvsFunction(`
  const greeting = await kvs.get('greeting');
  console.log(greeting);
  const config = await kvs.get('config', { format: 'json' });
  console.log(config.a[1]);
  const bytes = await kvs.get('greeting', { format: 'bytes' });
  console.log(bytes.length + ' ' + Buffer.isBuffer(bytes));
  try { await kvs.get('nope'); } catch (e) { console.log(String(e)); }
  try { await kvs.get('greeting', { format: 'json' }); } catch (e) { console.log(e.name); }
  const yes = await kvs.exists('greeting');
  const no = await kvs.exists('nope');
  console.log(yes + ' ' + no);
  const meta = await kvs.meta();
  console.log(meta.keyCount + ' ' + meta.creationDateTime);
  console.log(cf.kvs('kvs-id-1') !== undefined);
  try { cf.kvs('other-id'); } catch (e) { console.log(e.message); }`),
    'cloudfront-js-2.0',
    store,
  );
  const result = await fn.run(viewerRequest());
  assert.equal(result.error, undefined, result.error?.message);
  assert.deepEqual(result.logs, [
    'héllo',
    '2',
    '6 true',
    'Error: KeyNotFound',
    'SyntaxError',
    'true false',
    '2 2025-01-02T00:00:00.000Z',
    'true',
    'KeyValueStore other-id is not associated with this function',
  ]);
});

test('KVS reads go through the reader at call time: data swapped underneath is seen by the next run', async () => {
  const store = new KeyValueStore([['k', 'v1']]);
  const fn = load(
    kvsFunction('  const v = await kvs.get("k");\n  console.log(v);'),
    'cloudfront-js-2.0',
    store,
  );
  assert.deepEqual((await fn.run(viewerRequest())).logs, ['v1']);
  store.replace([['k', 'v2']]);
  assert.deepEqual((await fn.run(viewerRequest())).logs, ['v2']);
});

test('cf.kvs() without an associated store throws; an ignored rejected read never surfaces', async () => {
  const result = await load(kvsFunction(''), 'cloudfront-js-2.0').run(viewerRequest());
  assert.equal(errorOf(result, 'execution'), 'Error: No KeyValueStore is associated with this function');
  const ignored = await load(
    kvsFunction('  kvs.get("missing");'),
    'cloudfront-js-2.0',
    new KeyValueStore(),
  ).run(viewerRequest());
  requestOf(ignored);
});

const originFunction = (call: string, runtime: FunctionRuntime = 'cloudfront-js-2.0') =>
  load(
    `import cf from 'cloudfront';\nfunction handler(event) {\n  ${call};\n  return event.request;\n}`,
    runtime,
  );

test('origin helpers record an override; the last call wins', () => {
  const select = runSync(
    originFunction(
      "cf.updateRequestOrigin({ domainName: 'a.example.com' }); cf.selectRequestOriginById('origin-2', { hostHeader: 'b.example.com' })",
    ),
    viewerRequest(),
  );
  requestOf(select);
  assert.deepEqual(select.origin, {
    kind: 'select',
    originId: 'origin-2',
    overrides: { hostHeader: 'b.example.com' },
  });
  const group = runSync(
    originFunction(
      "cf.createRequestOriginGroup({ originIds: [{ originId: 'o1', originOverrides: { sni: 'x.example.com' } }, 'o2'], failoverCriteria: { statusCodes: [500, 503] } })",
    ),
    viewerRequest(),
  );
  assert.deepEqual(group.origin, {
    kind: 'group',
    params: {
      originIds: [{ originId: 'o1', originOverrides: { sni: 'x.example.com' } }, { originId: 'o2' }],
      selectionCriteria: 'default',
      failoverCriteria: { statusCodes: [500, 503] },
    },
  });
  const update = runSync(
    originFunction(
      "cf.updateRequestOrigin({ domainName: 'api.example.com', originPath: '/v2', customHeaders: { 'x-key': 'abc' }, connectionAttempts: 2, timeouts: { readTimeout: 30, connectionTimeout: 5 }, customOriginConfig: { port: 8443, protocol: 'https', sslProtocols: ['TLSv1.2'] }, originShield: { enabled: true, region: 'us-east-2' } })",
    ),
    viewerRequest(),
  );
  assert.equal(update.error, undefined, update.error?.message);
  assert.equal((update.origin as { params: { originPath: string } }).params.originPath, '/v2');
});

test('invalid origin-helper arguments are a FunctionValidationError after the run', () => {
  const cases: [string, RegExp][] = [
    ["cf.updateRequestOrigin({ domainName: '10.0.0.1' })", /not an IP address/],
    ["cf.updateRequestOrigin({ domainName: 'a.example.com:8080' })", /must not contain ":"/],
    ["cf.updateRequestOrigin({ originPath: 'v2/' })", /originPath must start with/],
    ["cf.updateRequestOrigin({ customHeaders: { 'x-a': { value: 'b' } } })", /flat map/],
    ["cf.updateRequestOrigin({ customHeaders: { 'X-A': 'b' } })", /lowercase/],
    ["cf.updateRequestOrigin({ customHeaders: { host: 'b' } })", /request already has it/],
    ["cf.updateRequestOrigin({ customHeaders: { 'x-amz-cf-id': 'b' } })", /disallowed/],
    [
      'cf.updateRequestOrigin({ connectionAttempts: 4 })',
      /connectionAttempts must be an integer from 1 to 3/,
    ],
    ['cf.updateRequestOrigin({ timeouts: { connectionTimeout: 11 } })', /connectionTimeout/],
    ['cf.updateRequestOrigin({ originShield: { enabled: true } })', /originShield.region/],
    [
      "cf.updateRequestOrigin({ originAccessControlConfig: { enabled: true, signingBehavior: 'always' } })",
      /signingProtocol/,
    ],
    [
      "cf.updateRequestOrigin({ domainName: 'b.s3.us-east-1.amazonaws.com', hostHeader: 'x.example.com' })",
      /S3 origin/,
    ],
    ["cf.updateRequestOrigin({ ipAddressType: 'ipv6' })", /together with domainName/],
    ["cf.updateRequestOrigin({ colour: 'blue' })", /unknown parameter colour/],
    ["cf.selectRequestOriginById('')", /originId must be a non-empty string/],
    [
      "cf.createRequestOriginGroup({ originIds: ['a'], failoverCriteria: { statusCodes: [500] } })",
      /exactly 2/,
    ],
    [
      "cf.createRequestOriginGroup({ originIds: ['a', 'b'], failoverCriteria: { statusCodes: [200] } })",
      /statusCodes/,
    ],
  ];
  for (const [call, message] of cases) {
    assert.match(errorOf(runSync(originFunction(call), viewerRequest()), 'validation'), message, call);
  }
});

test('origin helpers are viewer-request only; edgeLocation is filled there; distributionTenant throws', () => {
  const code = `import cf from 'cloudfront';
function handler(event) {
  console.log(JSON.stringify(cf.edgeLocation));
  try { cf.distributionTenant.id; } catch (e) { console.log(e.name + ': ' + e.message); }
  if (event.response) { cf.selectRequestOriginById('o1'); return event.response; }
  return event.request;
}`;
  const edgeLocation = { name: 'SEA', serverIp: '192.0.2.1', region: 'us-west-2' };
  const request = runSync(load(code), viewerRequest(), { edgeLocation });
  assert.deepEqual(request.logs, [
    JSON.stringify(edgeLocation),
    'TypeError: distributionTenant module is not available',
  ]);
  const response = runSync(load(code), viewerResponse(), { edgeLocation });
  assert.match(errorOf(response, 'validation'), /viewer-request functions only/);
  assert.equal(response.logs[0], '{}');
});

test('2.0 request.rawQueryString(): the query as received, "" for a bare "?", undefined without one', () => {
  const fn = load(requestFunctionLogging('console.log(String(event.request.rawQueryString()));'));
  const raw = (rawQueryString?: string) => runSync(fn, viewerRequest(), { rawQueryString }).logs[0];
  assert.equal(raw('a=1&b=%20'), 'a=1&b=%20');
  assert.equal(raw(''), '');
  assert.equal(raw(undefined), 'undefined');
  assert.deepEqual(
    runSync(fn, viewerRequest()).logs.length,
    1,
    'rawQueryString is not an own enumerable property of the request',
  );
  const keys = runSync(
    load(requestFunctionLogging('console.log(Object.keys(event.request).join());')),
    viewerRequest(),
  );
  assert.deepEqual(keys.logs, ['method,uri,querystring,headers,cookies']);
});

function requestFunctionLogging(body: string): string {
  return `function handler(event) {\n${body}\nreturn event.request;\n}`;
}
