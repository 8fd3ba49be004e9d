/**
 * CloudFront's REST-XML bodies (reference/control-api.md §1, §2.2, §2.3) ↔ the shapes the JS
 * SDK uses for operation inputs and outputs, so handlers in control/api read and return what
 * `@aws-sdk/client-cloudfront` sends and expects. Generic over the element tree; the few facts
 * that depend on names live in list-items.ts (item elements) and scalars.ts (typed fields).
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { ApiError } from '../../errors.js';
import { itemElementOf } from './list-items.js';
import {
  ATTRIBUTES_KEY,
  CDATA_KEY,
  checkNamespace,
  MAX_DEPTH,
  type OrderedNode,
  readElement,
  TEXT_KEY,
} from './read-tree.js';
import { writeScalar } from './scalars.js';
import { CLOUDFRONT_XMLNS, escapeText, quote } from './text.js';

export { CLOUDFRONT_XMLNS };

const parser = new XMLParser({
  preserveOrder: true, // keeps repeated item elements apart and in order
  ignoreAttributes: false, // read only to check namespace declarations (read-tree.ts)
  attributeNamePrefix: '',
  parseAttributeValue: false,
  processEntities: false, // text.ts resolves the predefined entities; nothing else is expanded
  htmlEntities: false,
  parseTagValue: false, // scalars.ts types values by field name
  trimValues: false, // `<Comment> a </Comment>` keeps its spaces
  cdataPropName: CDATA_KEY,
  ignoreDeclaration: true,
  ignorePiTags: true,
  maxNestedTags: MAX_DEPTH,
});

const DECLARATION = /<!(DOCTYPE|ENTITY|ELEMENT|ATTLIST|NOTATION)/iy;

/**
 * Whether the document declares a DTD or any of its parts. Outside comments and CDATA, `<!` can
 * only start one of those; one pass in document order, so a body of a million unclosed `<![CDATA[`
 * or `<!--` costs one scan (stripping them with a lazy regex first was quadratic: minutes).
 */
function declaresDtd(text: string): boolean {
  for (let at = text.indexOf('<!'); at >= 0; at = text.indexOf('<!', at)) {
    const close = text.startsWith('<!--', at) ? '-->' : text.startsWith('<![CDATA[', at) ? ']]>' : undefined;
    if (close === undefined) {
      DECLARATION.lastIndex = at;
      if (DECLARATION.test(text)) return true;
      at += 2;
      continue;
    }
    const end = text.indexOf(close, at + 4);
    if (end < 0) return false; // unclosed: not well-formed, which the validator reports
    at = end + close.length;
  }
  return false;
}

// Char ::= #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF] (XML 1.0 §2.2);
// with the u flag a lone surrogate matches too.
const NOT_XML_CHAR = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The body as text: UTF-8 (CloudFront's only encoding), a BOM dropped; bad bytes are MalformedXML. */
function bodyText(body: Buffer | string, root: string): string {
  let text: string;
  try {
    text = typeof body === 'string' ? body : utf8.decode(body);
  } catch {
    throw new ApiError('MalformedXML', `The request body is not valid UTF-8; expected <${root}>.`);
  }
  return text.replace(/^\uFEFF/, '');
}

/**
 * Parses a request body whose root element must be `root`; returns the SDK-shaped object (what the
 * JS SDK's input type for that operation looks like: `{ Quantity: 2, Items: [...] }` lists, numbers
 * as numbers, booleans as booleans, everything else strings).
 */
export function parseXmlBody(body: Buffer | string, root: string): Record<string, unknown> {
  const text = bodyText(body, root);
  if (text.trim() === '') throw new ApiError('MissingBody', `The request body is empty; expected <${root}>.`);
  if (declaresDtd(text))
    throw new ApiError('MalformedXML', `DTDs and entity declarations are not accepted; expected <${root}>.`);
  const bad = NOT_XML_CHAR.exec(text);
  if (bad) {
    const code = (bad[0].codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0');
    throw new ApiError('MalformedXML', `U+${code} is not a character XML allows; expected <${root}>.`);
  }
  const verdict = XMLValidator.validate(text);
  if (verdict !== true)
    throw new ApiError(
      'MalformedXML',
      `The XML you provided was not well-formed (line ${verdict.err.line}: ${quote(verdict.err.msg)}); expected <${root}>.`,
    );
  let nodes: OrderedNode[];
  try {
    nodes = parser.parse(text) as OrderedNode[];
  } catch (err) {
    const deep = /nested/i.test(String(err));
    const why = deep ? `nests deeper than ${MAX_DEPTH} levels` : 'was not well-formed';
    throw new ApiError('MalformedXML', `The XML you provided ${why}; expected <${root}>.`, { cause: err });
  }
  const top = nodes.flatMap((n) => Object.keys(n).filter((k) => k !== TEXT_KEY && k !== ATTRIBUTES_KEY));
  if (top[0] !== root)
    throw new ApiError(
      'MalformedXML',
      `Expected <${root}> as the root element, got <${quote(String(top[0]))}>.`,
    );
  const rootNode = nodes.find((n) => root in n) as OrderedNode;
  checkNamespace(rootNode, root);
  const value = readElement(root, rootNode[root] as OrderedNode[], '', 1);
  if (value === '') return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ApiError('MalformedXML', `<${root}> holds text; expected its fields as child elements.`);
  return value as Record<string, unknown>;
}

/**
 * Serialises an SDK-shaped object as CloudFront's XML: declaration, `<root xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/">`,
 * lists as `<Items>` with each item under its fixed element name, Date values as ISO-8601 with ms, undefined fields omitted, text escaped.
 */
export function toXml(root: string, value: Record<string, unknown>): string {
  checkName(root);
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="${CLOUDFRONT_XMLNS}">${fieldsXml(root, value)}</${root}>`;
}

/** CloudFront's error body (reference §2.3). */
export function errorXml(
  type: 'Sender' | 'Receiver',
  code: string,
  message: string,
  requestId: string,
): string {
  return toXml('ErrorResponse', {
    Error: { Type: type, Code: code, Message: message },
    RequestId: requestId,
  });
}

function fieldsXml(parent: string, fields: Record<string, unknown>): string {
  let out = '';
  for (const [name, value] of Object.entries(fields)) out += elementXml(name, value, parent);
  return out;
}

function elementXml(name: string, value: unknown, parent: string): string {
  if (value === undefined || value === null) return '';
  checkName(name);
  if (Array.isArray(value)) {
    const item = itemElementOf(name, parent);
    if (item === undefined)
      throw new TypeError(`toXml: no item element name for the list <${parent}><${name}>`);
    return `<${name}>${value.map((v) => elementXml(item, v, name)).join('')}</${name}>`;
  }
  if (typeof value === 'object' && !(value instanceof Date) && !(value instanceof Uint8Array))
    return `<${name}>${fieldsXml(name, value as Record<string, unknown>)}</${name}>`;
  return `<${name}>${escapeText(writeScalar(name, value))}</${name}>`;
}

function checkName(name: string): void {
  if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(name))
    throw new TypeError(`toXml: "${name}" is not an element name`);
}
