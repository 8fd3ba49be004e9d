/**
 * IncludeBody (reference/lambda-edge.md §4): what a function sees of the viewer's body, and what
 * `action: 'read-only'` and `action: 'replace'` do with its changes.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import { EVENT_LIMITS, requestBodyForEvent } from '../../../../src/functions/lambda/index.js';
import { assertInvalid, assertRequest, check, edgeEvent, unchanged } from './helpers.js';

const KB = 1024;

function withBody(eventType: 'viewer-request' | 'origin-request', bytes: Uint8Array) {
  return edgeEvent(eventType, { request: { method: 'POST', body: requestBodyForEvent(eventType, bytes) } });
}

test('the body is shown base64-encoded, read-only, cut at 40 KB in viewer-request with inputTruncated', () => {
  const bytes = Buffer.alloc(40 * KB + 1, 7);
  bytes[40 * KB - 1] = 9;
  const body = requestBodyForEvent('viewer-request', bytes);
  assert.equal(body.inputTruncated, true);
  assert.equal(body.action, 'read-only');
  assert.equal(body.encoding, 'base64');
  assert.deepEqual(Buffer.from(body.data, 'base64'), bytes.subarray(0, 40 * KB));
  assert.equal(requestBodyForEvent('viewer-request', bytes.subarray(0, 40 * KB)).inputTruncated, false);
});

test('origin-request functions see up to 1 MB of the body', () => {
  const bytes = Buffer.alloc(1024 * KB + 10, 1);
  const body = requestBodyForEvent('origin-request', bytes);
  assert.equal(body.inputTruncated, true);
  assert.equal(Buffer.from(body.data, 'base64').length, 1024 * KB);
  assert.equal(requestBodyForEvent('origin-request', bytes.subarray(0, 50 * KB)).inputTruncated, false);
});

test('with action read-only, changes to data and encoding are ignored: the original body goes to the origin', () => {
  const event = withBody('viewer-request', Buffer.from('{"hello":"world"}'));
  const request = unchanged(event);
  request.body = { ...(request.body as object), encoding: 'text', data: 'changed' };
  const result = check('viewer-request', event, request);
  assert.deepEqual(assertRequest(result).body, event.Records[0].cf.request.body);
  assert.ok(result.kind === 'request' && result.bodyBytes === undefined);
});

test('a request returned without body keeps the original body', () => {
  const event = withBody('origin-request', Buffer.from('abc'));
  const { body: _b, ...request } = unchanged(event);
  const result = check('origin-request', event, request);
  assert.deepEqual(assertRequest(result).body, event.Records[0].cf.request.body);
  assert.ok(result.kind === 'request' && result.bodyBytes === undefined);
});

test('action replace sends data: base64 by default, or text', () => {
  const event = withBody('viewer-request', Buffer.from('original'));
  const b64 = check('viewer-request', event, {
    ...unchanged(event),
    body: { action: 'replace', data: Buffer.from('new body').toString('base64') },
  });
  assert.equal(assertRequest(b64).body?.encoding, 'base64');
  assert.ok(b64.kind === 'request' && b64.bodyBytes?.equals(Buffer.from('new body')));
  const text = check('viewer-request', event, {
    ...unchanged(event),
    body: { action: 'replace', encoding: 'text', data: 'é' },
  });
  assert.ok(text.kind === 'request' && text.bodyBytes?.equals(Buffer.from('é')));
});

test('a replacement body over the limits is a validation error: 40 KB text / 53.2 KB base64 in viewer-request', () => {
  const limits = EVENT_LIMITS['viewer-request'];
  assert.equal(limits.replaceTextBytes, 40 * KB);
  assert.equal(limits.replaceBase64Bytes, Math.floor(53.2 * KB));
  const event = withBody('viewer-request', Buffer.from('x'));
  const replace = (encoding: string, data: string) =>
    check('viewer-request', event, { ...unchanged(event), body: { action: 'replace', encoding, data } });
  assertRequest(replace('text', 'a'.repeat(40 * KB)));
  assertInvalid(replace('text', 'a'.repeat(40 * KB + 1)), 'request.body.data', /40960/);
  const b64 = Buffer.alloc(39 * KB).toString('base64'); // 53,248 characters: under 53.2 KB
  assertRequest(replace('base64', b64));
  assertInvalid(replace('base64', Buffer.alloc(41 * KB).toString('base64')), 'request.body.data', /54476/);
  const origin = withBody('origin-request', Buffer.from('x'));
  const bigText = {
    ...unchanged(origin),
    body: { action: 'replace', encoding: 'text', data: 'a'.repeat(1024 * KB) },
  };
  assertRequest(check('origin-request', origin, bigText));
  bigText.body.data += 'a';
  assertInvalid(check('origin-request', origin, bigText), 'request.body.data', /1048576/);
});

test('an invalid action, encoding or base64 replacement is a validation error', () => {
  const event = withBody('viewer-request', Buffer.from('x'));
  const body = (b: unknown) => check('viewer-request', event, { ...unchanged(event), body: b });
  assertInvalid(body({ action: 'append', data: 'x' }), 'request.body.action');
  assertInvalid(body({ action: 'replace', encoding: 'utf8', data: 'x' }), 'request.body.encoding');
  assertInvalid(body({ action: 'replace', data: 'not base64!' }), 'request.body.data', /base64/);
  assertInvalid(body({ action: 'replace', data: 42 }), 'request.body.data');
  assertInvalid(body('raw string'), 'request.body');
});

test('setting a body without IncludeBody is a validation error', () => {
  const event = edgeEvent('viewer-request');
  assertInvalid(
    check('viewer-request', event, {
      ...unchanged(event),
      body: { action: 'replace', encoding: 'text', data: 'x' },
    }),
    'request.body',
    /IncludeBody/,
  );
});
