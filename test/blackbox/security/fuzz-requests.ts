/**
 * fast-check arbitraries for viewer-fuzz.test.ts: raw HTTP/1 requests, each knowing what the
 * edge must do with it. A `good` request is served and reaches the origin whole; a `refused`
 * one is valid HTTP the lifecycle refuses (403, 400) on a connection that serves on; a `bad` one
 * is malformed or over a limit: answered with `statuses` and the connection closed, never
 * forwarded. Requests are templates until `render` gives them an id (in their path, /fz/<id>/),
 * so that a replayed or shrunk example never reuses one.
 */
import { METHODS } from 'node:http';
import fc from 'fast-check';

export interface Rendered {
  id: number;
  kind: 'good' | 'refused' | 'bad';
  bytes: string;
  method: string;
  /** What the origin must receive as the body (good requests). */
  body: string;
  /** The response statuses allowed (good: 200). */
  statuses: readonly number[];
  /** The edge closes the connection after answering it. */
  closes: boolean;
  /** Malformed in its body: when its bytes may arrive in pieces, the origin may see it start (never complete). */
  malformedBody: boolean;
  /**
   * Answered by the lifecycle, so framed by its method (HEAD: no body); a refusal by the
   * parser carries its page whatever the method (the connection ends with it).
   */
  parsed: boolean;
}

type Template = (id: number, last: boolean) => Rendered;

/** Shown in a counterexample as the bytes it renders (with id 0), not as the closure's source. */
function shown(render: Template): Template {
  return Object.assign(render, {
    [fc.toStringMethod]: () => {
      const sample = render(0, false);
      return `${sample.kind}:${JSON.stringify(sample.bytes.length > 200 ? `${sample.bytes.slice(0, 200)}…` : sample.bytes)}`;
    },
  });
}

const TOKEN_CHARS = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
const token = (max: number) =>
  fc.string({ unit: fc.constantFrom(...TOKEN_CHARS), minLength: 1, maxLength: max });
/** A field value's bytes: visible ASCII, SP, HTAB and obs-text (latin1 0x80–0xff). */
const valueChar = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 0x20, max: 0x7e }) },
  { weight: 1, arbitrary: fc.constant(0x09) },
  { weight: 1, arbitrary: fc.integer({ min: 0x80, max: 0xff }) },
);
const fieldValue = (max: number) =>
  fc.array(valueChar, { maxLength: max }).map((codes) => String.fromCharCode(...codes).trim());
const anyByte = fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c));
const bodyText = (max: number) => fc.string({ unit: anyByte, maxLength: max });

/** Names any viewer may send; framing, routing and hop-by-hop names are the mutations' business. */
const headerName = fc.oneof(
  fc.constantFrom(
    'accept',
    'accept-encoding',
    'accept-language',
    'cookie',
    'user-agent',
    'referer',
    'x-dup',
    'X-Dup',
  ),
  token(24).map((t) => `x-${t}`),
);
const header = fc.tuple(headerName, fieldValue(120));
const headers = fc.oneof(
  { weight: 9, arbitrary: fc.array(header, { maxLength: 12 }) },
  // Long but under CloudFront's 20,480 bytes (node:http counts a little differently: stay clear).
  { weight: 1, arbitrary: fc.array(fc.tuple(headerName, fieldValue(3000)), { minLength: 1, maxLength: 4 }) },
);

/** Path bytes a viewer may send: pchar, `/`, percent-escapes valid or not, `\` and friends llhttp lets through. */
const pathChar = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(..."abcXYZ019-._~!$&'()*+,;=:@/") },
  {
    weight: 2,
    arbitrary: fc.integer({ min: 0, max: 255 }).map((c) => `%${c.toString(16).padStart(2, '0')}`),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '%',
      '%zz',
      '%2e%2e/',
      '../',
      '\\',
      '"',
      '<',
      '>',
      '^',
      '`',
      '{',
      '|',
      '}',
      '#',
    ),
  },
);
const pathTail = fc.array(pathChar, { maxLength: 40 }).map((chars) => chars.join(''));
const query = fc.option(
  fc.array(fc.oneof(pathChar, fc.constant('?')), { maxLength: 20 }).map((chars) => chars.join('')),
  { nil: undefined },
);

