/**
 * The origin fetcher the edge's origin-fetch phase calls: picks the transport for an origin
 * (origins.md §2) and nothing else; headers were decided by the edge (src/edge/origin-headers.ts).
 *
 * | origin kind  | bucket in `--bucket`/`Buckets:` | transport                                   |
 * |--------------|---------------------------------|---------------------------------------------|
 * | s3           | yes                             | local-bucket.ts, S3 REST semantics           |
 * | s3-website   | yes                             | local-bucket.ts, S3 website semantics        |
 * | s3           | no                              | custom-http.ts, HTTPS 443 or `--s3-endpoint` |
 * | s3-website   | no                              | custom-http.ts, HTTP 80                      |
 * | custom       | —                               | custom-http.ts, OriginProtocolPolicy         |
 *
 * `--origin-override` applies to every custom-http.ts row, and so does Origin Access Control:
 * an origin with an OAC is SigV4-signed there (oac-sign.ts); local buckets are never signed.
 */
import { CustomHttpOrigin } from './custom-http.js';
import { LocalBucketOrigin } from './local-bucket.js';
import type { OriginFetcher, OriginRequest, OriginResponse, OriginSettings } from './types.js';

export type { OriginFetcher, OriginRequest, OriginResponse, OriginSettings } from './types.js';

export function createOriginFetcher(settings: OriginSettings): OriginFetcher {
  const custom = new CustomHttpOrigin(settings);
  const local = new LocalBucketOrigin(settings.buckets);
  return {
    fetch(request: OriginRequest): Promise<OriginResponse> {
      const { kind, bucket } = request.origin;
      if (kind !== 'custom' && bucket !== undefined && settings.buckets.has(bucket)) {
        return local.fetch(request);
      }
      return custom.fetch(request);
    },
    close: () => custom.close(),
  };
}
