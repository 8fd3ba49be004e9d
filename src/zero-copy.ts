/**
 * Zero-copy sends of large cached bodies, and direct sends of small responses, through the
 * native addon in native/zero_copy.c (built by `npm ci`/`npm install` with node-gyp; Linux only).
 *
 * A large body the memory tier keeps is allocated in a memfd's pages mapped into a Buffer
 * (`largeBodyBuffer`): every reader sees an ordinary Buffer, and the HTTP/1 engine can hand the
 * pages to the socket with sendfile(2) (`sendZeroCopy`) instead of write(2) copying them into
 * socket buffers. Measured on a 1 MiB hit: bench/README.md, "Zero-copy sends". A response
 * built whole in one Buffer (a small hit) is sent with one send(2) on the socket's descriptor
 * (`writeNow`) instead of through node's write path.
 *
 * Without the addon (no C toolchain at install, another OS, or EDGEFRONT_ZERO_COPY=off, which
 * turns off direct sends too) bodies are ordinary Buffers and every response is written the
 * ordinary way: same bytes, more CPU.
 */
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';

interface ZeroCopyAddon {
  fileBackedBuffer(size: number, maxLive: number): [Buffer, number] | undefined;
  fileBackedFrom(chunks: readonly Buffer[], total: number, maxLive: number): [Buffer, number] | undefined;
  sendHeadAndFile(
    socketFd: number,
    head: Buffer,
    fileFd: number,
    offset: number,
    length: number,
    unsentLimit: number,
  ): number;
  sendBuffer(socketFd: number, buffer: Buffer): number;
  unsentLimit(socketFd: number): number;
  liveFileBackedBuffers(): number;
  seal(body: Buffer): boolean;
  pageSize(): number;
}

/** Bodies from this size on are file-backed and sent with sendfile; smaller ones are copied. */
export const ZERO_COPY_MIN_BYTES = 64 * 1024;
/**
 * TCP_NOTSENT_LOWAT of a socket that sends a file-backed body: the bytes the kernel may hold
 * queued but not yet sent. With no limit, 64 viewers reading 1 MiB hits slowly (wrk on
 * loopback) set off thousands of spurious tail-loss probes and zero-window stalls per 5 s,
 * and edgefront served 0.4–0.8× Varnish with its own core half idle; at 32 KiB to 256 KiB it
 * served 1.03–1.16× (bench/README.md, "Unsent bytes in the kernel").
 */
export const UNSENT_LIMIT_BYTES = 128 * 1024;
/**
 * File-backed bodies alive at once; each holds a descriptor and a mapping (the kernel's
 * default limit is 65,530 mappings per process), so past this they are ordinary Buffers. The
 * addon also keeps them to a quarter of the process's descriptor limit.
 */
const MAX_FILE_BACKED = 8192;

const ADDON_PATH = new URL('../../build/Release/zero_copy.node', import.meta.url);

const { addon, reason } = loadAddon();

function loadAddon(): { addon: ZeroCopyAddon | null; reason: string } {
  if (process.env.EDGEFRONT_ZERO_COPY === 'off') return { addon: null, reason: 'EDGEFRONT_ZERO_COPY=off' };
  if (process.platform !== 'linux') return { addon: null, reason: `not available on ${process.platform}` };
  try {
    const loaded = createRequire(import.meta.url)(fileURLToPath(ADDON_PATH)) as ZeroCopyAddon;
    return { addon: loaded, reason: 'sendfile from memfd-backed bodies' };
  } catch (err) {
    return { addon: null, reason: `addon not built (${(err as Error).message.split('\n')[0]})` };
  }
}

/** The descriptor of each file-backed body's memory; views of it find it through their ArrayBuffer. */
const fileOf = new WeakMap<ArrayBufferLike, number>();
/** Sockets whose TCP_NOTSENT_LOWAT sendZeroCopy has set. */
const unsentLimited = new WeakSet<Socket>();

/** Body bytes the kernel took straight from file-backed pages, since the process started. */
let zeroCopyBytes = 0;
/** Response bytes `writeNow` sent straight to a socket's descriptor, since the process started. */
let directBytes = 0;

/** True when large bodies can be file-backed and sent without a copy. */
export const zeroCopyEnabled = addon !== null;

/**
 * The size a file-backed body's memory is rounded up to (its last page is whole); 1 when bodies
 * are ordinary Buffers.
 */
export const fileBackedPageBytes = addon?.pageSize() ?? 1;