interface Good {
  method: string;
  version: '1.1' | '1.0';
  absolute: boolean;
  tail: string;
  query: string | undefined;
  headers: [string, string][];
  body: { data: string; chunks: number[] | null; ext: string[]; trailers: [string, string][] } | null;
}

/**
 * Body bytes that look like framing: another request, a last chunk, a head's end. Inside a body
 * they are data: the origin gets them as the body, never as a request of their own ({ID} is the
 * request's id, so a smuggled request would show as the same id forwarded twice).
 */
const smuggledText = fc.constantFrom(
  'GET /fz/{ID}/smuggled HTTP/1.1\r\nHost: x\r\n\r\n',
  '0\r\n\r\nGET /fz/{ID}/smuggled HTTP/1.1\r\nHost: x\r\n\r\n',
  '\r\n\r\nPOST /fz/{ID}/smuggled HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n',
  'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n',
);
const bodyData = fc.oneof(
  { weight: 4, arbitrary: bodyText(600) },
  { weight: 1, arbitrary: fc.tuple(bodyText(40), smuggledText, bodyText(40)).map((parts) => parts.join('')) },
);

const bodyArb = fc.record({
  data: bodyData,
  chunks: fc.option(fc.array(fc.integer({ min: 1, max: 200 }), { minLength: 1, maxLength: 6 }), {
    nil: null,
  }),
  ext: fc.array(
    fc.oneof(
      fc.constant(''),
      token(8).map((t) => `;${t}`),
      fc.tuple(token(6), token(6)).map(([n, v]) => `;${n}=${v}`),
    ),
  ),
  trailers: fc.array(
    fc.tuple(
      token(12).map((t) => `x-t-${t}`),
      fieldValue(30),
    ),
    { maxLength: 2 },
  ),
});

export const goodArb: fc.Arbitrary<Good> = fc
  .record({
    method: fc.constantFrom('GET', 'GET', 'GET', 'HEAD', 'OPTIONS', 'DELETE', 'POST', 'PUT', 'PATCH'),
    version: fc.constantFrom('1.1', '1.1', '1.1', '1.0'),
    absolute: fc.boolean(),
    tail: pathTail,
    query,
    headers,
    body: bodyArb,
  })
  .map((g) => {
    const withBody = g.method === 'POST' || g.method === 'PUT' || g.method === 'PATCH';
    // Chunked coding is HTTP/1.1's (RFC 9112 §6.1): HTTP/1.0 bodies carry a Content-Length.
    const body = withBody ? { ...g.body, chunks: g.version === '1.0' ? null : g.body.chunks } : null;
    return { ...g, version: g.version as '1.1' | '1.0', body, headers: g.headers as [string, string][] };
  });

interface Parts {
  method: string;
  target: string;
  version: string;
  fields: string[];
  body: string;
}

function partsOf(template: Good, id: number, last: boolean): Parts {
  const g = withId(template, id);
  const path = `/fz/${id}/${g.tail}${g.query === undefined ? '' : `?${g.query}`}`;
  const fields = [`Host: fuzz-${id}.example`];
  for (const [name, value] of g.headers) fields.push(`${name}: ${value}`);
  let body = '';
  if (g.body) {
    const { data, chunks } = g.body;
    if (chunks === null) {
      fields.push(`Content-Length: ${data.length}`);
      body = data;
    } else {
      fields.push('Transfer-Encoding: chunked');
      let at = 0;
      chunks.forEach((size, i) => {
        const piece = data.slice(at, at + size);
        at += piece.length;
        if (piece.length > 0) body += `${piece.length.toString(16)}${g.body!.ext[i] ?? ''}\r\n${piece}\r\n`;
      });
      if (at < data.length) body += `${(data.length - at).toString(16)}\r\n${data.slice(at)}\r\n`;
      body += '0\r\n';
      for (const [name, value] of g.body.trailers) body += `${name}: ${value}\r\n`;
      body += '\r\n';
    }
  }
  if (last && g.version === '1.1') fields.push('Connection: close');
  return {
    method: g.method,
    target: g.absolute ? `http://fuzz-${id}.example${path}` : path,
    version: `HTTP/${g.version}`,
    fields,
    body,
  };
}

