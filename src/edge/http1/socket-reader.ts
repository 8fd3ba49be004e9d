/**
 * Reads a viewer's TCP socket into one buffer shared by every connection of the `edgefront`
 * engine, instead of through the socket's Readable side.
 *
 * Why: on the Readable side, node allocates an ArrayBuffer (a malloc'ed backing store) for every
 * read, pushes it through the stream machinery and schedules a nextTick per chunk. At 60k
 * requests/s those ArrayBuffers are what a scavenge spends most of its pause on
 * (`--trace-gc-nvp`: scavenge.sweep_array_buffers 1.35 of 1.86 ms), and that pause was most
 * of the engine's p99 gap to nginx (bench/README.md, "Hit path allocations"). node:http avoids the same cost by
 * reading in C++ (parser.consume); this is the JavaScript way to the same end.
 *
 * How: net.Socket's documented `onread` option (a reusable buffer and a callback) exists only
 * for sockets the caller constructs, not for those a net.Server accepts. It is kept on the
 * socket under symbols every net.Socket carries as own properties, with the handle told by its
 * `useUserBuffer`: exactly what the constructor does with that option. Where this node does not
 * look like that, `attachSharedReader` returns false and the connection reads 'data' events.
 *
 * The chunk handed to `onData` is a view of the shared buffer, valid only during the call: the
 * next read on any connection overwrites it. Whatever is kept past the call must be copied.
 */
import type { Socket } from 'node:net';

/** As node's default read size for a stream (64 KiB): one read takes what one would. */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

/**
 * The view handed out for the last read length: a keep-alive client sends requests of the same
 * length again and again, and a view is only valid during its call anyway, so the same object
 * serves every read of that length (no ~100-byte view per read).
 */
let lastView = READ_BUFFER.subarray(0, 0);

function viewOf(nread: number): Buffer {
  if (lastView.length !== nread) lastView = READ_BUFFER.subarray(0, nread);
  return lastView;
}

interface OnreadSymbols {
  buffer: symbol;
  callback: symbol;
}

/** The symbols net.Socket keeps its `onread` option under; null where this node has none. */
let onreadSymbols: OnreadSymbols | null | undefined;

function findOnreadSymbols(socket: Socket): OnreadSymbols | null {
  let buffer: symbol | undefined;
  let callback: symbol | undefined;
  for (const symbol of Object.getOwnPropertySymbols(socket)) {
    if (symbol.description === 'kBuffer') buffer = symbol;
    else if (symbol.description === 'kBufferCb') callback = symbol;
  }
  return buffer !== undefined && callback !== undefined ? { buffer, callback } : null;
}

interface UserBufferHandle {
  useUserBuffer?: (buffer: Uint8Array) => void;
}

/**
 * Makes `socket` deliver what it reads to `onData` as views of the shared buffer. Returns false,
 * changing nothing, when the socket cannot (an unexpected node, a socket without a TCP handle,
 * one already in use).
 */
export function attachSharedReader(socket: Socket, onData: (chunk: Buffer) => void): boolean {
  if (onreadSymbols === undefined) onreadSymbols = findOnreadSymbols(socket);
  const symbols = onreadSymbols;
  if (symbols === null) return false;
  const target = socket as unknown as Record<symbol, unknown>;
  const handle = (socket as unknown as { _handle?: UserBufferHandle | null })._handle;
  if (
    target[symbols.buffer] !== null ||
    typeof handle?.useUserBuffer !== 'function' ||
    socket.readableLength !== 0 ||
    socket.listenerCount('data') !== 0
  )
    return false;
  target[symbols.buffer] = READ_BUFFER;
  target[symbols.callback] = (nread: number) => {
    onData(viewOf(nread));
  };
  handle.useUserBuffer(READ_BUFFER);
  return true;
}

/** What a released socket's reads go to: none come after 'close', and it holds nothing. */
function ignoreRead(): void {}

/**
 * Points a socket `attachSharedReader` took over at a callback that references nothing, so the
 * closed socket stops reaching the connection (connection.ts, `release`).
 */
export function releaseSharedReader(socket: Socket): void {
  if (onreadSymbols) (socket as unknown as Record<symbol, unknown>)[onreadSymbols.callback] = ignoreRead;
}

/** Whether `buf` is a view of the shared read buffer (and so must be copied to be kept). */
export function isSharedView(buf: Buffer): boolean {
  return buf.buffer === READ_BUFFER.buffer;
}
