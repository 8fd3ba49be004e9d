/**
 * Who may call the control API, checked on the wire with plain node:http and raw sockets against
 * a real `edgefront serve`: AWS's signature errors, the body limit, unknown paths, the refusal to
 * expose an unauthenticated admin port beyond loopback, keys from the config file, and the
 * loopback dev mode without keys.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { test } from 'node:test';
import { ListDistributionsCommand } from '@aws-sdk/client-cloudfront';
import { MAX_API_BODY_BYTES } from '../../../src/control/api-server.js';
import { simpleConfig, tempDir, writeYaml } from '../../helpers/config.js';
import { cloudFrontClient, startApiEdge, TEST_CREDENTIALS } from '../../helpers/control-api.js';
import { runCli, startEdgeProcess } from '../../helpers/edge-process.js';
import { httpRequest } from '../../helpers/http.js';
import { type ApiAnswer, errorCodeOf, sendApiCall, signedApiCall } from '../../helpers/signed-api.js';

/** No origin is ever contacted here; any valid port will do. */
const ORIGIN_PORT = 1024;

const LIST = { method: 'GET', path: '/2020-05-31/distribution' };

// No admin keys from the runner's environment reach a server started here: each test gives its own.
delete process.env.EDGEFRONT_ACCESS_KEY_ID;
delete process.env.EDGEFRONT_SECRET_ACCESS_KEY;

async function setup(t: { after(fn: () => unknown): void }) {
  const dir = await tempDir();
  t.after(() => dir.remove());
  const config = await writeYaml(dir.dir, 'edgefront.yaml', simpleConfig(ORIGIN_PORT));
  const api = await startApiEdge(['--config', config]);
  t.after(() => api.edge.close());
  return { api, admin: api.edge.admin as URL, config };
}

/** Authorization headers no signer writes. */
const GARBLED = [
  'AWS4-HMAC-SHA256 garbage',
  'AWS4-HMAC-SHA256 Credential=AKID/20240501/us-east-1/cloudfront/aws4_request',
  'AWS4-HMAC-SHA256 Credential=, SignedHeaders=, Signature=',
  `AWS4-HMAC-SHA256 ${'Credential=x, '.repeat(300)}`,
];

/** Paths on the admin port that name no CloudFront operation (a bad escape among them). */
const NOT_OPERATIONS = [
  '/2020-05-31/no-such-thing',
  '/2019-03-26/distribution',
  '/',
  '/2020-05-31/distribution/%ZZ',
];

function assertError(answer: ApiAnswer, status: number, code: string, what = ''): void {
  assert.equal(answer.status, status, `${what}: ${answer.body}`);
  assert.equal(errorCodeOf(answer), code, what);
}

test('a request without any signature is MissingAuthenticationToken (403)', async (t) => {
  const { admin } = await setup(t);
  assertError(await sendApiCall(admin, LIST, {}), 403, 'MissingAuthenticationToken');
});

test('a garbled Authorization header is IncompleteSignature (403)', async (t) => {
  const { admin } = await setup(t);
  for (const authorization of GARBLED) {
    const answer = await sendApiCall(admin, LIST, { authorization, 'x-amz-date': '20240501T120000Z' });
    assertError(answer, 403, 'IncompleteSignature', authorization.slice(0, 80));
  }
});

test('a correct signature dated 20 minutes ago is RequestExpired (403); the same signed now passes', async (t) => {
  const { admin } = await setup(t);
  const stale = await signedApiCall(admin, LIST, { signingDate: new Date(Date.now() - 20 * 60_000) });
  assertError(stale, 403, 'RequestExpired');
  const fresh = await signedApiCall(admin, LIST);
  assert.equal(fresh.status, 200, fresh.body);
});

/**
 * Sends a request head and then `bodyBytes` of body in 64 KiB pieces, and never the rest (nor
 * the end of a chunked body); resolves with the answer once it has wholly arrived.
 */
function uploadUntilAnswered(
  admin: URL,
  head: string,
  bodyBytes: number,
  chunked: boolean,
): Promise<ApiAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(admin.port), admin.hostname);
    const timer = setTimeout(() => socket.destroy(new Error('no answer within 10 s')), 10_000);
    let received = Buffer.alloc(0);
    let sent = 0;
    const piece = Buffer.alloc(64 * 1024, 'x');
    const frame = chunked ? Buffer.concat([Buffer.from('10000\r\n'), piece, Buffer.from('\r\n')]) : piece;
    const pump = () => {
      while (sent < bodyBytes) {
        sent += piece.length;
        if (!socket.write(frame)) return void socket.once('drain', pump);
      }
    };
    socket.on('connect', () => {
      socket.write(head);
      pump();
    });
    socket.on('data', (d: Buffer) => {
      received = Buffer.concat([received, d]);
      const text = received.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      if (end < 0) return;
      const length = Number(/\r\ncontent-length: *(\d+)/i.exec(text.slice(0, end))?.[1]);
      if (received.length < end + 4 + length) return;
      const headers: Record<string, string> = {};
      for (const line of text.slice(0, end).split('\r\n').slice(1)) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      clearTimeout(timer);
      socket.destroy();
      resolve({
        status: Number(text.slice(9, 12)),
        headers,
        body: received.subarray(end + 4, end + 4 + length).toString(),
      });
    });
    socket.on('close', () => {
      clearTimeout(timer);
      reject(new Error(`the connection closed without an answer (${sent} body bytes sent)`));
    });
  });
}