/** The template with its id in place of {ID} in the body. */
function withId(g: Good, id: number): Good {
  return g.body === null
    ? g
    : { ...g, body: { ...g.body, data: g.body.data.replaceAll('{ID}', String(id)) } };
}

const text = (p: Parts) =>
  `${p.method} ${p.target}${p.version === '' ? '' : ` ${p.version}`}\r\n${p.fields.map((f) => `${f}\r\n`).join('')}\r\n${p.body}`;

function good(g: Good): Template {
  return (id, last) => {
    const p = partsOf(g, id, last);
    return {
      id,
      kind: 'good',
      bytes: text(p),
      method: g.method,
      body: withId(g, id).body?.data ?? '',
      statuses: [200],
      closes: last || g.version === '1.0',
      malformedBody: false,
      parsed: true,
    };
  };
}

/** Valid HTTP that the lifecycle refuses (distribution.md §4.3), on a connection that serves on. */
const refusedArb: fc.Arbitrary<Template> = fc
  .tuple(
    goodArb,
    fc.constantFrom('get-with-body', 'method-not-allowed', 'asterisk', 'ftp'),
    fc.constantFrom(...METHODS),
  )
  .map(([g, variant, other]) => (id, last) => {
    const plain: Good = { ...g, method: 'GET', body: null };
    const p = partsOf(plain, id, last);
    let status = 400;
    if (variant === 'get-with-body') {
      p.fields.push('Content-Length: 3');
      p.body = 'abc';
      status = 403;
    } else if (variant === 'method-not-allowed') {
      const allowed = ['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE', 'CONNECT'];
      p.method = allowed.includes(other) ? 'TRACE' : other;
      status = 403;
    } else if (variant === 'asterisk') {
      p.target = '*';
      p.method = 'OPTIONS';
    } else {
      p.target = `ftp://fuzz-${id}.example/fz/${id}/`;
    }
    return {
      id,
      kind: 'refused',
      bytes: text(p),
      method: p.method,
      body: '',
      statuses: [status],
      closes: last || g.version === '1.0',
      malformedBody: false,
      parsed: true,
    };
  });

const CTL = fc
  .oneof(fc.integer({ min: 0, max: 8 }), fc.integer({ min: 11, max: 31 }), fc.constant(127))
  .map((c) => String.fromCharCode(c));
const NOT_TOKEN = fc.constantFrom(
  ' ',
  '\t',
  '"',
  '(',
  ')',
  ',',
  '/',
  ';',
  '<',
  '=',
  '>',
  '?',
  '@',
  '[',
  '\\',
  ']',
  '{',
  '}',
  '\xe9',
);
const insertAt = (s: string, at: number, what: string) => {
  const i = Math.min(s.length, Math.max(0, Math.floor(at * (s.length + 1))));
  return s.slice(0, i) + what + s.slice(i);
};
const someIndex = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

