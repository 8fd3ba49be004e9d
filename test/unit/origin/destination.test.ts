import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planDestination, poolKey, tlsVersions } from '../../../src/origin/destination.js';
import { customConfig, originModel, settings } from './helpers.js';

const none = new Map<string, URL>();

test('OriginProtocolPolicy picks scheme and port: http-only → HTTPPort, https-only → HTTPSPort, match-viewer → viewer', () => {
  const config = (policy: 'http-only' | 'https-only' | 'match-viewer') =>
    originModel('custom', 'Origin.Example.com', {
      CustomOriginConfig: customConfig({ OriginProtocolPolicy: policy, HTTPPort: 8080, HTTPSPort: 8443 }),
    });
  assert.equal(
    planDestination(config('http-only'), 'https', settings(), none).origin,
    'http://origin.example.com:8080',
  );
  assert.equal(
    planDestination(config('https-only'), 'http', settings(), none).origin,
    'https://origin.example.com:8443',
  );
  assert.equal(
    planDestination(config('match-viewer'), 'http', settings(), none).origin,
    'http://origin.example.com:8080',
  );
  assert.equal(
    planDestination(config('match-viewer'), 'https', settings(), none).origin,
    'https://origin.example.com:8443',
  );
});

test('S3 REST origins use HTTPS 443 and S3OriginConfig.OriginReadTimeout; website origins HTTP 80', () => {
  const s3 = originModel(
    's3',
    'media.s3.us-west-2.amazonaws.com',
    {
      S3OriginConfig: { OriginAccessIdentity: '', OriginReadTimeout: 7 },
      ConnectionAttempts: 2,
      ConnectionTimeout: 4,
    },
    'media',
  );
  const plan = planDestination(s3, 'http', settings(), none);
  assert.equal(plan.origin, 'https://media.s3.us-west-2.amazonaws.com:443');
  assert.equal(plan.readTimeoutMs, 7000);
  assert.equal(plan.connectTimeoutMs, 4000);
  assert.equal(plan.attempts, 2);
  assert.equal(plan.pathPrefix, '');
  assert.equal(plan.hostHeader, undefined);
  const site = originModel('s3-website', 'site.s3-website-us-west-2.amazonaws.com', {}, 'site');
  assert.equal(
    planDestination(site, 'https', settings(), none).origin,
    'http://site.s3-website-us-west-2.amazonaws.com:80',
  );
});

test('--s3-endpoint is path-style with the endpoint path kept; an override wins over it', () => {
  const s3 = originModel('s3', 'media.s3.amazonaws.com', {}, 'media');
  const endpoint = settings({ s3Endpoint: new URL('http://minio.local:9000/store/') });
  const plan = planDestination(s3, 'https', endpoint, none);
  assert.equal(plan.origin, 'http://minio.local:9000');
  assert.equal(plan.pathPrefix, '/store/media');
  assert.equal(plan.hostHeader, 'minio.local:9000');
  const overridden = planDestination(
    s3,
    'https',
    endpoint,
    new Map([['media.s3.amazonaws.com', new URL('https://[::1]')]]),
  );
  assert.equal(overridden.origin, 'https://[::1]:443');
  assert.equal(overridden.pathPrefix, '');
});

test('OriginSSLProtocols sets the lowest TLS version offered; SSLv3 alone falls back to TLSv1.2', () => {
  assert.deepEqual(tlsVersions(['TLSv1', 'SSLv3']), { minVersion: 'TLSv1', maxVersion: 'TLSv1.3' });
  assert.deepEqual(tlsVersions(['TLSv1.2', 'TLSv1.1']), { minVersion: 'TLSv1.1', maxVersion: 'TLSv1.3' });
  assert.deepEqual(tlsVersions(['SSLv3']), { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3' });
});

test('origins with the same destination and settings share one pool key; different timeouts do not', () => {
  const a = originModel('custom', 'a.example.com');
  const b = originModel('custom', 'A.EXAMPLE.COM');
  const c = originModel('custom', 'a.example.com', {
    CustomOriginConfig: customConfig({ OriginReadTimeout: 5 }),
  });
  const key = (m: typeof a) => poolKey(planDestination(m, 'https', settings(), none));
  assert.equal(key(a), key(b));
  assert.notEqual(key(a), key(c));
});
