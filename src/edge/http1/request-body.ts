/**
 * A request body framed by Content-Length or chunked transfer coding (RFC 9112 §6, §7.1),
 * decoded from the connection's bytes into a Readable. Backpressure: when the Readable's buffer
 * is full the connection pauses its socket, and resumes it when the lifecycle reads again.
 */
import { Readable } from 'node:stream';
import { ParseFailure } from './parse-head.js';

enum State {
  Size,
  Data,
  DataEnd,
  Trailer,
  Done,
}

/** A chunk-size line or trailer line longer than this is refused (llhttp has similar limits). */
const MAX_LINE = 4096;

/**
 * `1a`, `001a;name=value`, `1a ;ext`: a size in hex that fits 64 bits (as llhttp: any number of
 * leading zeros, at most 16 digits after them), then optionally chunk extensions after `;`,
 * which are read and dropped; as llhttp, no control character but HTAB in them.
 */
const CHUNK_SIZE_LINE = /^0*([0-9a-fA-F]{1,16})(?:[ \t]*;[\t\x20-\x7e\x80-\xff]*)?$/;

/** A trailer line is a field line, as in the head: a token, a colon, a value without controls. */
const TRAILER_FIELD = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+:[\t\x20-\x7e\x80-\xff]*$/;

function chunkSizeOf(line: string): number | undefined {
  const match = CHUNK_SIZE_LINE.exec(line);
  return match ? Number.parseInt(match[1], 16) : undefined;
}

export class RequestBody {
  readonly stream: Readable;
  private state: State;
  private remaining: number;
  private line = '';
  /** Pushing failed: the socket is paused until the stream asks for more. */
  paused = false;

  constructor(
    length: number,
    private readonly chunked: boolean,
    onRead: () => void,
    /** The bytes fed are only lent (socket-reader.ts): push copies of them. */
    private readonly copyData = false,
  ) {
    this.stream = new Readable({ read: onRead });
    this.remaining = chunked ? 0 : length;
    this.state = chunked ? State.Size : length === 0 ? State.Done : State.Data;
    if (this.state === State.Done) this.stream.push(null);
  }

  get done(): boolean {
    return this.state === State.Done;
  }

  /**
   * Consumes body bytes from `buf` starting at `start`; returns the offset just past the body
   * (the next request's first byte) or `buf.length` when the body continues in later data.
   * Throws ParseFailure on a malformed chunked framing.
   */
  feed(buf: Buffer, start: number): number {
    let pos = start;
    while (pos < buf.length && this.state !== State.Done) {
      switch (this.state) {
        case State.Data: {
          const take = Math.min(this.remaining, buf.length - pos);
          const data = buf.subarray(pos, pos + take);
          this.push(this.copyData ? Buffer.from(data) : data);
          pos += take;
          this.remaining -= take;
          if (this.remaining === 0) {
            if (this.chunked) this.state = State.DataEnd;
            else this.finish();
          }
          break;
        }
        case State.DataEnd:
        case State.Size:
        case State.Trailer: {
          const lf = buf.indexOf(10, pos);
          const end = lf === -1 ? buf.length : lf + 1;
          this.line += buf.toString('latin1', pos, end);
          pos = end;
          if (this.line.length > MAX_LINE) throw new ParseFailure(400, 'chunk line too long');
          if (lf !== -1) this.onLine(this.line);
          break;
        }
      }
    }
    return pos;
  }

  private onLine(raw: string): void {
    this.line = '';
    if (!raw.endsWith('\r\n')) throw new ParseFailure(400, 'bare LF in chunked body');
    const line = raw.slice(0, -2);
    if (this.state === State.DataEnd) {
      if (line !== '') throw new ParseFailure(400, 'chunk data longer than its size');
      this.state = State.Size;
    } else if (this.state === State.Size) {
      const size = chunkSizeOf(line);
      if (size === undefined) throw new ParseFailure(400, 'invalid chunk size');
      if (size === 0) this.state = State.Trailer;
      else {
        this.remaining = size;
        this.state = State.Data;
      }
    } else if (line === '') {
      this.finish(); // trailer fields are read and dropped, as CloudFront does not forward them
    } else if (!TRAILER_FIELD.test(line)) {
      throw new ParseFailure(400, 'invalid trailer field');
    }
  }

  private push(chunk: Buffer): void {
    if (!this.stream.push(chunk)) this.paused = true;
  }

  private finish(): void {
    this.state = State.Done;
    // Nothing more to push: the socket must not wait for the stream to ask for more, which it
    // never does once the body's end is pushed (the connection would never read again).
    this.paused = false;
    this.stream.push(null);
  }

  /**
   * The viewer left, or stalled past the body timeout, before the body was complete (as
   * node:http's IncomingMessage, `aborted` / ECONNRESET either way). The stream never ends:
   * its reader (the origin request's body iterator) gets this error or a premature close, so
   * a truncated body is never forwarded as a complete one.
   */
  abort(): void {
    if (this.state === State.Done) return;
    // As node:http's IncomingMessage: the error is only emitted to a stream someone listens to.
    const stream = this.stream;
    if (stream.listenerCount('error') === 0) stream.destroy();
    else stream.destroy(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
  }
}
