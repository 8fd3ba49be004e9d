/**
 * CloudFront Functions limits (reference/cloudfront-functions.md §5) and the engine's own budget
 * units. AWS publishes no absolute compute budget: see README "Compute budget" for how
 * COMPUTE_BUDGET was chosen.
 */

/** Function code, UTF-8 bytes (FunctionSizeLimitExceeded above). */
export const MAX_CODE_BYTES = 10 * 1024;
/** Memory per invocation. Enforced per allocation, not for the whole heap (README "Memory"). */
export const MAX_MEMORY_BYTES = 2 * 1024 * 1024;
/** console.log output per invocation; the rest is dropped. */
export const MAX_LOG_BYTES = 10 * 1024;
/** URI plus query string (§5.2). */
export const MAX_URL_CHARS = 8192;
/**
 * A generated or replaced response body. CloudFront documents none for CFF.
 * Deviation from CloudFront: Lambda@Edge's 40 KB viewer-event limit, as the reference suggests.
 */
export const MAX_BODY_BYTES = 40 * 1024;

/**
 * Budget units per invocation: one per function call, loop iteration, catch or finally entry,
 * plus the costs below for runtime services. Past it the run stops with an execution error.
 */
export const COMPUTE_BUDGET = 20_000;
/** What a call into a runtime service (crypto digest, KVS read, origin helper) costs. */
export const SERVICE_CALL_UNITS = 20;
/** Byte-crunching inside the runtime (hashing, encodings, Buffer): one unit per this many bytes. */
export const BYTES_PER_UNIT = 64;

/** KeyValueStore limits (§5): key and value in UTF-8 bytes, and the whole store. */
export const KVS_MAX_KEY_BYTES = 512;
export const KVS_MAX_VALUE_BYTES = 1024;
export const KVS_MAX_TOTAL_BYTES = 5 * 1024 * 1024;
