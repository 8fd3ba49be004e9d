/**
 * What a function returns is checked as CloudFront does (reference §3, §3.4, §5.1, §5.2): bad
 * output is a FunctionValidationError (502); good output is normalised with §3.2's write-back.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import {
  errorOf,
  load,
  requestFunction,
  requestOf,
  responseOf,
  runSync,
  viewerRequest,
  viewerResponse,
} from './helpers.js';

const inRequest = (body: string, event = viewerRequest()) => runSync(load(requestFunction(body)), event);
const responseFunction = (body: string) => `function handler(event) {\n${body}\nreturn event.response;\n}`;
const inResponse = (body: string, event = viewerResponse()) => runSync(load(responseFunction(body)), event);
const generated = (response: string) =>
  runSync(load(`function handler(event) { return ${response}; }`), viewerRequest());

test('request.method is read-only', () => {
  assert.match(
    errorOf(inRequest("event.request.method = 'POST';"), 'validation'),
    /request.method is read-only/,
  );
  requestOf(inRequest("event.request.method = 'GET';"));
});

test('request.uri must be a string starting with "/" without spaces or control characters', () => {
  assert.match(errorOf(inRequest("event.request.uri = 'index.html';"), 'validation'), /must start with "\/"/);
  assert.match(errorOf(inRequest('event.request.uri = 5;'), 'validation'), /uri must be a string/);
  assert.match(errorOf(inRequest("event.request.uri = '/a b';"), 'validation'), /spaces or control/);
  assert.match(errorOf(inRequest("event.request.uri = '/a\\nb';"), 'validation'), /spaces or control/);
  const long = inRequest("event.request.uri = '/' + 'a'.repeat(8191);");
  assert.match(errorOf(long, 'validation'), /under 8192 characters/);
});

test('viewer-request: disallowed headers cannot be added, read-only ones not added, changed or deleted', () => {
  for (const name of ['connection', 'x-amz-cf-id', 'x-edge-location', 'x-forwarded-proto', 'upgrade']) {
    const result = inRequest(`event.request.headers['${name}'] = { value: 'x' };`);
    assert.match(errorOf(result, 'validation'), new RegExp(`${name} is disallowed`));
  }
  for (const name of ['host', 'via', 'content-length', 'transfer-encoding', 'cdn-loop']) {
    const added = inRequest(`event.request.headers['${name}'] = { value: 'x' };`);
    assert.match(errorOf(added, 'validation'), new RegExp(`${name} is read-only in viewer-request`));
  }
  assert.match(errorOf(inRequest('delete event.request.headers.host;'), 'validation'), /host is read-only/);
  assert.match(
    errorOf(inRequest("event.request.headers.host.value = 'evil.example';"), 'validation'),
    /host is read-only/,
  );
  assert.match(errorOf(inRequest('event.request.headers = {};'), 'validation'), /host is read-only/);
  requestOf(inRequest("event.request.headers.host = { value: 'www.example.com' };"));
  requestOf(inRequest("event.request.headers['warning'] = { value: '199 x' };"));
});

test('viewer-response: warning and via are read-only; the viewer-request ones are not', () => {
  const event = viewerResponse({ responseHeaders: { via: '1.1 abc.cloudfront.net (CloudFront)' } });
  assert.match(
    errorOf(inResponse("event.response.headers.warning = { value: '1' };"), 'validation'),
    /warning/,
  );
  assert.match(
    errorOf(inResponse('delete event.response.headers.via;', event), 'validation'),
    /via is read-only/,
  );
  responseOf(inResponse("event.response.headers['content-length'] = { value: '5' };"));
  assert.match(
    errorOf(inResponse("event.response.headers['x-cache'] = { value: 'Hit' };"), 'validation'),
    /x-cache/,
  );
});

test('header names must be lowercase HTTP tokens; values strings without line breaks', () => {
  assert.match(
    errorOf(inRequest("event.request.headers['X-Custom'] = { value: 'a' };"), 'validation'),
    /lowercase/,
  );
  assert.match(
    errorOf(inRequest("event.request.headers['a b'] = { value: 'a' };"), 'validation'),
    /valid HTTP/,
  );
  assert.match(errorOf(inRequest("event.request.headers['x-a'] = 'a';"), 'validation'), /must be an object/);
  assert.match(
    errorOf(inRequest("event.request.headers['x-a'] = { value: 1 };"), 'validation'),
    /value must be a string/,
  );
  assert.match(
    errorOf(inRequest("event.request.headers['x-a'] = { value: 'a\\r\\nb' };"), 'validation'),
    /invalid value/,
  );
});

test('query strings: object entries or a pre-built string, without spaces, control characters or #', () => {
  assert.equal(requestOf(inRequest("event.request.querystring = 'a=1&b=2';")).querystring, 'a=1&b=2');
  assert.equal(requestOf(inRequest("event.request.querystring.x = { value: '1' };")).querystring, 'x=1');
  for (const bad of ["'a=1 2'", "'a=1#x'", "'a=\\t'"]) {
    const result = inRequest(`event.request.querystring = ${bad};`);
    assert.match(errorOf(result, 'validation'), /spaces, control characters or "#"/);
  }
  assert.match(
    errorOf(inRequest("event.request.querystring.q = { value: 'a b' };"), 'validation'),
    /spaces, control characters/,
  );
  assert.match(
    errorOf(inRequest('event.request.querystring = 5;'), 'validation'),
    /querystring must be an object/,
  );
});

test('multiValue write-back: a changed multiValue wins; a changed value replaces only the first occurrence', () => {
  const event = viewerRequest({ headers: { accept: ['a', 'b', 'c'] }, querystring: { q: ['1', '2'] } });
  const valueOnly = requestOf(inRequest("event.request.headers.accept.value = 'x';", event));
  assert.deepEqual(valueOnly.headers.accept, ['x', 'b', 'c']);
  const mvChanged = requestOf(
    inRequest(
      "event.request.headers.accept.value = 'ignored'; event.request.headers.accept.multiValue.pop();",
      event,
    ),
  );
  assert.deepEqual(mvChanged.headers.accept, ['a', 'b']);
  const replaced = requestOf(
    inRequest(
      "event.request.headers.accept = { value: 'v', multiValue: [{ value: 'm1' }, { value: 'm2' }] };",
      event,
    ),
  );
  assert.deepEqual(replaced.headers.accept, ['m1', 'm2']);
  const newEntry = requestOf(inRequest("event.request.headers.accept = { value: 'only' };", event));
  assert.deepEqual(
    newEntry.headers.accept,
    ['only', 'b', 'c'],
    'a new object without multiValue: later ones stay',
  );
  const query = requestOf(inRequest("event.request.querystring.q.multiValue.push({ value: '3' });", event));
  assert.equal(query.querystring, 'q=1&q=2&q=3');
  const deleted = requestOf(inRequest('delete event.request.headers.accept;', event));
  assert.equal(deleted.headers.accept, undefined);
  assert.deepEqual(requestOf(inRequest('', event)).headers.accept, ['a', 'b', 'c']);
});

test('request cookies are written back the same way', () => {
  const event = viewerRequest({ cookies: { session: ['a', 'b'], theme: 'dark' } });
  const result = requestOf(
    inRequest("event.request.cookies.session.value = 'z'; delete event.request.cookies.theme;", event),
  );
  assert.deepEqual({ ...result.cookies }, { session: ['z', 'b'] });
  assert.equal(result.changed.cookies, true);
  assert.match(
    errorOf(inRequest("event.request.cookies['a;b'] = { value: '1' };"), 'validation'),
    /cookie name/,
  );
  assert.match(
    errorOf(inRequest("event.request.cookies.a = { value: '1;2' };"), 'validation'),
    /invalid value/,
  );
});

test('generated responses: statusCode an integer from 100 to 599, statusDescription a string', () => {
  assert.equal(responseOf(generated('{ statusCode: 204 }')).statusCode, 204);
  for (const bad of ["'302'", '302.5', '99', '600']) {
    assert.match(errorOf(generated(`{ statusCode: ${bad} }`), 'validation'), /statusCode must be an integer/);
  }
  assert.match(
    errorOf(generated('{ statusCode: 200, statusDescription: 5 }'), 'validation'),
    /statusDescription/,
  );
  assert.match(
    errorOf(generated("{ statusCode: 200, headers: { 'x-amz-cf-pop': { value: 'x' } } }"), 'validation'),
    /disallowed/,
  );
  const withVia = generated("{ statusCode: 200, headers: { via: { value: 'proxy' } } }");
  assert.deepEqual(
    responseOf(withVia).headers.via,
    ['proxy'],
    'read-only rules apply to the event headers only',
  );
});

test('response bodies: a string, { encoding: text|base64, data }, base64 that decodes, at most 40 KB', () => {
  assert.deepEqual(responseOf(generated("{ statusCode: 200, body: 'hi' }")).body, {
    encoding: 'text',
    data: 'hi',
  });
  assert.deepEqual(responseOf(generated("{ statusCode: 200, body: { data: 'hi' } }")).body, {
    encoding: 'text',
    data: 'hi',
  });
  assert.deepEqual(
    responseOf(generated("{ statusCode: 200, body: { encoding: 'base64', data: 'aGk=' } }")).body,
    {
      encoding: 'base64',
      data: 'aGk=',
    },
  );
  assert.deepEqual(responseOf(generated("{ statusCode: 200, body: '' }")).body, {
    encoding: 'text',
    data: '',
  });
  const cases: [string, RegExp][] = [
    ["{ encoding: 'base64', data: 'not base64!' }", /not valid base64/],
    ["{ encoding: 'gzip', data: 'x' }", /encoding must be "text" or "base64"/],
    ['{ data: 5 }', /data must be a string/],
    ['5', /must be a string or \{ encoding, data \}/],
    ["'x'.repeat(40 * 1024 + 1)", /larger than 40960 bytes/],
  ];
  for (const [body, message] of cases) {
    assert.match(errorOf(generated(`{ statusCode: 200, body: ${body} }`), 'validation'), message);
  }
  assert.deepEqual(
    responseOf(inResponse("event.response.body = 'replaced';")).body,
    { encoding: 'text', data: 'replaced' },
    'a viewer-response function may replace the body',
  );
});

test('response cookies: { value, attributes } entries, multiValue write-back, Set-Cookie-safe', () => {
  const event = viewerResponse({ responseCookies: { id: { value: 'a', attributes: 'Path=/' } } });
  const added = responseOf(
    inResponse("event.response.cookies.theme = { value: 'dark', attributes: 'Secure; HttpOnly' };", event),
  );
  assert.deepEqual(
    { ...added.cookies },
    {
      id: [{ value: 'a', attributes: 'Path=/' }],
      theme: [{ value: 'dark', attributes: 'Secure; HttpOnly' }],
    },
  );
  const mv = responseOf(
    inResponse(
      "event.response.cookies.id = { value: 'x', multiValue: [{ value: 'b', attributes: 'Path=/b' }, { value: 'c' }] };",
      event,
    ),
  );
  assert.deepEqual(mv.cookies.id, [
    { value: 'b', attributes: 'Path=/b' },
    { value: 'c', attributes: '' },
  ]);
  const bad = inResponse("event.response.cookies.x = { value: 'a', attributes: 5 };", event);
  assert.match(errorOf(bad, 'validation'), /attributes must be a string/);
});

test('what a handler must return: an object; in viewer-response, the response', () => {
  const returnsNothing = runSync(load('function handler(event) {}'), viewerRequest());
  assert.match(errorOf(returnsNothing, 'validation'), /returned nothing/);
  const returnsString = runSync(load("function handler(event) { return 'x'; }"), viewerRequest());
  assert.match(errorOf(returnsString, 'validation'), /must return an object/);
  const returnsRequest = runSync(load('function handler(event) { return event.request; }'), viewerResponse());
  assert.match(errorOf(returnsRequest, 'validation'), /viewer-response function must return the response/);
  const newRequest = runSync(
    load(
      "function handler(event) { return { method: 'GET', uri: '/new', headers: { host: { value: 'www.example.com' } } }; }",
    ),
    viewerRequest(),
  );
  assert.equal(requestOf(newRequest).uri, '/new');
  const statusChanged = responseOf(inResponse('event.response.statusCode = 404;'));
  assert.equal(statusChanged.statusCode, 404);
  assert.equal(statusChanged.changed.statusCode, true);
});

test('cloudfront-js-1.0 handlers cannot return a Promise', () => {
  const result = runSync(
    load('function handler(event) { return Promise.resolve(event.request); }', 'cloudfront-js-1.0'),
    viewerRequest(),
  );
  assert.match(errorOf(result, 'validation'), /cloudfront-js-1.0 has no async handlers/);
});
