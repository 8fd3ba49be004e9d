/**
 * The key value store fixture the KVS and cluster suites share: a store `flags` (its data file
 * `./flags.json` written by the caller), a CloudFront Function `read-color` (cloudfront-js-2.0)
 * answering the store's value of `color` in an `x-color` header, and the `/color` behavior that
 * runs it on every request.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const READ_COLOR = `import cf from 'cloudfront';
const kvs = cf.kvs();
async function handler(event) {
  let color;
  try {
    color = await kvs.get('color');
  } catch (err) {
    color = 'none';
  }
  return { statusCode: 200, statusDescription: 'OK', headers: { 'x-color': { value: color } } };
}
`;

/** Writes `read-color.js` into `dir`; returns the config's KeyValueStores and Functions. */
export async function readColorFunction(dir: string) {
  await writeFile(join(dir, 'read-color.js'), READ_COLOR);
  return {
    KeyValueStores: [{ Name: 'flags', Data: './flags.json' }],
    Functions: [
      {
        Name: 'read-color',
        FunctionConfig: {
          Runtime: 'cloudfront-js-2.0',
          KeyValueStoreAssociations: [{ KeyValueStoreARN: 'flags' }],
        },
        Code: './read-color.js',
      },
    ],
  };
}

/** The behavior that answers `/color` with the function, uncached. */
export const COLOR_BEHAVIOR = {
  PathPattern: '/color',
  CachePolicyId: 'CachingDisabled',
  FunctionAssociations: [{ EventType: 'viewer-request', FunctionARN: 'read-color' }],
};
