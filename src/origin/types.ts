/**
 * What the edge hands an origin fetcher, and what it gets back. The edge has already
 * decided every header CloudFront sends (src/edge/origin-headers.ts); a fetcher only
 * picks the transport (custom HTTP(S), S3 REST, S3 website, local bucket) and maps
 * transport failures to CloudFront's error codes (EdgeError: OriginConnectError → 502,
 * OriginCommError → 504, OriginDnsError → 502, OriginInvalidResponseError → 502).
 */
import type { Readable } from 'node:stream';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import type { OriginModel } from '../model/types.js';
import type { OriginAccessControls } from './oac-sign.js';

export interface OriginRequest {
  readonly origin: OriginModel;
  readonly method: string;
  /** OriginPath + viewer path (or the DefaultRootObject / error page path) + forwarded query string. */
  readonly path: string;
  /** Lowercase names; `host` included (the origin's DomainName unless a policy forwards the viewer's). */
  readonly headers: Record<string, string>;
  /**
   * Request body; null for bodiless requests. Streamed, never buffered, except to hash it for an
   * OAC signature that needs the hash (oac-sign.ts).
   */
  readonly body: Readable | null;
  /** The viewer's protocol, for OriginProtocolPolicy `match-viewer`. */
  readonly viewerProtocol: 'http' | 'https';
}

export interface OriginResponse {
  readonly status: number;
  /** Lowercase names; multi-valued headers (set-cookie) as arrays. */
  readonly headers: Record<string, string | string[]>;
  /** Streamed body; empty for HEAD and 304. Consumers must read or destroy it. */
  readonly body: Readable;
}

/** Settings from the command line that change where origin requests go. */
export interface OriginSettings {
  /** `--bucket NAME=DIR` and config `Buckets:`: bucket name → absolute directory. */
  readonly buckets: ReadonlyMap<string, string>;
  /** `--s3-endpoint URL`: S3 REST requests go here, path-style (`/bucket/key`). */
  readonly s3Endpoint?: URL;
  /** `--origin-override DOMAIN=URL`: connect to URL for origin DOMAIN (Host header unchanged). */
  readonly originOverrides: ReadonlyMap<string, URL>;
  /**
   * Extra PEM CA certificates trusted for HTTPS origins, on top of Node's bundled roots (and
   * NODE_EXTRA_CA_CERTS). For tests and private CAs; certificates are always verified.
   */
  readonly ca?: readonly string[];
  /** The model's origin access controls by Id: an origin naming one is SigV4-signed (oac-sign.ts). */
  readonly originAccessControls?: OriginAccessControls;
  /**
   * AWS credentials for OAC signing. Default: the SDK's default provider chain. A programmatic
   * option (tests, embedders), not a config key.
   */
  readonly credentials?: AwsCredentialIdentityProvider;
}

export interface OriginFetcher {
  fetch(request: OriginRequest): Promise<OriginResponse>;
  close(): Promise<void>;
}
