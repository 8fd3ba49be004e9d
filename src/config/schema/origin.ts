/**
 * `Origin` (reference/origins.md §1): ranges, defaults, and the custom-header rules of §1.5.
 * "Exactly one of S3OriginConfig / CustomOriginConfig" is checked in validate/distribution.ts.
 */
import * as z from 'zod';
import { bool, int, shape } from './common.js';

/** origins.md §1.5: headers CloudFront won't let an origin custom header set. */
const DENIED_HEADERS = new Set(
  [
    'Cache-Control',
    'Connection',
    'Content-Length',
    'Cookie',
    'Host',
    'If-Match',
    'If-Modified-Since',
    'If-None-Match',
    'If-Range',
    'If-Unmodified-Since',
    'Max-Forwards',
    'Pragma',
    'Proxy-Authorization',
    'Proxy-Connection',
    'Range',
    'Request-Range',
    'TE',
    'Trailer',
    'Transfer-Encoding',
    'Upgrade',
    'Via',
    'X-Real-Ip',
  ].map((h) => h.toLowerCase()),
);

export function isDeniedOriginHeader(name: string): boolean {
  const n = name.toLowerCase();
  return DENIED_HEADERS.has(n) || n.startsWith('x-amz-') || n.startsWith('x-edge-');
}

const port = int().refine((p) => p === 80 || p === 443 || (p >= 1024 && p <= 65535), {
  error: 'must be 80, 443 or 1024–65535',
});

const customHeader = shape({
  HeaderName: z
    .string()
    .min(1)
    .max(256)
    .refine((h) => !isDeniedOriginHeader(h), {
      error: 'CloudFront does not allow this header as an origin custom header',
    }),
  HeaderValue: z.string().max(1783),
});

export const customOriginConfig = shape({
  HTTPPort: port.default(80),
  HTTPSPort: port.default(443),
  OriginProtocolPolicy: z.enum(['http-only', 'https-only', 'match-viewer']),
  OriginSSLProtocols: z
    .array(z.enum(['SSLv3', 'TLSv1', 'TLSv1.1', 'TLSv1.2']))
    .min(1)
    .default(() => ['TLSv1' as const, 'SSLv3' as const]),
  OriginReadTimeout: int(1, 120).default(30),
  OriginKeepaliveTimeout: int(1, 120).default(5),
  IpAddressType: z.enum(['ipv4', 'ipv6', 'dualstack']).optional(),
  OriginMtlsConfig: z.unknown().optional(),
});

export const s3OriginConfig = shape({
  OriginAccessIdentity: z.string().default(''),
  OriginReadTimeout: int(1, 120).default(30),
});

export const origin = shape({
  Id: z.string().min(1).max(128),
  DomainName: z.string().min(1).max(253),
  OriginPath: z
    .string()
    .refine((p) => p === '' || p.startsWith('/'), { error: 'OriginPath must start with "/"' })
    .refine((p) => !p.endsWith('/'), { error: 'OriginPath must not end with "/"' })
    .default(''),
  OriginCustomHeaders: z
    .array(customHeader)
    .max(30)
    .refine((hs) => hs.reduce((n, h) => n + h.HeaderName.length + h.HeaderValue.length, 0) <= 10240, {
      error: 'origin custom header names and values total more than 10,240 characters',
    })
    .default(() => []),
  S3OriginConfig: s3OriginConfig.optional(),
  CustomOriginConfig: customOriginConfig.optional(),
  VpcOriginConfig: z.unknown().optional(),
  ConnectionAttempts: int(1, 3).default(3),
  ConnectionTimeout: int(1, 10).default(10),
  ResponseCompletionTimeout: int(1).optional(),
  OriginShield: shape({
    Enabled: bool(),
    OriginShieldRegion: z
      .string()
      .regex(/^[a-z]{2}-[a-z]+-\d$/, { error: 'must be a region code like us-east-2' })
      .optional(),
  }).optional(),
  OriginAccessControlId: z.string().optional(),
});

export const originGroup = shape({
  Id: z.string().min(1),
  FailoverCriteria: shape({
    StatusCodes: shape({
      Quantity: int().optional(),
      Items: z
        .array(
          int().refine((c) => [400, 403, 404, 416, 500, 502, 503, 504].includes(c), {
            error: 'failover status codes are 400, 403, 404, 416, 500, 502, 503 and 504',
          }),
        )
        .min(1),
    }),
  }),
  Members: shape({
    Quantity: int().optional(),
    Items: z
      .array(shape({ OriginId: z.string().min(1) }))
      .length(2, { error: 'an origin group has exactly 2 members' }),
  }),
  SelectionCriteria: z.enum(['default', 'media-quality-based']).optional(),
});
