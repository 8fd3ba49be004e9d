/**
 * Deep freeze for the model (STYLE.md §1: validated once, frozen). `Object.freeze` does not stop
 * `Map#set` or `Set#add`, so those methods are shadowed on each instance by ones that throw.
 */
function refuse(): never {
  throw new TypeError('the edge model is read-only');
}

export function deepFreeze<T>(value: T, seen = new WeakSet<object>()): T {
  if (typeof value !== 'object' || value === null || seen.has(value)) return value;
  seen.add(value);
  if (value instanceof Map) {
    for (const [k, v] of value) {
      deepFreeze(k, seen);
      deepFreeze(v, seen);
    }
    for (const m of ['set', 'delete', 'clear']) Object.defineProperty(value, m, { value: refuse });
  } else if (value instanceof Set) {
    for (const v of value) deepFreeze(v, seen);
    for (const m of ['add', 'delete', 'clear']) Object.defineProperty(value, m, { value: refuse });
  } else {
    for (const v of Object.values(value)) deepFreeze(v, seen);
  }
  return Object.freeze(value);
}
