/**
 * CloudFront's URL-safe base64 (distribution.md §10, signing step 4): MIME base64 with `+` → `-`,
 * `=` → `_` and `/` → `~`, used for `Signature`, `Policy` and their cookies.
 */

const FROM_URL_SAFE: Record<string, string> = { '-': '+', _: '=', '~': '/' };
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * The bytes of a URL-safe base64 value, or undefined when it is not base64 at all. Plain base64
 * (`+`, `/`, `=`) and line breaks are accepted too, as a MIME decoder would.
 */
export function decodeUrlSafeBase64(text: string): Buffer | undefined {
  const standard = text.replace(/[-_~]/g, (c) => FROM_URL_SAFE[c]).replace(/[\r\n\t ]+/g, '');
  // One character more than a multiple of four cannot come from encoding whole bytes.
  if (!BASE64.test(standard) || standard.replace(/=+$/, '').length % 4 === 1) return undefined;
  return Buffer.from(standard, 'base64');
}
