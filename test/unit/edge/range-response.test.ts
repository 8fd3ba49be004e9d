import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import test from 'node:test';
import fc from 'fast-check';
import { sliceStream } from '../../../src/edge/range-response.js';

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

test('sliceStream yields exactly [start, end] whatever the chunking, and reads the source to its end', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.uint8Array({ minLength: 1, maxLength: 2000 }),
      fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 20 }),
      fc.nat(),
      fc.nat(),
      async (bytes, cuts, a, b) => {
        const data = Buffer.from(bytes);
        const start = a % data.length;
        const end = start + (b % (data.length - start));
        const chunks: Buffer[] = [];
        for (let at = 0, i = 0; at < data.length; i++) {
          const size = cuts[i % cuts.length];
          chunks.push(data.subarray(at, at + size));
          at += size;
        }
        const source = Readable.from(chunks, { objectMode: false });
        const out = await collect(sliceStream(source, start, end));
        assert.deepEqual(out, data.subarray(start, end + 1));
        await new Promise((r) => setImmediate(r));
        assert.equal(source.readableEnded, true, 'the rest still streams (into the cache)');
      },
    ),
    { numRuns: 300 },
  );
});

test('sliceStream: a viewer that leaves does not stop the source; a source error before the range ends reaches the viewer', async () => {
  const source = new Readable({ read() {} });
  const out = sliceStream(source, 0, 9);
  source.push(Buffer.from('01234'));
  out.destroy();
  source.push(Buffer.from('56789abcdef'));
  source.push(null);
  await new Promise((r) => source.on('end', r));

  const failing = new Readable({ read() {} });
  const viewer = sliceStream(failing, 0, 99);
  failing.push(Buffer.from('0123'));
  failing.destroy(new Error('origin reset'));
  await assert.rejects(collect(viewer), /origin reset/);
});

test('sliceStream for a response nobody caches stops reading the source once the range is sent', async () => {
  const source = new Readable({ read() {} });
  const out = sliceStream(source, 0, 3, false);
  source.push(Buffer.from('0123456789'));
  assert.deepEqual(await collect(out), Buffer.from('0123'));
  assert.equal(source.destroyed, true, 'no point fetching the rest of an object that is not kept');
});
