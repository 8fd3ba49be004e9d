/** Byte sizes on the command line: `512MiB`, `20GiB`, `1.5GB`, `100000` (bytes). */
export function parseByteSize(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(B|KB|KiB|MB|MiB|GB|GiB|TB|TiB)?\s*$/i.exec(text);
  if (!m) return undefined;
  const units: Record<string, number> = {
    b: 1,
    kb: 1e3,
    kib: 1024,
    mb: 1e6,
    mib: 1024 ** 2,
    gb: 1e9,
    gib: 1024 ** 3,
    tb: 1e12,
    tib: 1024 ** 4,
  };
  return Math.floor(Number(m[1]) * units[(m[2] ?? 'b').toLowerCase()]);
}
