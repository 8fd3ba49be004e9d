/**
 * Host → distribution → cache behavior (reference/distribution.md §4, §5).
 * Aliases match exactly or by `*.` wildcard (any depth, the most specific wins, as CloudFront
 * routes overlapping wildcards); the generated DomainName `<id>.edgefront.localhost` always
 * matches; with exactly one distribution any other Host reaches it (DESIGN.md); otherwise the
 * viewer gets CloudFront's 403 for an unknown CNAME.
 */
import type { BehaviorModel, DistributionModel, EdgeModel } from '../model/types.js';
import { normalizePath } from './normalize-path.js';

export interface RouteTable {
  /** `host` may carry a port and any case. */
  distributionFor(host: string | undefined): DistributionModel | undefined;
}

export function buildRouteTable(model: EdgeModel): RouteTable {
  const exact = new Map<string, DistributionModel>();
  const wildcards: [suffix: string, dist: DistributionModel][] = [];
  for (const dist of model.distributions) {
    exact.set(dist.DomainName.toLowerCase(), dist);
    for (const alias of dist.exactAliases) exact.set(alias, dist);
    for (const suffix of dist.wildcardAliases) wildcards.push([suffix, dist]);
  }
  wildcards.sort((a, b) => b[0].length - a[0].length); // most specific first
  const only = model.distributions.length === 1 ? model.distributions[0] : undefined;

  // Viewers repeat their Host on every request of a connection: the last answer is kept.
  let lastHost = '';
  let lastDistribution: DistributionModel | undefined;
  return {
    distributionFor(host) {
      if (!host) return only;
      if (host === lastHost) return lastDistribution;
      lastDistribution = distributionForHost(host);
      lastHost = host;
      return lastDistribution;
    },
  };

  function distributionForHost(host: string): DistributionModel | undefined {
    const name = hostName(host);
    const hit = exact.get(name);
    if (hit) return hit;
    for (const [suffix, dist] of wildcards) {
      if (name.length > suffix.length && name.endsWith(suffix)) return dist;
    }
    return only;
  }
}

/** `Example.COM:8080` → `example.com`; `[::1]:8080` → `[::1]`; a trailing dot is dropped. */
export function hostName(host: string): string {
  let end = host.length;
  if (host.charCodeAt(0) === 91 /* [ */) {
    end = host.indexOf(']') + 1 || end;
  } else {
    let colon = host.length - 1; // String#lastIndexOf calls into the runtime: slower than this scan
    while (colon >= 0 && host.charCodeAt(colon) !== 58 /* : */) colon--;
    if (colon !== -1) end = colon;
  }
  let name = host.slice(0, end).toLowerCase();
  if (name.endsWith('.')) name = name.slice(0, -1);
  return name;
}

/**
 * First behavior whose PathPattern matches `path` (raw, as sent) once normalised as CloudFront
 * normalises it (`normalize-path.ts`): `/public/../private/x` is judged by `/private/*`, never by
 * an earlier `/public/*`. In listed order; the default (last) matches all.
 */
export function behaviorFor(dist: DistributionModel, path: string): BehaviorModel {
  const behaviors = dist.behaviors;
  const normal = normalizePath(path);
  for (let i = 0; i < behaviors.length - 1; i++) {
    if (behaviors[i].matches(normal)) return behaviors[i];
  }
  return behaviors[behaviors.length - 1];
}