/** One way to make a good request malformed, with the statuses both engines answer it with. */
type Mutation = (
  p: Parts,
  hasChunkedBody: boolean,
) => { statuses: number[]; body?: true; parsed?: true } | null;

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.constantFrom<Mutation>(
    (p) => {
      p.fields.push('Content-Length: 3', 'Transfer-Encoding: chunked');
      return { statuses: [400] };
    },
    (p) => {
      p.fields.push('Content-Length: 1', 'Content-Length: 2');
      return { statuses: [400] };
    },
    (p) => {
      p.fields.splice(1, 0, 'Transfer-Encoding : chunked');
      return { statuses: [400] };
    },
    (p) => {
      p.fields.splice(0, 1); // no Host
      return p.version === 'HTTP/1.1' ? { statuses: [400] } : null;
    },
    (p) => {
      p.fields.push('Host: second.example');
      return { statuses: [400] };
    },
    (p) => {
      p.method = 'CONNECT';
      p.target = '127.0.0.1:22';
      return { statuses: [400] };
    },
    (p) => {
      p.fields.push(`X-Huge: ${'h'.repeat(24_000)}`);
      return { statuses: [413] };
    },
    (p) => {
      p.target = `/fz/long/${'l'.repeat(9000)}`;
      return { statuses: [413], parsed: true }; // viewer-request's 413
    },
  ),
  fc
    .constantFrom(
      'gzip',
      'gzip, chunked',
      'chunked, identity',
      'identity',
      'xchunked',
      'chunked;q=1',
      'deflate',
      '',
    )
    .map<Mutation>((te) => (p) => {
      p.fields.push(`Transfer-Encoding: ${te}`);
      return { statuses: [400] };
    }),
  fc.tuple(someIndex, fc.constantFrom(' ', '\t'), token(10)).map<Mutation>(([at, ws, word]) => (p) => {
    p.fields.splice(Math.floor(at * (p.fields.length + 1)), 0, `${ws}${word}`); // obs-fold
    return { statuses: [400] };
  }),
  fc.tuple(someIndex, fc.constantFrom('\n', '\r', '\r\r\n')).map<Mutation>(([at, end]) => (p) => {
    // A field line ending in a bare LF or CR (or a CR too many).
    const i = Math.floor(at * p.fields.length);
    p.fields[i] = `${p.fields[i]}${end}X-After: y`;
    return { statuses: [400] };
  }),
  fc.tuple(someIndex, someIndex, CTL).map<Mutation>(([at, pos, c]) => (p) => {
    const i = Math.floor(at * p.fields.length);
    p.fields[i] = insertAt(p.fields[i], 0.5 + pos / 2, c); // in the value, past the colon
    return { statuses: [400] };
  }),
  fc.tuple(someIndex, NOT_TOKEN, token(8)).map<Mutation>(([at, bad, word]) => (p) => {
    p.fields.splice(Math.floor(at * (p.fields.length + 1)), 0, `${insertAt(word, at, bad)}: v`);
    return { statuses: [400] };
  }),
  fc.constant<Mutation>((p) => {
    p.fields.push(': empty name');
    return { statuses: [400] };
  }),
  fc
    .tuple(someIndex, fc.oneof(CTL, fc.constantFrom(' ', '\xe9', '\xff', '\x80')))
    .map<Mutation>(([at, c]) => (p) => {
      // Strictly inside the target: several spaces around it are allowed (RFC 9112 §3).
      p.target = `${p.target.slice(0, 1)}${insertAt(p.target.slice(1, -1), at, c)}${p.target.slice(-1)}`;
      return { statuses: [400] };
    }),
  fc
    .oneof(
      fc.string({ maxLength: 8 }),
      token(8).map((t) => t.toLowerCase()),
      fc.constantFrom('get', 'Get', 'G ET', 'PRI'),
    )
    .map<Mutation>((method) => (p) => {
      if (METHODS.includes(method)) return null;
      p.method = method;
      return { statuses: [400] };
    }),
  fc
    .constantFrom(
      'HTTP/2.0',
      'HTTP/0.9',
      'HTTP/1.2',
      'HTTP/1',
      'HTTP/1.1.1',
      'http/1.1',
      'HTTP/1.1 ',
      'HTTP /1.1',
      'HTTP/3',
      '',
    )
    .map<Mutation>((version) => (p) => {
      p.version = version;
      if (version === '') p.target = p.target.replace(/ /g, ''); // `GET /x` alone: HTTP/0.9's simple request
      return { statuses: [400] };
    }),
  fc.constantFrom('100-continu', 'teapot', '200-ok', 'x').map<Mutation>((expect) => (p) => {
    if (p.version !== 'HTTP/1.1') return null; // HTTP/1.0 expectations are ignored
    p.fields.push(`Expect: ${expect}`);
    return { statuses: [417] };
  }),
  fc
    .constantFrom('zz', '-1', '0x5', ' 5', '5 ', '10000000000000000', '', '5\x01', '5;\x00', '5\r\r')
    .map<Mutation>((size) => (p, chunked) => {
      if (!chunked) return null;
      const i = p.body.indexOf('\r\n');
      p.body = `${size}${p.body.slice(i)}`;
      return { statuses: [400], body: true };
    }),
  fc
    .constantFrom('X y', ' folded', 'x:\x01', 'a\rb: c', 'A: b\r\n folded')
    .map<Mutation>((line) => (p, chunked) => {
      if (!chunked) return null;
      p.body = `${p.body.slice(0, -2)}${line}\r\n\r\n`; // a trailer line that is not a field
      return { statuses: [400], body: true };
    }),
  fc.constant<Mutation>((p, chunked) => {
    if (!chunked) return null;
    p.body = p.body.replace(
      /^([0-9a-f]+)(.*?)\r\n/,
      (_m, size: string, ext: string) => `${(Number.parseInt(size, 16) - 1).toString(16)}${ext}\r\n`,
    );
    return { statuses: [400], body: true }; // chunk data longer than its size
  }),
);

