/**
 * A fresh copy of a header record, made with a for-in loop. Deliberately not `{ ...headers }`:
 * on the cache-hit path the spread's clones were pretenured by V8 (allocated straight into old
 * space), which turned every response's headers into Mark-Compact work and cost about 40% of
 * hit throughput; a loop-built object dies young in the nursery (bench/README.md, "Synchronous
 * hit path").
 */
export function copyHeaders<V>(from: Readonly<Record<string, V>>): Record<string, V> {
  const to: Record<string, V> = {};
  for (const name in from) to[name] = from[name];
  return to;
}
