import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'node:test';
import { fileURLToPath } from 'node:url';
import { EDGE_ERRORS } from '../../src/errors.js';

const SRC = fileURLToPath(new URL('../../../src/', import.meta.url));

async function sourceText(dir: string): Promise<string> {
  let text = '';
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) text += await sourceText(path);
    else if (entry.name.endsWith('.ts') && entry.name !== 'errors.ts') text += await readFile(path, 'utf8');
  }
  return text;
}

test('every viewer error code in the catalogue is raised somewhere, with a CloudFront status', async () => {
  const src = await sourceText(SRC);
  for (const [code, spec] of Object.entries(EDGE_ERRORS)) {
    assert.ok(src.includes(`'${code}'`), `${code} is in the catalogue but never used`);
    assert.ok([400, 403, 413, 414, 494, 500, 502, 503, 504].includes(spec.status), `${code}: ${spec.status}`);
    assert.ok(spec.reason.length > 0);
  }
});

test("every viewer error reason survives the error page's iso-8859-1 body (no curly quotes turned into control bytes)", () => {
  for (const [code, { reason }] of Object.entries(EDGE_ERRORS)) {
    assert.equal(Buffer.from(reason, 'latin1').toString('latin1'), reason, `${code}: ${reason}`);
  }
});
