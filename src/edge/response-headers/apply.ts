/**
 * Applies a behavior's response headers policy to one response (reference/distribution.md §8),
 * in the viewer-response phase: after the cache, so hits, misses, errors and generated responses
 * all get it and nothing of it is stored; before the viewer-response function, which sees the
 * policy's headers (DESIGN.md's lifecycle order). Order within the policy, as CloudFront
 * documents it: RemoveHeadersConfig first (a header both removed and added ends up present), then
 * CORS, security and custom headers (each kept from the origin when its Override is false), then
 * Server-Timing. Everything was formatted when the model was built: this only reads and writes
 * header slots.
 */
import type { ResponseHeadersPolicyModel } from '../../model/response-headers.js';
import type { Exchange } from '../exchange.js';
import { applyCors } from './cors.js';
import { isSampled, serverTimingValue } from './server-timing.js';

export function applyResponseHeadersPolicy(
  ex: Exchange,
  headers: Record<string, string | string[]>,
  policy: ResponseHeadersPolicyModel,
): void {
  const remove = policy.remove;
  for (let i = 0; i < remove.length; i++) delete headers[remove[i]];
  // CloudFront replaces a removed Server with its own (Date: the listener adds a fresh one).
  if (policy.replacesServer) headers.server = 'CloudFront';
  if (policy.cors !== undefined) applyCors(ex, headers, policy.cors);
  const add = policy.add;
  for (let i = 0; i < add.length; i++) {
    const h = add[i];
    if (h.override || headers[h.name] === undefined) headers[h.name] = h.value;
  }
  const rate = policy.serverTimingRate;
  if (rate !== undefined && isSampled(ex, rate))
    headers['server-timing'] = serverTimingValue(ex, headers['server-timing']);
}
