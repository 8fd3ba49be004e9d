/**
 * Parses a config file (YAML, or JSON, which is YAML) into plain values while keeping the line
 * of every JSON path, so that issues point at the line the user has to edit. CloudFormation's
 * short-form tags (`!Ref`, `!GetAtt`, `!Sub` …) become their long forms (`{ "Fn::Sub": … }`).
 */
import { isAlias, isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import type { Issues, LineIndex, Path } from './issues.js';

/** Short-form tags of the CloudFormation YAML dialect and the key of their long form. */
const SHORT_FORMS: Record<string, string> = {
  '!Ref': 'Ref',
  '!Condition': 'Condition',
  '!GetAtt': 'Fn::GetAtt',
  '!Sub': 'Fn::Sub',
  '!Join': 'Fn::Join',
  '!Select': 'Fn::Select',
  '!Split': 'Fn::Split',
  '!If': 'Fn::If',
  '!Equals': 'Fn::Equals',
  '!And': 'Fn::And',
  '!Or': 'Fn::Or',
  '!Not': 'Fn::Not',
  '!FindInMap': 'Fn::FindInMap',
  '!Base64': 'Fn::Base64',
  '!GetAZs': 'Fn::GetAZs',
  '!ImportValue': 'Fn::ImportValue',
  '!Cidr': 'Fn::Cidr',
  '!Transform': 'Fn::Transform',
  '!ToJsonString': 'Fn::ToJsonString',
  '!Length': 'Fn::Length',
};

export class PathLines implements LineIndex {
  private readonly lines = new Map<string, number>();

  set(path: Path, line: number): void {
    const key = JSON.stringify(path);
    if (!this.lines.has(key)) this.lines.set(key, line);
  }

  /** The line of `path`, or of its nearest ancestor that has one. */
  lineOf(path: readonly (string | number)[]): number | undefined {
    for (let n = path.length; n >= 0; n--) {
      const line = this.lines.get(JSON.stringify(path.slice(0, n)));
      if (line !== undefined) return line;
    }
    return undefined;
  }
}

export interface ParsedSource {
  value: unknown;
  lines: PathLines;
}

export function parseSource(text: string, file: string, issues: Issues): ParsedSource {
  const lineCounter = new LineCounter();
  const lines = new PathLines();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  for (const err of doc.errors) {
    const line = err.linePos?.[0]?.line;
    issues.list.push({ file, path: [], message: `invalid YAML: ${err.message.split('\n')[0]}`, line });
  }
  const lineAt = (node: Node | null | undefined): number | undefined =>
    node?.range ? lineCounter.linePos(node.range[0]).line : undefined;

  const walk = (input: unknown, path: Path): unknown => {
    let node = input as Node | null;
    if (node && isAlias(node)) node = node.resolve(doc) as Node | null;
    if (!node) return null;
    const line = lineAt(node);
    if (line) lines.set(path, line);
    const tag = node.tag;
    const shortForm = tag?.startsWith('!') && !tag.startsWith('!!') ? SHORT_FORMS[tag] : undefined;
    if (tag?.startsWith('!') && !tag.startsWith('!!') && !shortForm) {
      issues.list.push({
        file,
        path,
        message: `unknown YAML tag ${tag}`,
        line,
        fix: 'use a CloudFormation short form such as !Ref, !GetAtt or !Sub',
      });
    }
    const inner = shortForm ? [...path, shortForm] : path;
    if (shortForm && line) lines.set(inner, line);
    let value: unknown;
    if (isScalar(node)) value = node.value;
    else if (isSeq(node)) value = node.items.map((item, i) => walk(item, [...inner, i]));
    else if (isMap(node)) {
      const obj: Record<string, unknown> = {};
      for (const pair of node.items) {
        const keyNode = pair.key as Node | null;
        const key = keyNode && isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
        const keyLine = lineAt(keyNode);
        if (keyLine) lines.set([...inner, key], keyLine);
        obj[key] = walk(pair.value, [...inner, key]);
      }
      value = obj;
    }
    return shortForm ? { [shortForm]: value } : value;
  };
  return { value: walk(doc.contents, []), lines };
}
