/**
 * Reads the token string a run returns from the sandbox (sandbox/bridge.ts, sandbox/event.ts).
 * A token is `tag + length + ':' + text`, so no value can forge another token. Grammar:
 *
 *   run      = U(units) L(log line)* ( E(execution error) | V(validation error) | output )?
 *   output   = R(i|n) [m(method)] [u(uri)] [q(query string) | map(Q)] [map(H)] [map(K)]
 *            | S(i|n) c(statusCode) [d(description)] [map(H)] [map(K)] [e(encoding) b(body)]
 *   map(T)   = T(d|f) ( x(deleted name) | entry )*      d: changes to the event's map, f: all of it
 *   entry    = n(name) [v(value)] [a(attributes)] [M(items)]      items = ( v [a] )*
 *
 * `R`/`S` payload `i` means the handler returned the event's own request/response (only what
 * changed follows), `n` a new object (everything follows).
 */

export interface OutputEntry {
  value?: string;
  attributes?: string;
  multiValue?: { value: string; attributes?: string }[];
}

export interface OutputMap {
  /** true: `set` is the whole map; false: `set` and `deleted` are changes to the event's map. */
  full: boolean;
  set: [string, OutputEntry][];
  deleted: string[];
}

export interface RequestTokens {
  kind: 'request';
  same: boolean;
  method?: string;
  uri?: string;
  querystring?: string | OutputMap;
  headers?: OutputMap;
  cookies?: OutputMap;
}

export interface ResponseTokens {
  kind: 'response';
  same: boolean;
  statusCode: number;
  statusDescription?: string;
  headers?: OutputMap;
  cookies?: OutputMap;
  body?: { encoding: string; data: string };
}

export interface RunTokens {
  units: number;
  logs: string[];
  execution?: string;
  validation?: string;
  output?: RequestTokens | ResponseTokens;
}

/** Calls `each(tag, text)` for every token of `s`. */
function scan(s: string, each: (tag: string, text: string) => void): void {
  let i = 0;
  while (i < s.length) {
    let len = 0;
    let j = i + 1;
    for (let c = s.charCodeAt(j); c !== 58 && j < s.length; c = s.charCodeAt(++j)) len = len * 10 + c - 48;
    each(s[i], s.slice(j + 1, j + 1 + len));
    i = j + 1 + len;
  }
}

function items(text: string): { value: string; attributes?: string }[] {
  const list: { value: string; attributes?: string }[] = [];
  scan(text, (tag, value) => {
    if (tag === 'v') list.push({ value });
    else list[list.length - 1].attributes = value;
  });
  return list;
}

export function decodeRunTokens(s: string): RunTokens {
  const run: RunTokens = { units: 0, logs: [] };
  let request: RequestTokens | undefined;
  let response: ResponseTokens | undefined;
  let map: OutputMap | undefined;
  let entry: OutputEntry | undefined;
  let encoding = 'text';
  scan(s, (tag, text) => {
    switch (tag) {
      case 'U':
        run.units = Number(text);
        break;
      case 'L':
        run.logs.push(text);
        break;
      case 'E':
        run.execution = text;
        break;
      case 'V':
        run.validation = text;
        break;
      case 'R':
        run.output = request = { kind: 'request', same: text === 'i' };
        break;
      case 'S':
        run.output = response = { kind: 'response', same: text === 'i', statusCode: 0 };
        break;
      case 'm':
        request!.method = text;
        break;
      case 'u':
        request!.uri = text;
        break;
      case 'q':
        request!.querystring = text;
        break;
      case 'c':
        response!.statusCode = Number(text);
        break;
      case 'd':
        response!.statusDescription = text;
        break;
      case 'e':
        encoding = text;
        break;
      case 'b':
        response!.body = { encoding, data: text };
        break;
      case 'Q':
      case 'H':
      case 'K': {
        map = { full: text === 'f', set: [], deleted: [] };
        const field = tag === 'Q' ? 'querystring' : tag === 'H' ? 'headers' : 'cookies';
        if (field === 'querystring') request!.querystring = map;
        else (request ?? response!)[field] = map;
        break;
      }
      case 'x':
        map!.deleted.push(text);
        break;
      case 'n':
        entry = {};
        map!.set.push([text, entry]);
        break;
      case 'v':
        entry!.value = text;
        break;
      case 'a':
        entry!.attributes = text;
        break;
      case 'M':
        entry!.multiValue = items(text);
        break;
    }
  });
  return run;
}
