/**
 * Header-name checks, memoised: the same few dozen names come by on every request, so each is
 * classified once (the table is bounded; past its size it starts over).
 */
import { isDisallowedHeader } from '../header-rules.js';

export type HeaderNameClass = 'ok' | 'disallowed' | 'uppercase' | 'invalid';

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/;
const MAX_REMEMBERED = 4096;
const remembered = new Map<string, HeaderNameClass>();

function classify(name: string): HeaderNameClass {
  if (!TOKEN.test(name))
    return name.toLowerCase() !== name && TOKEN.test(name.toLowerCase()) ? 'uppercase' : 'invalid';
  return isDisallowedHeader(name) ? 'disallowed' : 'ok';
}

/** What a function may do with a header `name` it sets: `ok`, or why not. */
export function headerNameClass(name: string): HeaderNameClass {
  let found = remembered.get(name);
  if (found === undefined) {
    found = classify(name);
    if (remembered.size >= MAX_REMEMBERED) remembered.clear();
    remembered.set(name, found);
  }
  return found;
}

/** Whether an event header is one CloudFront never shows a function (§5.1), in any letter case. */
export function isHiddenFromFunctions(name: string): boolean {
  const found = headerNameClass(name);
  return (
    found === 'disallowed' || (found === 'uppercase' && headerNameClass(name.toLowerCase()) === 'disallowed')
  );
}
