/**
 * Geo restriction (reference/distribution.md §6): `Restrictions.GeoRestriction` allows
 * (whitelist) or blocks (blacklist) viewers by the ISO 3166-1 alpha-2 country their address
 * maps to, for the whole distribution. A viewer the database cannot place is served, as
 * CloudFront serves a viewer of unknown location. Blocked viewers get 403 ClientGeoBlocked.
 */
import { ConfigError, type ConfigIssue } from '../../errors.js';
import type { DistributionConfig } from '../../model/cloudfront.js';
import type { DistributionModel, EdgeModel } from '../../model/types.js';
import type { ViewerRequest } from '../exchange.js';
import type { GeoDatabase } from './database.js';

type GeoRestriction = DistributionConfig['Restrictions']['GeoRestriction'];

const listed = new WeakMap<GeoRestriction, ReadonlySet<string>>();

/** The decision for one country code (undefined: unknown location). */
export function isCountryBlocked(restriction: GeoRestriction, country: string | undefined): boolean {
  if (restriction.RestrictionType === 'none' || country === undefined) return false;
  let locations = listed.get(restriction);
  if (locations === undefined) {
    locations = new Set(restriction.Locations);
    listed.set(restriction, locations);
  }
  return restriction.RestrictionType === 'whitelist' ? !locations.has(country) : locations.has(country);
}

/** True when CloudFront would answer this viewer 403 ClientGeoBlocked. */
export function isGeoBlocked(dist: DistributionModel, req: ViewerRequest): boolean {
  const restriction = dist.DistributionConfig.Restrictions.GeoRestriction;
  if (restriction.RestrictionType === 'none') return false;
  // Unreachable: a restricted distribution does not load without a database. Fail closed anyway.
  if (req.geo === undefined) return true;
  return isCountryBlocked(restriction, req.geo.locate(req.clientIp)?.country);
}

/**
 * Without a database every viewer's location is unknown, which CloudFront serves: a geo
 * restriction would silently allow everyone. So such a config does not load (startup, reload
 * and control API changes alike) and says to give `--geoip`.
 */
export function requireGeoDatabase(model: EdgeModel, database: GeoDatabase | undefined): void {
  if (database) return;
  const issues: ConfigIssue[] = [];
  for (const dist of model.distributions) {
    const type = dist.DistributionConfig.Restrictions.GeoRestriction.RestrictionType;
    if (type === 'none') continue;
    issues.push({
      file: model.files.join(', ') || 'the control API state',
      path: [
        'Distributions',
        dist.Id,
        'DistributionConfig',
        'Restrictions',
        'GeoRestriction',
        'RestrictionType',
      ],
      message: `distribution ${dist.Id} has a ${type} geo restriction, but no location database is loaded, so it cannot be enforced`,
      fix: 'start edgefront serve with --geoip FILE (a MaxMind GeoLite2 or GeoIP2 City or Country .mmdb)',
    });
  }
  if (issues.length) throw new ConfigError(issues);
}
