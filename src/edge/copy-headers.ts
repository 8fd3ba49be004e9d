/**
 * A fresh copy of a header record, made with a for-in loop. Deliberately not `{ ...headers }`:
 * on the cache-hit path the spread's clones were pretenured by V8 (allocated straight into old
 * space), which turned every response's headers into Mark-Compact work and cost about 40% of
 * hit throughput; a loop-built object dies young in the nursery (bench/README.md, "Synchronous
 * hit path").
 */
export function copyHeaders<V>(from: Readonly<Record<string, V>>): Record<string, V> {
  return copyInto({}, from);
}

function copyInto<V>(to: Record<string, V>, from: Readonly<Record<string, V>>): Record<string, V> {
  for (const name in from) to[name] = from[name];
  return to;
}

/**
 * The header record of a response served from the cache, which gets the stored headers and then
 * the six a hit adds (Age, Content-Length, Via, X-Cache, X-Amz-Cf-Pop, X-Amz-Cf-Id).
 *
 * Why a class: `{}` holds 4 properties in the object and puts the rest in a separate backing
 * store that is reallocated as it grows (3, 6, 9 slots), so a record of ~12 headers allocated
 * ~250 bytes. Objects made by a constructor start with room for more properties in the object
 * itself (V8's slack tracking sizes them from the first few made): 144 bytes instead of 248 and
 * ~50 ns less per record, measured in isolation (bench/README.md, "Where the tail comes from, and
 * allocation again"). A constructor call, unlike a spread or a literal with properties, has no
 * allocation site for V8 to pretenure (see copyHeaders above).
 *
 * Prototype-wise it is an ordinary object (HitHeaders.prototype has nothing enumerable).
 */
class HitHeaders {}

export function copyHitHeaders<V>(from: Readonly<Record<string, V>>): Record<string, V> {
  return copyInto(new HitHeaders() as Record<string, V>, from);
}