const badArb: fc.Arbitrary<Template> = fc
  .tuple(
    goodArb.filter((g) => g.version === '1.1' || g.body === null),
    mutationArb,
    fc.constantFrom('POST', 'PUT', 'PATCH'),
  )
  .map(([g, mutate, uploadMethod]) => (id, last) => {
    // Give the mutations that corrupt a chunked body one to corrupt.
    const withChunks: Good =
      g.body === null && g.version === '1.1'
        ? { ...g, method: uploadMethod, body: { data: 'abcdef', chunks: [3, 3], ext: [], trailers: [] } }
        : g;
    const p = partsOf(withChunks, id, last);
    const chunked = withChunks.body?.chunks != null;
    const outcome = mutate(p, chunked) ?? { statuses: [400] as number[], garbage: true };
    const bytes = 'garbage' in outcome ? `\x16${p.method}` : text(p);
    return {
      id,
      kind: 'bad',
      bytes,
      method: p.method,
      body: '',
      statuses: outcome.statuses,
      closes: true,
      malformedBody: 'body' in outcome,
      parsed: 'parsed' in outcome,
    };
  });

/** Binary garbage whose first byte can start no method (nor is a CR, skipped before a request line): 400 at once. */
const garbageArb: fc.Arbitrary<Template> = fc
  .tuple(
    fc.oneof(
      CTL.filter((c) => c !== '\r'),
      fc.constantFrom('\x16', '\x80', '\xff', '@', ' ', '{'),
    ),
    bodyText(200),
  )
  .map(([first, rest]) => (id) => ({
    id,
    kind: 'bad',
    bytes: `${first}${rest}`,
    method: 'GET',
    body: '',
    statuses: [400],
    closes: true,
    malformedBody: false,
    parsed: false,
  }));

const shownGood = goodArb.map(good).map(shown);
/** Requests a connection keeps serving after: good ones, and valid ones the lifecycle refuses. */
const servedArb: fc.Arbitrary<Template> = fc.oneof(
  { weight: 6, arbitrary: shownGood },
  { weight: 1, arbitrary: refusedArb.map(shown) },
);
/** Requests that end their connection: malformed, over a limit, or garbage. */
const malformedArb: fc.Arbitrary<Template> = fc.oneof(
  { weight: 4, arbitrary: badArb.map(shown) },
  { weight: 1, arbitrary: garbageArb.map(shown) },
);

export interface Batch {
  templates: Template[];
  /** Where the bytes are cut into separate writes (fractions of their length). */
  cuts: number[];
  /** Cut the last request short at this fraction of its bytes and hang up. */
  hangUpAt: number | null;
}

/**
 * One connection's requests: served ones, then often a malformed one, rarely followed by more
 * (which the edge must never read): a malformed request anywhere else would leave the
 * requests after it unread, and the run would send bytes nobody parses.
 */
export const batchArb: fc.Arbitrary<Batch> = fc
  .record({
    served: fc.array(servedArb, { maxLength: 5 }),
    malformed: fc.option(malformedArb, { nil: null, freq: 2 }),
    after: fc.oneof(
      { weight: 5, arbitrary: fc.constant<Template[]>([]) },
      { weight: 1, arbitrary: fc.array(fc.oneof(servedArb, malformedArb), { minLength: 1, maxLength: 2 }) },
    ),
    last: shownGood,
    cuts: fc.oneof(
      { weight: 3, arbitrary: fc.constant<number[]>([]) },
      { weight: 1, arbitrary: fc.array(someIndex, { maxLength: 3 }) },
    ),
    hangUpAt: fc.oneof({ weight: 6, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: someIndex }),
  })
  .map(({ served, malformed, after, last, cuts, hangUpAt }) => ({
    templates: malformed === null ? (served.length > 0 ? served : [last]) : [...served, malformed, ...after],
    cuts,
    hangUpAt,
  }));
