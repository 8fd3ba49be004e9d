/**
 * `edgefront serve --bucket NAME=DIR` on both HTTP/1 engines: whatever path a viewer sends
 * (raw or percent-encoded dot segments, backslashes, NULs, absolute-form targets, symlinks out
 * of DIR), nothing outside DIR is ever read or served (issue #6).
 */
import assert from 'node:assert/strict';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { tempDir, writeYaml } from '../../helpers/config.js';
import { type EdgeProcess, startEdgeProcess } from '../../helpers/edge-process.js';
import { ENGINES, exchange, readResponses } from './wire.js';

const SECRET = 'outside-the-bucket-secret';

/** Request targets that try to leave the bucket; each must be refused or answered from inside it. */
const TARGETS = [
  '/../secret.txt',
  '/../../../../../../etc/passwd',
  '/site/../../secret.txt',
  '/%2e%2e/secret.txt',
  '/%2E%2E/%2E%2E/secret.txt',
  '/..%2fsecret.txt',
  '/site%2f..%2f..%2fsecret.txt',
  '/..\\secret.txt',
  '/site\\..\\..\\secret.txt',
  '/%5c..%5csecret.txt',
  '/secret.txt%00',
  '/%00/../secret.txt',
  '/link-out.txt',
  '/dir-out/secret.txt',
  '/.%2e/secret.txt',
  '//../secret.txt',
  'http://x/../secret.txt',
];

let config: string;
let bucket: string;
let cleanup: () => Promise<void>;
before(async () => {
  const tmp = await tempDir();
  bucket = join(tmp.dir, 'bucket');
  await mkdir(join(bucket, 'site'), { recursive: true });
  await writeFile(join(tmp.dir, 'secret.txt'), SECRET);
  await writeFile(join(bucket, 'site', 'page.html'), 'inside the bucket');
  await symlink(join(tmp.dir, 'secret.txt'), join(bucket, 'link-out.txt'));
  await symlink(tmp.dir, join(bucket, 'dir-out'));
  config = await writeYaml(tmp.dir, 'edgefront.yaml', {
    Distributions: [
      {
        Id: 'E1BUCKET',
        DistributionConfig: {
          Enabled: true,
          Origins: [
            {
              Id: 'rest',
              DomainName: 'assets.s3.us-east-1.amazonaws.com',
              S3OriginConfig: { OriginAccessIdentity: '' },
            },
          ],
          DefaultCacheBehavior: {
            TargetOriginId: 'rest',
            ViewerProtocolPolicy: 'allow-all',
            CachePolicyId: 'CachingDisabled',
          },
        },
      },
    ],
  });
  cleanup = () => tmp.remove();
});
after(() => cleanup());

for (const engine of ENGINES) {
  describe(`--http-engine ${engine}`, () => {
    let edge: EdgeProcess;
    before(async () => {
      edge = await startEdgeProcess([
        '--config',
        config,
        '--bucket',
        `assets=${bucket}`,
        '--http-engine',
        engine,
      ]);
    });
    after(() => edge.close());

    test('no request target reads a file outside the bucket directory', async () => {
      const port = Number(edge.http.port);
      for (const target of TARGETS) {
        const { text } = await exchange(port, [
          `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
        ]);
        const [response] = readResponses(text);
        assert.ok([400, 403].includes(response.status), `${target}: ${response.status}`);
        assert.doesNotMatch(text, new RegExp(SECRET), target);
        assert.doesNotMatch(text, /root:.*:0:0:/, target);
      }
      const inside = readResponses(
        (await exchange(port, ['GET /site/page.html HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'])).text,
      );
      assert.equal(inside[0].body, 'inside the bucket');
    });
  });
}