test('a body over MAX_API_BODY_BYTES is 413 RequestEntityTooLarge while the client is still sending it', async (t) => {
  const { admin } = await setup(t);
  const start = (extra: string) =>
    `POST /2020-05-31/distribution HTTP/1.1\r\nhost: ${admin.host}\r\ncontent-type: application/xml\r\n${extra}\r\n`;
  // Declared too large: answered on the head, after 64 KiB of the body.
  const declared = await uploadUntilAnswered(
    admin,
    start(`content-length: ${MAX_API_BODY_BYTES + 1}\r\n`),
    64 * 1024,
    false,
  );
  assertError(declared, 413, 'RequestEntityTooLarge', 'declared');
  // Chunked: answered once the count passes the limit, the body still open (not buffered to its end).
  const chunked = await uploadUntilAnswered(
    admin,
    start('transfer-encoding: chunked\r\n'),
    MAX_API_BODY_BYTES + 256 * 1024,
    true,
  );
  assertError(chunked, 413, 'RequestEntityTooLarge', 'chunked');
  const health = await fetch(new URL('/healthz', admin));
  assert.equal(health.status, 200);
});

test('a signed request to a path that is no CloudFront operation is InvalidURI (400)', async (t) => {
  const { admin } = await setup(t);
  for (const path of NOT_OPERATIONS) {
    assertError(await signedApiCall(admin, { method: 'GET', path }), 400, 'InvalidURI', path);
  }
});

test('serve --host 0.0.0.0 without admin keys refuses to start, naming EDGEFRONT_ACCESS_KEY_ID, before it listens', async (t) => {
  const dir = await tempDir();
  t.after(() => dir.remove());
  const config = await writeYaml(dir.dir, 'edgefront.yaml', simpleConfig(ORIGIN_PORT));
  const { code, stdout, stderr } = await runCli([
    'serve',
    '--config',
    config,
    '--host',
    '0.0.0.0',
    '--port',
    '0',
    '--admin-port',
    '0',
    '--state-dir',
    `${dir.dir}/state`,
  ]);
  assert.notEqual(code, 0);
  assert.equal(code, 1);
  assert.match(stderr, /EDGEFRONT_ACCESS_KEY_ID/);
  assert.match(stderr, /0\.0\.0\.0/);
  // It never bound a port: no listening line, no serving banner.
  assert.doesNotMatch(stdout, /listening|serving/);
});

test('Admin.Credentials in the config file are keys the API accepts; other keys are InvalidClientTokenId', async (t) => {
  const dir = await tempDir();
  t.after(() => dir.remove());
  const admin = {
    AccessKeyId: 'AKIDFROMCONFIGFILE1',
    SecretAccessKey: 'config/file/secret+key/0123456789abcdef',
  };
  const config = await writeYaml(dir.dir, 'edgefront.yaml', {
    ...simpleConfig(ORIGIN_PORT),
    Admin: { Credentials: [admin] },
  });
  const edge = await startEdgeProcess(['--config', config]);
  t.after(() => edge.close());
  const url = edge.admin as URL;
  const keys = { accessKeyId: admin.AccessKeyId, secretAccessKey: admin.SecretAccessKey };
  const list = await cloudFrontClient(url, keys).send(new ListDistributionsCommand({}));
  assert.equal(list.DistributionList?.Items?.[0].Id, 'E1TEST');
  const raw = await signedApiCall(url, LIST, { credentials: keys });
  assert.equal(raw.status, 200, raw.body);
  await assert.rejects(cloudFrontClient(url, TEST_CREDENTIALS).send(new ListDistributionsCommand({})), {
    name: 'InvalidClientTokenId',
  });
  const unsigned = await sendApiCall(url, LIST, {});
  assert.equal(errorCodeOf(unsigned), 'MissingAuthenticationToken');
});

test('without any keys on 127.0.0.1 (dev mode) unsigned and arbitrarily signed calls work', async (t) => {
  const dir = await tempDir();
  t.after(() => dir.remove());
  const config = await writeYaml(dir.dir, 'edgefront.yaml', simpleConfig(ORIGIN_PORT));
  const edge = await startEdgeProcess(['--config', config]);
  t.after(() => edge.close());
  const url = edge.admin as URL;
  const unsigned = await httpRequest(new URL(LIST.path, url).href);
  assert.equal(unsigned.status, 200, unsigned.body);
  assert.match(
    unsigned.body,
    /<DistributionList xmlns="http:\/\/cloudfront\.amazonaws\.com\/doc\/2020-05-31\/">/,
  );
  const anyKeys = cloudFrontClient(url, { accessKeyId: 'AKIDANYTHING', secretAccessKey: 'anything' });
  const list = await anyKeys.send(new ListDistributionsCommand({}));
  assert.equal(list.DistributionList?.Items?.[0].Id, 'E1TEST');
});
