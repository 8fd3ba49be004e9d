import assert from 'node:assert/strict';
import test from 'node:test';
import fc from 'fast-check';
import {
  CHUNKED,
  NO_BODY,
  ParseFailure,
  parseHead,
  releaseParsedHead,
  reusableParsedHead,
} from '../../../src/edge/http1/parse-head.js';
import { giveBack, takeResponseBuffer } from '../../../src/edge/http1/response-buffer.js';
import {
  appendHeader,
  headerBytes,
  renderedHeaders,
  writeHeader,
  writeLatin1,
} from '../../../src/edge/http1/response-head.js';

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

/** The lines writeHeader writes for `name: value`, after headerBytes measured and checked them. */
function written(name: string, value: string | string[]): string {
  const bytes = headerBytes(name, value);
  const out = Buffer.alloc(bytes + 8, 0x2a);
  const end = writeHeader(out, 4, name, value);
  assert.equal(end - 4, bytes, 'headerBytes is what writeHeader writes');
  assert.equal(out.toString('latin1', 0, 4), '****', 'nothing before the offset');
  assert.equal(out.toString('latin1', end), '****', 'nothing past the end');
  return out.toString('latin1', 4, end);
}

test('response headers written into a buffer: the same lines appendHeader builds, checked the same way', () => {
  assert.equal(written('x-a', 'b'), 'x-a: b\r\n');
  assert.equal(written('set-cookie', ['a=1', 'b=2']), 'set-cookie: a=1\r\nset-cookie: b=2\r\n');
  const long = `v${'é'.repeat(100)}`; // latin1 beyond ASCII, and past the byte-by-byte length
  assert.equal(written('x-long', long), `x-long: ${long}\r\n`);
  for (const value of ['a\r\nx-injected: 1', 'a\nb', 'a\u0000b', 'a\u0100b'])
    assert.throws(() => headerBytes('x-w', value), /invalid characters/, JSON.stringify(value));
  assert.throws(() => headerBytes('x-w', ['ok', 'bad\r\n']), /invalid characters/);
  assert.throws(() => headerBytes('bad name', 'v'), /invalid response header name/);
  // A number that reaches the sender untyped is written as text, as node:http writes it.
  assert.equal(written('x-n', 5 as unknown as string), 'x-n: 5\r\n');
  assert.equal(
    written('set-cookie', ['a=1', 5 as unknown as string]),
    'set-cookie: a=1\r\nset-cookie: 5\r\n',
  );
});

test('response headers: a line kept for a repeated value is never written for another value (property)', () => {
  // Few names and values, so values repeat (the kept line is used) and change (it must not be).
  const values = ['1', '2', 'Hit from cloudfront', 'Miss from cloudfront', '', 'x'.repeat(300)];
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.constantFrom('x-p1', 'x-p2', 'age'), fc.constantFrom(...values)), {
        maxLength: 40,
      }),
      (writes) => {
        for (const [name, value] of writes) assert.equal(written(name, value), `${name}: ${value}\r\n`);
      },
    ),
  );
});

test('writeLatin1 writes short and long strings as latin1 bytes', () => {
  const out = Buffer.alloc(200);
  for (const s of ['', 'a', 'Content-Length: 12\r\n', 'ÿ'.repeat(65), 'z'.repeat(150)]) {
    const end = writeLatin1(out, 3, s);
    assert.equal(end, 3 + s.length);
    assert.equal(out.toString('latin1', 3, end), s);
  }
});

