import assert from 'node:assert/strict';
import test from 'node:test';
import fc from 'fast-check';
import { NO_BODY, ParseFailure, parseHead } from '../../../src/edge/http1/parse-head.js';
import { appendHeader, renderedHeaders } from '../../../src/edge/http1/response-head.js';

test('response headers: one line per value, and nothing that could split the response', () => {
  assert.equal(appendHeader('', 'x-a', 'b'), 'x-a: b\r\n');
  assert.equal(appendHeader('', 'set-cookie', ['a=1', 'b=2']), 'set-cookie: a=1\r\nset-cookie: b=2\r\n');
  for (const value of ['a\r\nx-injected: 1', 'a\nb', 'a\rb', 'a\u0000b'])
    assert.throws(() => appendHeader('', 'x-a', value), /invalid characters/, JSON.stringify(value));
  assert.throws(() => appendHeader('', 'x-a', ['ok', 'bad\r\nx: y']), /invalid characters/);
  // Values are checked again whenever they differ from the last one that passed for the name.
  assert.equal(appendHeader('', 'x-memo', 'same'), 'x-memo: same\r\n');
  assert.equal(appendHeader('', 'x-memo', 'same'), 'x-memo: same\r\n');
  assert.throws(() => appendHeader('', 'x-memo', 'same\r\nx-injected: 1'), /invalid characters/);
  assert.throws(() => appendHeader('', 'set-cookie', '\n'), /invalid characters/);
  for (const name of ['bad name', 'x-a\r\nx-b', 'x:y', ''])
    assert.throws(() => appendHeader('', name, 'v'), /invalid response header name/, JSON.stringify(name));
});

test('stored headers render once per entry; entries with names a hit assigns are sent the ordinary way', () => {
  const stored = { 'content-type': 'text/plain', etag: '"a"', date: 'Mon, 30 Nov 2026 10:00:00 GMT' };
  const rendered = renderedHeaders(stored);
  assert.ok(rendered);
  assert.equal(
    rendered.lines.toString('latin1'),
    'content-type: text/plain\r\netag: "a"\r\ndate: Mon, 30 Nov 2026 10:00:00 GMT\r\n',
  );
  assert.equal(rendered.count, 3);
  assert.equal(rendered.hasDate, true);
  assert.equal(renderedHeaders(stored), rendered, 'rendered once, then reused');
  for (const name of ['age', 'content-length', 'via', 'x-cache', 'x-amz-cf-id', 'connection'])
    assert.equal(renderedHeaders({ 'content-type': 'a', [name]: '1' }), null, name);
  assert.throws(() => renderedHeaders({ 'x-a': 'a\r\nb' }), /invalid characters/);
});

/** The head of a GET with these header lines. */
function headWith(...lines: string[]): string {
  return ['GET / HTTP/1.1', ...lines].join('\r\n');
}

test('request heads: known header names in any letter case become lowercase keys, raw spelling kept', () => {
  const parsed = parseHead(
    headWith(
      'HOST: a.test',
      'User-Agent: ua',
      'accept-ENCODING: gzip',
      'X-Custom: 1',
      'cOOkie: a=1',
      'Cookie: b=2',
    ),
  );
  assert.deepEqual(parsed.headers, {
    host: 'a.test',
    'user-agent': 'ua',
    'accept-encoding': 'gzip',
    'x-custom': '1',
    cookie: 'a=1; b=2',
  });
  assert.deepEqual(parsed.rawHeaders, [
    'HOST',
    'a.test',
    'User-Agent',
    'ua',
    'accept-ENCODING',
    'gzip',
    'X-Custom',
    '1',
    'cOOkie',
    'a=1',
    'Cookie',
    'b=2',
  ]);
});

test('request heads: a known name with a non-letter where its hyphen is stays refused or distinct', () => {
  // `|0x20` case folding would turn CR (0x0d) into '-' (0x2d): only letters may fold.
  assert.throws(() => parseHead(headWith('Host: a', 'Content\rLength: 5')), ParseFailure);
  const parsed = parseHead(headWith('Host: a', 'Content_Length: 5'));
  assert.equal(parsed.headers.content_length, '5');
  assert.equal(parsed.bodyLength, NO_BODY);
});

test('request heads: known-name parsing agrees with lowercasing every name (property)', () => {
  const names = [
    'host',
    'user-agent',
    'accept',
    'content-length',
    'cookie',
    'x-forwarded-for',
    'te',
    'dnt',
    'x-a',
  ];
  fc.assert(
    fc.property(
      fc.array(
        fc.tuple(fc.constantFrom(...names), fc.array(fc.boolean(), { minLength: 30, maxLength: 30 })),
        {
          maxLength: 6,
        },
      ),
      (picked) => {
        const lines = picked
          .filter(([name]) => name !== 'host' && name !== 'content-length')
          .map(([name, upper]) => {
            const raw = [...name].map((c, i) => (upper[i] ? c.toUpperCase() : c)).join('');
            return `${raw}: v`;
          });
        const parsed = parseHead(headWith('Host: h', ...lines));
        for (let i = 0; i < parsed.rawHeaders.length; i += 2) {
          const lower = parsed.rawHeaders[i].toLowerCase();
          assert.ok(lower in parsed.headers, lower);
        }
        assert.equal(parsed.rawHeaders.length, (lines.length + 1) * 2);
        assert.deepEqual(
          parsed.rawHeaders.filter((_, i) => i % 2 === 0),
          ['Host', ...lines.map((l) => l.slice(0, l.indexOf(':')))],
        );
      },
    ),
  );
});
