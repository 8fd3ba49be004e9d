/**
 * The development certificate for `--https-port` when none is configured: `localhost` and
 * `*.localhost` (so `<id>.edgefront.localhost` names validate), plus 127.0.0.1 and ::1.
 * Generated once into the state dir and reused, so a browser exception survives restarts.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generate } from 'selfsigned';

export interface KeyPair {
  key: string;
  cert: string;
}

export async function devCertificate(stateDir: string): Promise<KeyPair> {
  const keyFile = join(stateDir, 'tls', 'localhost-key.pem');
  const certFile = join(stateDir, 'tls', 'localhost-cert.pem');
  try {
    return { key: await readFile(keyFile, 'utf8'), cert: await readFile(certFile, 'utf8') };
  } catch {
    // not generated yet
  }
  const notBeforeDate = new Date();
  const notAfterDate = new Date(notBeforeDate.getTime() + 825 * 86_400_000); // browsers' maximum
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
    keySize: 2048,
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 2, value: '*.localhost' },
          { type: 2, value: '*.edgefront.localhost' },
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  });
  await mkdir(join(stateDir, 'tls'), { recursive: true });
  await writeAtomically(keyFile, pems.private);
  await writeAtomically(certFile, pems.cert);
  return { key: pems.private, cert: pems.cert };
}

async function writeAtomically(file: string, text: string): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, text, { mode: 0o600 });
  await rename(tmp, file);
}
