/**
 * What a viewer-request CloudFront Function's origin helpers ask for
 * (reference/cloudfront-functions.md §4.4.2), turned into the origins this request fetches from:
 * - `updateRequestOrigin`: the behavior's origin (an origin group's primary) with the given
 *   fields changed; anything omitted is inherited;
 * - `selectRequestOriginById`: another origin of the same distribution, whole;
 * - `createRequestOriginGroup`: two origins of the distribution with the call's failover codes.
 * The engine validated the arguments' shapes; naming an origin the distribution lacks is the
 * function's validation error (502).
 */
import { originModel } from '../config/resolve.js';
import { EdgeError } from '../errors.js';
import type { OriginHostOverrides, OriginOverride } from '../functions/cloudfront/index.js';
import type { CustomOriginConfig, OriginConfig } from '../model/cloudfront.js';
import type { OriginModel } from '../model/types.js';
import type { Exchange } from './exchange.js';

export function overriddenOrigins(
  ex: Exchange,
  override: OriginOverride,
  current: OriginModel[],
): OriginModel[] {
  switch (override.kind) {
    case 'select':
      return [withHost(byId(ex, override.originId), override.overrides)];
    case 'group': {
      ex.failoverCodes = override.params.failoverCriteria.statusCodes;
      return override.params.originIds.map((o) => withHost(byId(ex, o.originId), o.originOverrides));
    }
    case 'update': {
      const p = override.params;
      const base = current[0].config;
      const config: OriginConfig = {
        ...base,
        DomainName: p.domainName ?? base.DomainName,
        OriginPath: p.originPath ?? base.OriginPath,
        ConnectionAttempts: p.connectionAttempts ?? base.ConnectionAttempts,
        ConnectionTimeout: p.timeouts?.connectionTimeout ?? base.ConnectionTimeout,
      };
      if (p.customHeaders !== undefined)
        config.OriginCustomHeaders = Object.entries(p.customHeaders).map(([HeaderName, HeaderValue]) => ({
          HeaderName,
          HeaderValue,
        }));
      // Ports, protocol and read/keep-alive timeouts are custom-origin settings; an S3 origin keeps its own.
      if (
        p.customOriginConfig !== undefined ||
        (p.timeouts !== undefined && base.S3OriginConfig === undefined)
      ) {
        const custom: CustomOriginConfig = {
          HTTPPort: 80,
          HTTPSPort: 443,
          OriginProtocolPolicy: 'https-only',
          OriginSSLProtocols: ['TLSv1.2'],
          OriginReadTimeout: 30,
          OriginKeepaliveTimeout: 5,
          ...base.CustomOriginConfig,
        };
        const c = p.customOriginConfig;
        if (c) {
          if (c.protocol === 'http') custom.HTTPPort = c.port;
          else custom.HTTPSPort = c.port;
          custom.OriginProtocolPolicy = c.protocol === 'http' ? 'http-only' : 'https-only';
          custom.OriginSSLProtocols = c.sslProtocols;
        }
        if (p.timeouts?.readTimeout !== undefined) custom.OriginReadTimeout = p.timeouts.readTimeout;
        if (p.timeouts?.keepAliveTimeout !== undefined)
          custom.OriginKeepaliveTimeout = p.timeouts.keepAliveTimeout;
        config.CustomOriginConfig = custom;
        delete config.S3OriginConfig;
      }
      // Only the primary changes; an origin group's secondary and its failover codes stay (§4.4.2).
      return [withHost(originModel(config), p), ...current.slice(1)];
    }
  }
}

function byId(ex: Exchange, id: string): OriginModel {
  const origin = ex.distribution!.origins.get(id);
  if (origin === undefined)
    throw new EdgeError('FunctionValidationError', `the distribution has no origin with Id "${id}"`);
  return origin;
}

function withHost(origin: OriginModel, overrides: OriginHostOverrides | undefined): OriginModel {
  return overrides?.hostHeader === undefined ? origin : { ...origin, hostHeader: overrides.hostHeader };
}