/**
 * Whether large bodies are sent without copying (and why not), how many file-backed bodies are
 * alive (cached, or dropped and not yet collected), the body bytes sent from them, and the
 * bytes of other responses sent straight to the socket (`writeNow`).
 */
export function zeroCopyStatus(): {
  enabled: boolean;
  reason: string;
  fileBackedBodies: number;
  sentBytes: number;
  directBytes: number;
} {
  return {
    enabled: addon !== null,
    reason,
    fileBackedBodies: addon?.liveFileBackedBuffers() ?? 0,
    sentBytes: zeroCopyBytes,
    directBytes,
  };
}

/**
 * An uninitialised Buffer of `size` bytes that owns its memory: file-backed when `size` is at
 * least ZERO_COPY_MIN_BYTES and the addon is loaded, an ordinary one otherwise.
 */
export function largeBodyBuffer(size: number): Buffer {
  if (addon !== null && size >= ZERO_COPY_MIN_BYTES) {
    const made = addon.fileBackedBuffer(size, MAX_FILE_BACKED);
    if (made !== undefined) {
      fileOf.set(made[0].buffer, made[1]);
      return made[0];
    }
  }
  return Buffer.allocUnsafeSlow(size);
}

/**
 * Makes a filled file-backed body read-only: it is sent from its pages, so a later write would
 * change bytes in flight; with this it faults instead. Does nothing to other Buffers.
 */
export function sealBody(body: Buffer): void {
  if (
    addon !== null &&
    body.byteOffset === 0 &&
    body.byteLength === body.buffer.byteLength &&
    isFileBacked(body)
  )
    addon.seal(body);
}

/** True when `body` is (a view of) a file-backed body. */
export function isFileBacked(body: Buffer): boolean {
  return fileOf.has(body.buffer);
}

/**
 * Sends `head` and then `body` on a plain TCP socket with nothing queued, for as long as the
 * kernel takes them without blocking, and returns the bytes sent (head first); the caller writes
 * the rest the ordinary way. Returns 0 without sending when `body` is not file-backed or the
 * socket is not one this can write to directly (TLS, or writes still queued in node).
 */
export function sendZeroCopy(socket: Socket, head: Buffer, body: Buffer): number {
  if (addon === null) return 0;
  const file = fileOf.get(body.buffer);
  if (file === undefined) return 0;
  const fd = directFd(socket);
  if (fd < 0) return 0;
  // The option is set once per socket: it stays, and each setsockopt takes the socket's lock.
  const limit = unsentLimited.has(socket) ? 0 : UNSENT_LIMIT_BYTES;
  if (limit !== 0) unsentLimited.add(socket);
  const sent = addon.sendHeadAndFile(fd, head, file, body.byteOffset, body.byteLength, limit);
  if (sent > head.length) zeroCopyBytes += sent - head.length;
  return sent;
}

/**
 * The socket's descriptor when bytes sent on it now go out in order (-1 otherwise): a plain TCP
 * socket, writable, with nothing queued in node (or these bytes would overtake it) and not
 * corked. A TLS socket's descriptor carries ciphertext, not these bytes.
 */
function directFd(socket: Socket): number {
  if (
    !socket.writable ||
    socket.writableLength !== 0 ||
    socket.writableCorked !== 0 ||
    (socket as { encrypted?: boolean }).encrypted
  )
    return -1;
  return handleFd(socket);
}

/** The descriptor under node's handle of the socket, or -1 (none, or already closed). */
function handleFd(socket: Socket): number {
  const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : -1;
}

/**
 * The socket's own TCP_NOTSENT_LOWAT in bytes: UNSENT_LIMIT_BYTES once a file-backed body went
 * out on it, 0 while the system's default applies; -1 without the addon or a descriptor.
 */
export function unsentLimitOf(socket: Socket): number {
  const fd = handleFd(socket);
  return addon === null || fd < 0 ? -1 : addon.unsentLimit(fd);
}

/**
 * Writes `out` to the socket and returns the bytes that went straight to its descriptor: one
 * send(2) with no write request and no stream bookkeeping, when nothing is queued in node (a
 * keep-alive hit's usual case). Whatever the kernel did not take goes through node's queue,
 * which also reports any socket error. Without the addon, or on a socket `directFd` refuses,
 * the ordinary write (returns 0).
 *
 * Why: node's write path allocated ~215 bytes per response (its write request and Writable
 * state) and a small response is written whole at once anyway (bench/README.md, "Direct sends
 * and a smaller Exchange").
 *
 * Node's `writableLength` counts writes still in flight in libuv, and `writable` is false once
 * the socket is ending, destroyed or errored, so nothing node holds is overtaken. (The HTTP/1
 * engine keeps a viewer's half-closed socket writable on purpose: it still answers what the
 * viewer sent before its FIN.)
 */
