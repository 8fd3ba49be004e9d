/**
 * After viewer-request. Looks the request up in the cache (reference/caching.md §1–3):
 * fresh → Hit; expired but inside stale-while-revalidate → Hit now and a refresh in the
 * background; expired → kept on the exchange for a conditional request (RefreshHit on 304) and
 * for serving stale on origin errors; missing → the origin, collapsing concurrent misses for
 * the same key into one origin request (never when cookies are forwarded, §3.4): the later
 * ones follow the first one's response as it arrives.
 * Only GET and HEAD are looked up, and OPTIONS when CachedMethods lists it.
 * Hit → 'viewer-response'; otherwise → 'origin-request'. Never contacts the origin itself,
 * except for the background refresh.
 */
import type { CacheFill } from '../../cache/cache-fill.js';
import { cacheKey, isCachingDisabled } from '../../cache/key.js';
import { responseFromEntry } from '../../cache/serve-cached.js';
import type { CacheEntry } from '../../cache/types.js';
import { copyHeaders } from '../copy-headers.js';
import type { EdgeResponse, Exchange } from '../exchange.js';
import { forwardingPlan } from '../forwarding-plan.js';
import type { Next } from '../lifecycle.js';
import { widensRange } from '../range-response.js';
import { refreshInBackground } from './revalidate.js';

export function cacheLookup(ex: Exchange): Next | Promise<Next> {
  const behavior = ex.behavior!;
  const method = ex.request.method;
  const looksUp =
    method === 'GET' || method === 'HEAD' || (method === 'OPTIONS' && behavior.cachedMethods.has('OPTIONS'));
  if (!looksUp || isCachingDisabled(behavior)) return 'origin-request';
  const key = cacheKey(behavior, ex.distribution!.Id, ex.request);
  ex.cacheKey = key;
  return lookUp(ex, key, false);
}

function lookUp(ex: Exchange, key: string, again: boolean): Next | Promise<Next> {
  const found = ex.runtime.cache.lookup(key);
  return found instanceof Promise
    ? found.then((entry) => afterLookup(ex, key, entry, !again))
    : afterLookup(ex, key, found, false);
}

/** `mayLookAgain`: the lookup read the disk, during which a fill of the key may have been stored. */
function afterLookup(
  ex: Exchange,
  key: string,
  entry: CacheEntry | undefined,
  mayLookAgain: boolean,
): Next | Promise<Next> {
  if (entry !== undefined) {
    const now = ex.runtime.clock.now();
    if (now < entry.freshUntilMs) return serveHit(ex, entry, 'Hit', now);
    if (now < entry.staleWhileRevalidateUntilMs) {
      refreshInBackground(ex, entry);
      return serveHit(ex, entry, 'Hit', now);
    }
    ex.stale = entry;
    ex.widenedRange = widensRange(ex);
    return 'origin-request';
  }
  ex.widenedRange = widensRange(ex);
  if (forwardingPlan(ex.behavior!).cookie !== null) return 'origin-request'; // §3.4: no collapsing
  const collapse = ex.runtime.cache.collapse(key);
  if ('done' in collapse) {
    if (mayLookAgain && ex.runtime.cache.disk?.has(key)) {
      // Stored (and its fill settled) while the disk was read: look again, once, rather than
      // lead a second origin request for an object just cached.
      collapse.done();
      return lookUp(ex, key, true);
    }
    ex.collapseDone = collapse.done;
    return 'origin-request';
  }
  if ('fill' in collapse) return followOrLookUp(ex, key, collapse.fill);
  return collapse.wait.then((fill) => followOrLookUp(ex, key, fill));
}

/**
 * A collapsed request follows the leader's response while it arrives (src/cache/cache-fill.ts)
 * and is reported as a Hit, as CloudFront logs collapsed requests (caching.md §3.4). If there
 * is nothing to follow any more (the leader's response was not cacheable, failed before this
 * request was answered, or is stored by now), it looks the key up; on a miss it asks the origin.
 */
function followOrLookUp(ex: Exchange, key: string, fill: CacheFill | undefined): Next | Promise<Next> {
  if (fill?.isFollowable) return follow(ex, fill);
  const stored = ex.runtime.cache.lookup(key);
  return stored instanceof Promise ? stored.then((e) => afterCollapse(ex, e)) : afterCollapse(ex, stored);
}

/** A collapsed request is answered by what the leader stored; if nothing was, it asks the origin. */
function afterCollapse(ex: Exchange, entry: CacheEntry | undefined): Next {
  if (entry === undefined) return 'origin-request';
  const now = ex.runtime.clock.now();
  if (now < entry.freshUntilMs) return serveHit(ex, entry, 'Hit', now);
  return 'origin-request';
}

function follow(ex: Exchange, fill: CacheFill): Next {
  const now = ex.runtime.clock.now();
  ex.widenedRange = false; // the range is applied here, on the whole object being filled
  ex.response =
    fill.expectedBytes !== undefined
      ? responseFromEntry(fill.entry(), ex.request, now)
      : wholeBodyOfUnknownLength(fill, now);
  ex.result = fill.meta.status >= 400 ? 'Error' : 'Hit';
  ex.originStatus = fill.meta.status;
  return 'viewer-response';
}

/**
 * A body whose length is not known yet: the whole object, as the leader's viewer gets it
 * (no ranges, no 304: both need the length or a stored entry; the 200 is still a correct answer).
 */
function wholeBodyOfUnknownLength(fill: CacheFill, nowMs: number): EdgeResponse {
  const headers = copyHeaders(fill.meta.headers);
  headers.age = String(Math.max(0, Math.floor((nowMs - fill.meta.storedAtMs) / 1000)));
  return { status: fill.meta.status, headers, body: fill.readBody() };
}

export function serveHit(
  ex: Exchange,
  entry: CacheEntry,
  result: 'Hit' | 'RefreshHit',
  nowMs = ex.runtime.clock.now(),
): Next {
  ex.response = responseFromEntry(entry, ex.request, nowMs);
  ex.result = entry.status >= 400 ? 'Error' : result;
  ex.originStatus = entry.status;
  return 'viewer-response';
}
