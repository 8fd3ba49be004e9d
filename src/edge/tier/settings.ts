/**
 * Tiered-caching settings from `--parent`, `--origin-shield` and `EDGEFRONT_TIER_SECRET`,
 * checked once at startup, and what startup says about Origin Shield settings no node serves.
 */
import type { EdgeModel } from '../../model/types.js';
import type { TierSettings } from './client.js';

export interface TierOptions {
  readonly parent?: string;
  readonly originShields?: Readonly<Record<string, string>>;
  readonly secret?: string;
}

/** Undefined when the node neither uses a tier nor can act as one. Throws on a bad value. */
export function tierSettings(options: TierOptions | undefined): TierSettings | undefined {
  if (options === undefined) return undefined;
  const parent = options.parent === undefined ? undefined : tierUrl('--parent', options.parent);
  const originShields = new Map<string, URL>();
  for (const [region, url] of Object.entries(options.originShields ?? {}))
    originShields.set(region, tierUrl(`--origin-shield ${region}`, url));
  const secret = options.secret ? Buffer.from(options.secret) : undefined;
  if (secret === undefined && (parent !== undefined || originShields.size > 0)) {
    throw new Error(
      'tiered caching needs a secret shared by every node of the tier (edge, regional tier, Origin Shield): set EDGEFRONT_TIER_SECRET to the same value on each',
    );
  }
  if (parent === undefined && originShields.size === 0 && secret === undefined) return undefined;
  return { parent, originShields, secret };
}

function tierUrl(flag: string, value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(
      `${flag} takes the URL of an edgefront node's viewer HTTP port (http://host:port), got "${value}"`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new Error(`${flag} takes an http:// or https:// URL, got "${value}"`);
  return url;
}

/**
 * An origin with OriginShield enabled in a region no `--origin-shield` maps to a node: said once
 * at startup. Its misses go to the origin (or to `--parent`, which applies its own mapping), as on
 * one node: a CloudFront user expects the local setup to work without an Origin Shield node.
 */
export function originShieldNotes(model: EdgeModel, settings: TierSettings | undefined): string[] {
  if (settings?.parent !== undefined) return []; // the regional tier decides about Origin Shield
  const out: string[] = [];
  for (const dist of model.distributions) {
    for (const origin of dist.origins.values()) {
      const shield = origin.config.OriginShield;
      const region = shield?.Enabled ? shield.OriginShieldRegion : undefined;
      if (region === undefined || settings?.originShields.has(region)) continue;
      out.push(
        `${dist.Id} origin ${origin.config.Id}: OriginShield in ${region} has no --origin-shield ${region}=URL here, so its misses go to the origin directly`,
      );
    }
  }
  return out;
}