export function writeNow(socket: Socket, out: Buffer): number {
  if (addon === null) {
    socket.write(out);
    return 0;
  }
  const fd = directFd(socket);
  const sent = fd < 0 ? 0 : addon.sendBuffer(fd, out);
  directBytes += sent;
  if (sent < out.length) socket.write(sent === 0 ? out : out.subarray(sent));
  return sent;
}

/**
 * Writes `head` and then `body` to the socket: a file-backed body's pages without a copy,
 * everything else through node's queue. Returns undefined when all of it is with the kernel or
 * node, or a promise while the rest of a file-backed body goes out as the socket drains
 * (`sendRestAsDrained`, which calls `onProgress` each time it did); until it settles the caller
 * writes nothing else on the socket.
 */
export function writeHeadAndBody(
  socket: Socket,
  head: Buffer,
  body: Buffer,
  onProgress?: () => void,
): Promise<void> | undefined {
  const sent = body.length >= ZERO_COPY_MIN_BYTES ? sendZeroCopy(socket, head, body) : 0;
  if (sent === 0 || sent < head.length) {
    socket.cork();
    socket.write(sent === 0 ? head : head.subarray(sent));
    socket.write(body);
    socket.uncork();
    return undefined;
  }
  const bodySent = sent - head.length;
  return bodySent < body.length ? sendRestAsDrained(socket, body, bodySent, onProgress) : undefined;
}

const NO_HEAD = Buffer.alloc(0);
/**
 * The cue's bytes end at a multiple of this: 4 KiB whatever the page size, so the cue stays a
 * small share of what sendfile sends per drain (the kernel reports room once less than half of
 * UNSENT_LIMIT_BYTES is unsent, so ~64 KiB or more).
 */
const CUE_ALIGN_BYTES = 4096;

/**
 * Sends a file-backed body from `offset` on with sendfile as the socket drains, after the kernel
 * refused more. Node tells us nothing about a socket it has no write queued on, so each time the
 * kernel stops taking pages (it keeps at most UNSENT_LIMIT_BYTES unsent), the bytes up to the
 * next 4 KiB boundary go through node's queue: node writes them when the socket drains, and its
 * callback is the cue to go on. About one 4 KiB in 16 or more is copied; without this, all of the
 * rest was.
 */
function sendRestAsDrained(
  socket: Socket,
  body: Buffer,
  offset: number,
  onProgress?: () => void,
): Promise<void> {
  const file = fileOf.get(body.buffer)!;
  return new Promise((resolve) => {
    let settled = false;
    const settle = () => {
      if (settled) return;
      settled = true;
      socket.off('close', settle);
      resolve();
    };
    const cue = () => {
      const upTo = Math.min(
        body.length,
        offset + CUE_ALIGN_BYTES - ((body.byteOffset + offset) % CUE_ALIGN_BYTES),
      );
      const piece = body.subarray(offset, upTo);
      offset = upTo;
      socket.write(piece, offset < body.length ? step : settle);
    };
    const step = (err?: Error | null) => {
      if (err || socket.destroyed) return settle();
      onProgress?.(); // the socket drained: the viewer is reading
      if (!socket.writable) {
        socket.destroy(); // ended under the body: the viewer cannot get it whole
        return settle();
      }
      const fd = directFd(socket);
      if (fd < 0 || addon === null) {
        socket.write(body.subarray(offset));
        return settle();
      }
      // 0: sendZeroCopy set the socket's unsent limit already.
      const sent = addon.sendHeadAndFile(
        fd,
        NO_HEAD,
        file,
        body.byteOffset + offset,
        body.length - offset,
        0,
      );
      zeroCopyBytes += sent;
      offset += sent;
      if (offset >= body.length) return settle();
      cue();
    };
    socket.on('close', settle);
    cue();
  });
}

/**
 * `chunks` joined into one Buffer of `total` bytes (Buffer.concat's contract): file-backed and
 * already read-only when it is large and the addon can make one, an ordinary Buffer otherwise.
 */
export function concatBody(chunks: readonly Buffer[], total: number): Buffer {
  if (addon !== null && total >= ZERO_COPY_MIN_BYTES) {
    const made = addon.fileBackedFrom(chunks, total, MAX_FILE_BACKED);
    if (made !== undefined) {
      fileOf.set(made[0].buffer, made[1]);
      return made[0];
    }
  }
  return Buffer.concat(chunks, total);
}
