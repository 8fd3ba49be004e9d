/**
 * Summarize a V8 .cpuprofile (node --cpu-prof): top functions by self time, by inclusive
 * ("total") time, and self time grouped by source file / package.
 *
 *   node dist/bench/cpuprofile-top.js bench/results/profile-.../edgefront.cpuprofile [N]
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

function shortUrl(url: string): string {
  if (!url) return '';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm !== -1) return url.slice(nm + 14);
  const dist = url.indexOf('/dist/');
  if (dist !== -1) return url.slice(dist + 6);
  return url.replace(/^file:\/\//, '');
}

function group(url: string, name: string): string {
  if (!url) return name.startsWith('(') ? name : '(native/builtin)';
  if (url.startsWith('node:')) {
    const m = /^node:(?:internal\/)?([^/]+(?:\/[^/]+)?)/.exec(url);
    return `node:${m ? m[1] : url}`;
  }
  const nm = url.lastIndexOf('/node_modules/');
  if (nm !== -1) {
    const rest = url.slice(nm + 14).split('/');
    const pkg = rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
    const sub = rest.slice(pkg.includes('/') ? 2 : 1, -1).join('/');
    return `${pkg}${sub ? `/${sub}` : ''}`;
  }
  return shortUrl(url);
}

export function summarizeProfile(p: CpuProfile, top = 30): string {
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const n of p.nodes) byId.set(n.id, n);
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const key = (n: ProfileNode) =>
    `${n.callFrame.functionName || '(anonymous)'}  ${shortUrl(n.callFrame.url)}${n.callFrame.url ? `:${n.callFrame.lineNumber + 1}` : ''}`;

  const self = new Map<string, number>();
  const total = new Map<string, number>();
  const files = new Map<string, number>();
  let all = 0;
  let idle = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const dt = p.timeDeltas[i] ?? 0;
    const node = byId.get(p.samples[i]);
    if (!node) continue;
    all += dt;
    if (node.callFrame.functionName === '(idle)') {
      idle += dt;
      continue;
    }
    const k = key(node);
    self.set(k, (self.get(k) ?? 0) + dt);
    const g = group(node.callFrame.url, node.callFrame.functionName);
    files.set(g, (files.get(g) ?? 0) + dt);
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const n = byId.get(id)!;
      if (n.callFrame.functionName === '(root)') break;
      const kk = key(n);
      if (seen.has(kk)) continue;
      seen.add(kk);
      total.set(kk, (total.get(kk) ?? 0) + dt);
    }
  }
  const busy = all - idle;
  const pct = (v: number) => `${((v / busy) * 100).toFixed(1).padStart(5)}%`;
  const list = (m: Map<string, number>, n: number) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, v]) => `  ${pct(v)}  ${(v / 1000).toFixed(0).padStart(6)} ms  ${k}`)
      .join('\n');
  return [
    `profile: ${(all / 1e6).toFixed(2)} s sampled, ${(busy / 1e6).toFixed(2)} s busy (${((busy / all) * 100).toFixed(0)}%), ${p.samples.length} samples; percentages are of busy time`,
    '',
    'self time by function:',
    list(self, top),
    '',
    'self time by file / package:',
    list(files, top),
    '',
    'total (inclusive) time by function:',
    list(total, top),
  ].join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [file, n] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: node dist/bench/cpuprofile-top.js FILE.cpuprofile [N]\n');
    process.exit(1);
  }
  process.stdout.write(`${summarizeProfile(JSON.parse(readFileSync(file, 'utf8')), Number(n ?? 30))}\n`);
}
