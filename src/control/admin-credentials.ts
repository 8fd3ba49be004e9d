/**
 * Who may call the control API (DESIGN.md "Control plane"): the keys in
 * `EDGEFRONT_ACCESS_KEY_ID` / `EDGEFRONT_SECRET_ACCESS_KEY`, plus any under `Admin.Credentials`
 * in a native config file. With none, requests are not verified, and `serve` refuses to open the
 * admin port on anything but a loopback address.
 */
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { parse } from 'yaml';
import { UsageError } from '../errors.js';

export interface AdminCredential {
  accessKeyId: string;
  secretAccessKey: string;
}

function fromConfigValue(value: unknown, file: string): AdminCredential[] {
  const list = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return list.map((item, i) => {
    const c = item as { AccessKeyId?: unknown; SecretAccessKey?: unknown } | null;
    if (typeof c?.AccessKeyId !== 'string' || typeof c.SecretAccessKey !== 'string') {
      throw new UsageError(
        `${file}: Admin.Credentials[${i}] needs AccessKeyId and SecretAccessKey strings (write "- { AccessKeyId: AKID…, SecretAccessKey: … }")`,
      );
    }
    return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey };
  });
}

/** The environment's key, then each config file's `Admin.Credentials`. */
export async function adminCredentials(
  configFiles: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<AdminCredential[]> {
  const out: AdminCredential[] = [];
  if (env.EDGEFRONT_ACCESS_KEY_ID && env.EDGEFRONT_SECRET_ACCESS_KEY) {
    out.push({ accessKeyId: env.EDGEFRONT_ACCESS_KEY_ID, secretAccessKey: env.EDGEFRONT_SECRET_ACCESS_KEY });
  }
  for (const file of configFiles) {
    let doc: unknown;
    try {
      doc = parse(await readFile(file, 'utf8'), { logLevel: 'silent', customTags: () => [] });
    } catch {
      continue; // the config loader reports unreadable or malformed files with their lines
    }
    const admin = (doc as { Admin?: { Credentials?: unknown } } | null)?.Admin;
    if (admin) out.push(...fromConfigValue(admin.Credentials, file));
  }
  return out;
}

/** 127.0.0.0/8, ::1 and `localhost`: where an unauthenticated admin API is tolerable. */
export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1' || host === '[::1]';
}
