/** The real `@aws-sdk/client-cloudfront-keyvaluestore` client pointed at an edge's admin port. */
import '@aws-sdk/signature-v4a';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { Agent } from 'node:http';
import { isIPv6 } from 'node:net';
import { CloudFrontKeyValueStoreClient } from '@aws-sdk/client-cloudfront-keyvaluestore';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { TEST_CREDENTIALS } from './control-api.js';

type Credentials = { accessKeyId: string; secretAccessKey: string };

/**
 * The KVS client puts the account id in front of the endpoint's host
 * (`http://123456789012.localhost:PORT`): its agent resolves every `*.localhost` name to the
 * admin listener's address.
 */
export function kvsClient(
  admin: URL,
  credentials: Credentials = TEST_CREDENTIALS,
): CloudFrontKeyValueStoreClient {
  const address = admin.hostname.replace(/^\[|\]$/g, '');
  const family = isIPv6(address) ? 6 : 4;
  const lookup = ((
    hostname: string,
    options: { all?: boolean },
    callback: (err: Error | null, address: string | LookupAddress[], family?: number) => void,
  ) => {
    if (hostname !== 'localhost' && !hostname.endsWith('.localhost'))
      return dnsLookup(hostname, options, callback as never);
    if (options.all) callback(null, [{ address, family }]);
    else callback(null, address, family);
  }) as never;
  return new CloudFrontKeyValueStoreClient({
    endpoint: `http://localhost:${admin.port}`,
    region: 'us-east-1',
    credentials,
    maxAttempts: 1,
    // A request the edge never answers fails the test instead of hanging it.
    requestHandler: new NodeHttpHandler({ httpAgent: new Agent({ lookup }), requestTimeout: 30_000 }),
  });
}