test('response regions: one given back is reused, the same view for the same length; one still queued is not', () => {
  const first = takeResponseBuffer(100);
  first.fill(1);
  giveBack(first);
  const again = takeResponseBuffer(100);
  assert.equal(again, first, 'same start, same length: the same view');
  giveBack(again);
  const longer = takeResponseBuffer(120);
  assert.notEqual(longer, first);
  assert.equal(longer.byteOffset, first.byteOffset, 'the region given back is reused');
  // Not given back (its write is queued): the next region starts after it, not over it.
  const next = takeResponseBuffer(100);
  assert.ok(next.byteOffset >= longer.byteOffset + longer.length || next.buffer !== longer.buffer);
  giveBack(next);
  giveBack(longer); // too late: only the last region taken comes back
  const after = takeResponseBuffer(100);
  assert.ok(after.byteOffset >= longer.byteOffset + longer.length || after.buffer !== longer.buffer);
  giveBack(after);
  // A length that is not a number throws and leaves the slab as it was.
  assert.throws(() => takeResponseBuffer(Number.NaN), RangeError);
  const fine = takeResponseBuffer(100);
  assert.equal(fine.length, 100);
  giveBack(fine);
  // Larger regions are Buffers of their own, never views of the slab.
  const large = takeResponseBuffer(64 * 1024);
  assert.equal(large.length, 64 * 1024);
  assert.notEqual(large.buffer, first.buffer);
});

test('request line: methods, targets and versions read in place', () => {
  for (const method of ['GET', 'HEAD', 'POST', 'PUT', 'OPTIONS', 'DELETE', 'PATCH', 'PROPFIND', 'PURGE']) {
    const parsed = parseHead(`${method} /a?b=1 HTTP/1.1\r\nHost: h`);
    assert.equal(parsed.method, method);
    assert.equal(parsed.target, '/a?b=1');
    assert.equal(parsed.version, '1.1');
  }
  assert.equal(parseHead('GET  /spaced   HTTP/1.0').target, '/spaced');
  assert.equal(parseHead('GET / HTTP/1.0').version, '1.0');
  for (const line of [
    'get / HTTP/1.1',
    'GETX / HTTP/1.1',
    'GET / HTTP/1.2',
    'GET / HTTP/2.0',
    'GET / HTTP/1.10',
    'GET / http/1.1',
    'GET /',
    'GET',
    ' GET / HTTP/1.1',
  ])
    assert.throws(() => parseHead(`${line}\r\nHost: h`), ParseFailure, line);
  // The first space of a header line is not the request line's.
  assert.throws(() => parseHead('GET\r\nHost: h x'), /malformed request line/);
});

test('request heads: each request gets its own rawHeaders of exactly its lines', () => {
  const first = parseHead(headWith('Host: a', 'X-One: 1', 'X-Two: 2'));
  const second = parseHead(headWith('Host: b'));
  assert.deepEqual(first.rawHeaders, ['Host', 'a', 'X-One', '1', 'X-Two', '2']);
  assert.deepEqual(second.rawHeaders, ['Host', 'b']);
  assert.notEqual(first.rawHeaders, second.rawHeaders);
});

test("request heads parsed into one reused object: every field is the new request's (property)", () => {
  // A connection parses each request into the same object: nothing of the previous request may
  // survive (a body length, an Expect, keep-alive), and release() drops its strings.
  const heads = [
    headWith('Host: a'),
    headWith('Host: b', 'Content-Length: 12', 'Expect: 100-continue'),
    ['POST /up HTTP/1.1', 'Host: c', 'Transfer-Encoding: chunked'].join('\r\n'),
    ['GET /old HTTP/1.0', 'Connection: keep-alive'].join('\r\n'),
    headWith('Host: d', 'Connection: close', 'X-Many: 1', 'X-Many: 2'),
  ];
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...heads), { minLength: 1, maxLength: 8 }), (sequence) => {
      const reused = reusableParsedHead();
      for (const head of sequence) {
        const into = parseHead(head, reused);
        assert.equal(into, reused);
        assert.deepEqual({ ...into }, { ...parseHead(head) });
        releaseParsedHead(reused);
        assert.equal(reused.target, '');
        assert.deepEqual(reused.rawHeaders, []);
        assert.equal(reused.expect, undefined);
      }
    }),
  );
  const reused = reusableParsedHead();
  assert.equal(parseHead(heads[2], reused).bodyLength, CHUNKED);
  assert.equal(parseHead(heads[0], reused).bodyLength, NO_BODY);
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
