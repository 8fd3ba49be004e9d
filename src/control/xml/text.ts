/**
 * Character data in and out of CloudFront's XML. Reading resolves only what XML 1.0 defines
 * without a DTD (the five predefined entities and character references): there is no entity
 * expansion, so no billion-laughs and no XXE. Writing escapes markup and line breaks (as the
 * SDK's own writer does, so `\r` survives a parser's end-of-line handling) and never emits a
 * character XML 1.0 forbids.
 */
import { ApiError } from '../../errors.js';

export const CLOUDFRONT_XMLNS = 'http://cloudfront.amazonaws.com/doc/2020-05-31/';

const PREDEFINED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Char ::= #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF] (XML 1.0 §2.2). */
export function isXmlChar(code: number): boolean {
  return (
    code === 0x9 ||
    code === 0xa ||
    code === 0xd ||
    (code >= 0x20 && code <= 0xd7ff) ||
    (code >= 0xe000 && code <= 0xfffd) ||
    (code >= 0x10000 && code <= 0x10ffff)
  );
}

/** Text as parsed (entities still in place) → the string it stands for. */
export function decodeText(raw: string): string {
  return raw
    .replace(/\r\n?/g, '\n') // XML 1.0 §2.11: literal line ends are read as \n.
    .replace(/&([^;&<]*)(;?)/g, (whole, ref: string, semi: string) => {
      if (!semi)
        throw new ApiError(
          'MalformedXML',
          `"${quote(whole)}" is neither an entity nor a character reference`,
        );
      if (Object.hasOwn(PREDEFINED, ref)) return PREDEFINED[ref];
      const m = /^#(?:x([0-9A-Fa-f]{1,6})|([0-9]{1,7}))$/.exec(ref);
      if (!m)
        throw new ApiError('MalformedXML', `entity &${quote(ref)}; is not defined (DTDs are not accepted)`);
      const code = m[1] === undefined ? Number(m[2]) : Number.parseInt(m[1], 16);
      if (!isXmlChar(code)) throw new ApiError('MalformedXML', `&${ref}; is not a character XML allows`);
      return String.fromCodePoint(code);
    });
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
  '\r': '&#xD;',
  '\n': '&#xA;',
  '\u0085': '&#x85;',
  '\u2028': '&#x2028;',
};

// Markup and line-break characters, the C0 controls XML 1.0 forbids, U+FFFE/U+FFFF, and
// unpaired surrogates (a string can hold them; UTF-8 cannot).
const TO_ESCAPE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters to replace
  /[&<>"'\r\n\u0085\u2028]|[\0-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Element content for any string. Characters XML 1.0 cannot carry at all (not even as a
 * character reference) become U+FFFD, so every client's parser accepts the document.
 */
export function escapeText(value: string): string {
  return value.replace(TO_ESCAPE, (ch) => ESCAPES[ch] ?? '\uFFFD');
}

/** Messages quote the body at most this far: an error never echoes a large body back. */
const MAX_QUOTE = 120;

/** `value`, cut to MAX_QUOTE characters, for an error message. */
export function quote(value: string): string {
  return value.length > MAX_QUOTE ? `${value.slice(0, MAX_QUOTE)}…` : value;
}
