/** `edgefront validate` output: a summary line on success, every issue and a count on failure. */
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { runValidate } from '../../../src/cli/validate.js';
import { example } from './helpers.js';

function capture() {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk) => {
    text += chunk;
  });
  return { stream, text: () => text };
}

test('a valid config prints ✔ with what it found and exits 0', async () => {
  const out = capture();
  const err = capture();
  const file = example('site-api/edgefront.yaml');
  const code = await runValidate([file], { out: out.stream, err: err.stream });
  assert.equal(code, 0);
  assert.equal(out.text(), `✔ ${file}: 1 distribution, 1 cache policy, 1 local bucket\n`);
});

test('a broken template prints one line per issue, then the count, and exits 1', async () => {
  const out = capture();
  const file = example('broken/template.yaml');
  const code = await runValidate([file], { out: out.stream, err: capture().stream });
  assert.equal(code, 1);
  const lines = out.text().trim().split('\n');
  assert.equal(lines.length, 13);
  assert.ok(lines.slice(0, 12).every((l) => l.startsWith(`✘ ${file}:`)));
  assert.equal(lines[12], `12 errors in ${file}`);
});

test('--json prints { ok, issues, notes }', async () => {
  const out = capture();
  const code = await runValidate([example('spa-s3-oac/template.yaml')], { json: true, out: out.stream });
  assert.equal(code, 0);
  const result = JSON.parse(out.text());
  assert.equal(result.ok, true);
  assert.deepEqual(result.issues, []);
  assert.equal(result.notes.length, 1);
  const bad = capture();
  assert.equal(await runValidate([example('broken/template.yaml')], { json: true, out: bad.stream }), 1);
  const parsed = JSON.parse(bad.text());
  assert.equal(parsed.ok, false);
  assert.equal(parsed.issues.length, 12);
  assert.deepEqual(Object.keys(parsed.issues[0]).sort(), ['file', 'fix', 'line', 'message', 'path']);
});

test('--parameter values reach the template', async () => {
  const out = capture();
  const code = await runValidate([example('spa-s3-oac/template.yaml')], {
    parameters: { Environment: 'qa' },
    out: out.stream,
    err: capture().stream,
  });
  assert.equal(code, 1);
  assert.match(out.text(), /--parameter Environment=qa: "qa" is not an allowed value/);
});
