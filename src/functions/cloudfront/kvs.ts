/**
 * KeyValueStore reads for CloudFront Functions (reference §4.4.1, §5). A running function reads
 * through `KeyValueReader` at call time, so the control plane can swap the data underneath
 * (`KeyValueStore.replace`) and the next read sees it; nothing is copied into the sandbox.
 */
import { KVS_MAX_KEY_BYTES, KVS_MAX_TOTAL_BYTES, KVS_MAX_VALUE_BYTES } from './limits.js';

/** What a function's `cf.kvs()` reads from. Synchronous: an in-memory view of the store. */
export interface KeyValueReader {
  /** The store's id (`cf.kvs(id)` must name it when given); optional. */
  readonly id?: string;
  get(key: string): string | undefined;
  meta?(): { creationDateTime: string; lastUpdatedDateTime: string; keyCount: number };
}

export interface KeyValueIssue {
  /** Index in `data`, when the issue is about one item. */
  index?: number;
  key?: string;
  message: string;
}

/** An import file CloudFront would refuse; `issues` lists every problem found. */
export class KeyValueStoreError extends Error {
  override name = 'KeyValueStoreError';
  constructor(
    readonly code: 'EntitySizeLimitExceeded' | 'InvalidArgument',
    readonly issues: KeyValueIssue[],
  ) {
    super(
      issues
        .map((i) => (i.key === undefined ? i.message : `key ${JSON.stringify(i.key)}: ${i.message}`))
        .join('; '),
    );
  }
}

/**
 * Parses CloudFront's KVS import format `{"data":[{"key":"k","value":"v"}, …]}` (text or parsed
 * JSON), enforcing the key (512 B), value (1 KB) and store (5 MB) limits and unique keys.
 */
export function parseKeyValueStoreImport(input: string | unknown): Map<string, string> {
  let doc: unknown = input;
  if (typeof input === 'string') {
    try {
      doc = JSON.parse(input);
    } catch (error) {
      throw new KeyValueStoreError('InvalidArgument', [{ message: `not JSON: ${(error as Error).message}` }]);
    }
  }
  const data = (doc as { data?: unknown } | null)?.data;
  if (!Array.isArray(data))
    throw new KeyValueStoreError('InvalidArgument', [
      { message: 'expected {"data":[{"key":…,"value":…}, …]}' },
    ]);
  const entries = new Map<string, string>();
  const issues: KeyValueIssue[] = [];
  let total = 0;
  let tooBig = false;
  data.forEach((item: unknown, index) => {
    const { key, value } = (item ?? {}) as { key?: unknown; value?: unknown };
    if (typeof key !== 'string' || key === '') {
      issues.push({ index, message: `data[${index}].key must be a non-empty string` });
      return;
    }
    if (typeof value !== 'string') {
      issues.push({ index, key, message: 'value must be a string' });
      return;
    }
    const keyBytes = Buffer.byteLength(key);
    const valueBytes = Buffer.byteLength(value);
    if (keyBytes > KVS_MAX_KEY_BYTES) {
      issues.push({ index, key, message: `key is ${keyBytes} bytes; the limit is ${KVS_MAX_KEY_BYTES}` });
      tooBig = true;
    }
    if (valueBytes > KVS_MAX_VALUE_BYTES) {
      issues.push({
        index,
        key,
        message: `value is ${valueBytes} bytes; the limit is ${KVS_MAX_VALUE_BYTES}`,
      });
      tooBig = true;
    }
    if (entries.has(key)) issues.push({ index, key, message: 'appears more than once' });
    total += keyBytes + valueBytes;
    entries.set(key, value);
  });
  if (total > KVS_MAX_TOTAL_BYTES) {
    issues.push({
      message: `the store holds ${total} bytes of keys and values; the limit is ${KVS_MAX_TOTAL_BYTES}`,
    });
    tooBig = true;
  }
  if (issues.length > 0)
    throw new KeyValueStoreError(tooBig ? 'EntitySizeLimitExceeded' : 'InvalidArgument', issues);
  return entries;
}

/** An in-memory store a function reads through; `replace` swaps all data at once. */
export class KeyValueStore implements KeyValueReader {
  #entries: ReadonlyMap<string, string>;
  readonly #created: string;
  #updated: string;

  constructor(
    entries: Iterable<[string, string]> = [],
    readonly id?: string,
    private readonly now: () => number = Date.now,
  ) {
    this.#entries = new Map(entries);
    this.#created = new Date(now()).toISOString();
    this.#updated = this.#created;
  }

  /** From an import file's text or parsed JSON (throws KeyValueStoreError). */
  static fromImport(input: string | unknown, id?: string): KeyValueStore {
    return new KeyValueStore(parseKeyValueStoreImport(input), id);
  }

  get(key: string): string | undefined {
    return this.#entries.get(key);
  }
  meta() {
    return {
      creationDateTime: this.#created,
      lastUpdatedDateTime: this.#updated,
      keyCount: this.#entries.size,
    };
  }
  /** Replaces all data at once: each later read sees the new data, none sees a mix. */
  replace(entries: Iterable<[string, string]>): void {
    this.#entries = new Map(entries);
    this.#updated = new Date(this.now()).toISOString();
  }
}
