/**
 * fast-xml-parser's ordered element tree → the SDK's shape, generically: an element with child
 * elements is an object, `<Items>` and the model's bare lists are arrays (one child or none
 * included), a leaf is typed by its name (scalars.ts). `Quantity` must count `Items`
 * (reference/control-api.md §1 "Lists").
 */
import { ApiError } from '../../errors.js';
import { isListElement } from './list-items.js';
import { isTypedScalar, readScalar } from './scalars.js';
import { CLOUDFRONT_XMLNS, decodeText, quote } from './text.js';

/** One entry of fast-xml-parser's `preserveOrder` output: `{ Tag: [children] }` or `{ '#text': '…' }`. */
export type OrderedNode = Record<string, unknown>;

export const TEXT_KEY = '#text';
export const CDATA_KEY = '#cdata';
/** Where the parser keeps an element's attributes (names without prefix). */
export const ATTRIBUTES_KEY = ':@';

/**
 * An element may restate CloudFront's namespace (or leave it out: edgefront accepts bare
 * documents), but one in another namespace is not CloudFront's element at all, as an XML
 * Schema-validating server sees it: `doc/2019-03-26/` from an old client, or a prefix.
 */
export function checkNamespace(node: OrderedNode, name: string): void {
  const attributes = node[ATTRIBUTES_KEY] as Record<string, unknown> | undefined;
  const xmlns = attributes?.xmlns;
  if (name.includes(':') || (xmlns !== undefined && xmlns !== CLOUDFRONT_XMLNS))
    throw new ApiError(
      'MalformedXML',
      `<${quote(name)}> is not in CloudFront's namespace ${CLOUDFRONT_XMLNS} (xmlns="${quote(String(xmlns ?? ''))}")`,
    );
}

/** Documents nest about 12 deep (a distribution's cookie names); this leaves ample room. */
export const MAX_DEPTH = 64;

interface Content {
  elements: [name: string, children: OrderedNode[]][];
  text: string;
  /** Only literal whitespace with a line break: indentation, not a value. */
  isFormatting: boolean;
}

function contentOf(nodes: OrderedNode[]): Content {
  const elements: Content['elements'] = [];
  let text = '';
  let literal = '';
  let hasCdata = false;
  for (const node of nodes) {
    for (const [key, value] of Object.entries(node)) {
      if (key === ATTRIBUTES_KEY) continue; // attributes carry no data here
      if (key === TEXT_KEY) {
        literal += String(value);
        text += decodeText(String(value));
      } else if (key === CDATA_KEY) {
        hasCdata = true; // character data verbatim: no entities inside
        for (const part of value as OrderedNode[]) text += String(part[TEXT_KEY] ?? '');
      } else {
        checkNamespace(node, key);
        elements.push([key, value as OrderedNode[]]);
      }
    }
  }
  return { elements, text, isFormatting: !hasCdata && /^\s*$/.test(literal) && literal.includes('\n') };
}

const join = (path: string, name: string) => (path ? `${path}.${name}` : name);

/** The SDK-shaped value of `<name>children</name>`; `path` is where it sits, for messages. */
export function readElement(name: string, nodes: OrderedNode[], path: string, depth: number): unknown {
  if (depth > MAX_DEPTH)
    throw new ApiError('MalformedXML', `The XML you provided nests deeper than ${MAX_DEPTH} levels.`);
  const { elements, text, isFormatting } = contentOf(nodes);
  if (isListElement(name)) {
    if (text.trim() !== '')
      throw new ApiError('MalformedXML', `${path || name}: <${name}> holds text, not items`);
    return elements.map(([child, grandchildren], i) =>
      readElement(child, grandchildren, `${path || name}[${i}]`, depth + 1),
    );
  }
  if (elements.length === 0) return readScalar(name, isFormatting ? '' : text, path || name);
  if (isTypedScalar(name))
    throw new ApiError('InvalidArgument', `${path || name}: expected a value, got child elements`);
  if (text.trim() !== '')
    throw new ApiError('MalformedXML', `${path || name}: text "${quote(text.trim())}" beside child elements`);
  const out: Record<string, unknown> = {};
  for (const [child, grandchildren] of elements) {
    const at = join(path, child);
    if (child === '__proto__') throw new ApiError('MalformedXML', `${at}: unexpected element <${child}>`);
    if (Object.hasOwn(out, child))
      throw new ApiError('MalformedXML', `${at}: <${child}> appears more than once in <${name}>`);
    out[child] = readElement(child, grandchildren, at, depth + 1);
  }
  checkQuantity(out, path || name);
  return out;
}

/** `Quantity` ≠ number of `Items` → InconsistentQuantities, as CloudFront answers it. */
function checkQuantity(list: Record<string, unknown>, where: string): void {
  if (typeof list.Quantity !== 'number') return;
  const count = Array.isArray(list.Items) ? list.Items.length : 0;
  if (list.Quantity !== count)
    throw new ApiError(
      'InconsistentQuantities',
      `${where}: Quantity ${list.Quantity} but ${count} item${count === 1 ? '' : 's'}`,
    );
}
