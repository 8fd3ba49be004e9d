/**
 * Where a custom-HTTP origin request goes and with which connection settings, computed once
 * per origin (and viewer protocol, for match-viewer) and kept: the hot path only reads it.
 * Covers custom origins, S3 REST origins without a local bucket (HTTPS 443, or
 * `--s3-endpoint` path-style) and S3 website origins without a local bucket (HTTP 80).
 */
import type { ConnectionOptions } from 'node:tls';
import type { OriginModel } from '../model/types.js';
import type { OriginSettings } from './types.js';

export interface DestinationPlan {
  /** `scheme://host:port`, the undici Pool origin. */
  readonly origin: string;
  /** Prepended to OriginRequest.path: `''`, or `/<bucket>` (plus the endpoint's own path) for `--s3-endpoint`. */
  readonly pathPrefix: string;
  /** Replaces the request's `host` header; only for `--s3-endpoint` (path-style addressing). */
  readonly hostHeader: string | undefined;
  readonly attempts: number;
  readonly connectTimeoutMs: number;
  readonly readTimeoutMs: number;
  readonly keepAliveMs: number;
  readonly tls: Pick<ConnectionOptions, 'minVersion' | 'maxVersion'>;
  readonly family: 4 | 6 | undefined;
}

/** Defaults CloudFront applies where an S3 origin has no setting of its own (origins.md §1, §5). */
const S3_KEEPALIVE_S = 5;
const DEFAULT_READ_TIMEOUT_S = 30;

/**
 * OriginSSLProtocols → the TLS versions offered. CloudFront documents this setting as "the
 * minimum protocol CloudFront can use", so the lowest listed version is the floor and TLSv1.3
 * the ceiling; otherwise CloudFormation's default `[TLSv1, SSLv3]` could not reach any
 * TLS 1.2+-only origin.
 * Deviation from CloudFront: SSLv3 cannot be offered (Node/OpenSSL removed it), and TLSv1 /
 * TLSv1.1 are only offered where OpenSSL's security level allows (OpenSSL 3 needs
 * `@SECLEVEL=0` for them, which we do not lower): in practice the floor is TLSv1.2.
 */
const TLS_ORDER = ['TLSv1', 'TLSv1.1', 'TLSv1.2'] as const;
export function tlsVersions(protocols: readonly string[]): DestinationPlan['tls'] {
  const floor = TLS_ORDER.find((v) => protocols.includes(v)) ?? 'TLSv1.2';
  return { minVersion: floor, maxVersion: 'TLSv1.3' };
}

function originOf(url: URL): string {
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return `${url.protocol}//${url.hostname}:${port}`;
}

export function planDestination(
  model: OriginModel,
  viewerProtocol: 'http' | 'https',
  settings: OriginSettings,
  overrides: ReadonlyMap<string, URL>,
): DestinationPlan {
  const config = model.config;
  const domain = config.DomainName.toLowerCase();
  const custom = config.CustomOriginConfig;
  const override = overrides.get(domain);
  let origin: string;
  let pathPrefix = '';
  let hostHeader: string | undefined;
  let tls: DestinationPlan['tls'] = { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3' }; // S3: CloudFront picks TLS (§1.2)

  if (override) {
    // `--origin-override`: connect elsewhere, Host header and SNI still name the origin (DESIGN.md).
    origin = originOf(override);
  } else if (model.kind === 's3') {
    const endpoint = settings.s3Endpoint;
    if (endpoint) {
      // Path-style: `<endpoint>/<bucket>/<key>`, Host = the endpoint (S3-compatible stores such as MinIO).
      origin = originOf(endpoint);
      const bucket = model.bucket ?? domain.slice(0, domain.indexOf('.s3'));
      pathPrefix = `${endpoint.pathname.replace(/\/+$/, '')}/${bucket}`;
      hostHeader = endpoint.host;
    } else {
      origin = `https://${domain}:443`; // S3 REST origins are always reached over HTTPS
    }
  } else if (model.kind === 's3-website') {
    origin = `http://${domain}:80`; // website endpoints are HTTP only, port 80 (origins.md §1.2, §2)
  } else {
    const policy = custom?.OriginProtocolPolicy ?? 'match-viewer';
    const https = policy === 'https-only' || (policy === 'match-viewer' && viewerProtocol === 'https');
    origin = https
      ? `https://${domain}:${custom?.HTTPSPort ?? 443}`
      : `http://${domain}:${custom?.HTTPPort ?? 80}`;
  }
  if (custom && model.kind !== 's3') tls = tlsVersions(custom.OriginSSLProtocols);

  const readTimeoutS =
    model.kind === 's3'
      ? (config.S3OriginConfig?.OriginReadTimeout ?? DEFAULT_READ_TIMEOUT_S)
      : (custom?.OriginReadTimeout ?? DEFAULT_READ_TIMEOUT_S);
  const keepAliveS =
    model.kind === 's3' ? S3_KEEPALIVE_S : (custom?.OriginKeepaliveTimeout ?? S3_KEEPALIVE_S);
  const ip = custom?.IpAddressType;
  return {
    origin,
    pathPrefix,
    hostHeader,
    attempts: Math.max(1, config.ConnectionAttempts),
    connectTimeoutMs: config.ConnectionTimeout * 1000,
    readTimeoutMs: readTimeoutS * 1000,
    keepAliveMs: keepAliveS * 1000,
    tls,
    family: ip === 'ipv4' ? 4 : ip === 'ipv6' ? 6 : undefined,
  };
}

/** Plans sharing this key share one undici Pool (origins.md §4.5: persistent connections). */
export function poolKey(plan: DestinationPlan): string {
  return `${plan.origin}|${plan.connectTimeoutMs}|${plan.readTimeoutMs}|${plan.keepAliveMs}|${plan.tls.minVersion}|${plan.family ?? ''}`;
}
