import assert from 'node:assert/strict';
import test from 'node:test';
import { hostName } from '../../../src/edge/route.js';

test('Host names are compared without port, case or trailing dot', () => {
  assert.equal(hostName('WWW.Example.com:8080'), 'www.example.com');
  assert.equal(hostName('example.com.'), 'example.com');
  assert.equal(hostName('[::1]:8080'), '[::1]');
  assert.equal(hostName('localhost'), 'localhost');
});
