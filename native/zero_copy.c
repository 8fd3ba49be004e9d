/*
 * Zero-copy sends for large cached bodies, and direct sends of small responses (Linux only;
 * src/zero-copy.ts is the JS side).
 *
 * A body kept in a memfd's pages and mapped into a Buffer is an ordinary Buffer to every
 * reader, and the socket can be handed its pages with sendfile(2) instead of having the kernel
 * copy them into socket buffers as write(2) does. On loopback that halved the sender's CPU per
 * byte and made the receiver's copy cheaper too (bench/README.md, "Zero-copy sends").
 *
 * Cached bodies are never written after they are filled (`seal` makes their mapping read-only,
 * so a stray write crashes instead of changing pages in flight); and an skb holds its own page
 * references, so closing and unmapping a body while the kernel still sends from it is safe.
 *
 * A small response is sent with one non-blocking send(2) (`sendBuffer`) rather than through
 * node's write path, whose write request and stream bookkeeping cost more than the send.
 */
#define _GNU_SOURCE
#define NAPI_VERSION 8
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <node_api.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

/* Live file-backed bodies: each holds one fd and one mapping, so their number is capped. */
static atomic_long live_bodies;

/* Largest body: Node's Buffer limit on 64-bit (buffer.constants.MAX_LENGTH in Node 20). */
#define MAX_BODY_BYTES 0xffffffffLL

/* At most a quarter of the process's descriptors go to bodies: sockets and files need the rest. */
static long descriptor_share(void) {
  struct rlimit limit;
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return 1L << 20;
  return (long)(limit.rlim_cur / 4);
}

typedef struct {
  int fd;
  size_t mapped;
} body_file;

static void release_body(napi_env env, void *data, void *hint) {
  (void)env;
  body_file *file = hint;
  munmap(data, file->mapped);
  close(file->fd);
  free(file);
  atomic_fetch_sub(&live_bodies, 1);
}

/*
 * A fresh memfd of `size` bytes (rounded up to whole pages in *mapped), counted as live; -1
 * when `max_live` bodies (or a quarter of the descriptor limit) are alive or the kernel refuses.
 */
static int open_body(int64_t size, int64_t max_live, size_t *mapped) {
  if (size <= 0 || size > MAX_BODY_BYTES) return -1;
  long share = descriptor_share();
  if (share < max_live) max_live = share;
  if (atomic_fetch_add(&live_bodies, 1) >= max_live) {
    atomic_fetch_sub(&live_bodies, 1);
    return -1;
  }
  long page = sysconf(_SC_PAGESIZE);
  *mapped = ((size_t)size + page - 1) / page * page;
  int fd = memfd_create("edgefront-body", MFD_CLOEXEC);
  if (fd >= 0 && ftruncate(fd, (off_t)*mapped) == 0) return fd;
  if (fd >= 0) close(fd);
  atomic_fetch_sub(&live_bodies, 1);
  return -1;
}

/*
 * Maps the body open_body made and wraps it as [Buffer, fd]; on failure everything is given back
 * and the result is undefined (the caller then uses an ordinary Buffer).
 */
static napi_value map_body(napi_env env, int fd, size_t mapped, int64_t size, int prot, int flags) {
  napi_value undefined;
  napi_get_undefined(env, &undefined);
  void *data = mmap(NULL, mapped, prot, MAP_SHARED | flags, fd, 0);
  body_file *file = data == MAP_FAILED ? NULL : malloc(sizeof *file);
  if (file == NULL) {
    if (data != MAP_FAILED) munmap(data, mapped);
    close(fd);
    atomic_fetch_sub(&live_bodies, 1);
    return undefined;
  }
  file->fd = fd;
  file->mapped = mapped;
  napi_value buffer, fd_value, pair;
  if (napi_create_external_buffer(env, (size_t)size, data, release_body, file, &buffer) != napi_ok) {
    /* Node may already have run the finalizer: leaking here is safe, releasing twice is not. */
    bool pending = false;
    napi_value ignored;
    if (napi_is_exception_pending(env, &pending) == napi_ok && pending)
      napi_get_and_clear_last_exception(env, &ignored);
    return undefined;
  }
  napi_create_int32(env, fd, &fd_value);
  napi_create_array_with_length(env, 2, &pair);
  napi_set_element(env, pair, 0, buffer);
  napi_set_element(env, pair, 1, fd_value);
  return pair;
}

/*
 * fileBackedBuffer(size, maxLive) -> [Buffer, fd] | undefined
 * A writable Buffer of `size` bytes over a fresh memfd's pages, or undefined when `maxLive`
 * bodies are already alive or the kernel refuses. `seal` it once it is filled.
 */
static napi_value file_backed_buffer(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int64_t size = 0, max_live = 0;
  if (argc < 2 || napi_get_value_int64(env, argv[0], &size) != napi_ok ||
      napi_get_value_int64(env, argv[1], &max_live) != napi_ok || size <= 0) {
    napi_throw_type_error(env, NULL, "fileBackedBuffer(size > 0, maxLive)");
    return NULL;
  }
  size_t mapped = 0;
  int fd = open_body(size, max_live, &mapped);
  if (fd < 0) {
    napi_value undefined;
    napi_get_undefined(env, &undefined);
    return undefined;
  }
  return map_body(env, fd, mapped, size, PROT_READ | PROT_WRITE, 0);
}

/*
 * fileBackedFrom(chunks, total, maxLive) -> [Buffer, fd] | undefined
 * The first `total` bytes of `chunks` (zeros past their end) in a fresh memfd, mapped read-only.
 * Written with pwrite and mapped with MAP_POPULATE: about half the time of faulting each page in
 * through a writable mapping (bench/README.md, "Zero-copy sends").
 */
static napi_value file_backed_from(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int64_t total = 0, max_live = 0;
  uint32_t count = 0;
  bool is_array = false;
  napi_value undefined;
  napi_get_undefined(env, &undefined);
  if (argc < 3 || napi_is_array(env, argv[0], &is_array) != napi_ok || !is_array ||
      napi_get_array_length(env, argv[0], &count) != napi_ok ||
      napi_get_value_int64(env, argv[1], &total) != napi_ok ||
      napi_get_value_int64(env, argv[2], &max_live) != napi_ok || total <= 0) {
    napi_throw_type_error(env, NULL, "fileBackedFrom(chunks[], total > 0, maxLive)");
    return NULL;
  }
  size_t mapped = 0;
  int fd = open_body(total, max_live, &mapped);
  if (fd < 0) return undefined;
  int64_t at = 0;
  for (uint32_t i = 0; i < count && at < total; i++) {
    napi_value chunk;
    void *data = NULL;
    size_t length = 0;
    bool is_buffer = false;
    if (napi_get_element(env, argv[0], i, &chunk) != napi_ok ||
        napi_is_buffer(env, chunk, &is_buffer) != napi_ok || !is_buffer ||
        napi_get_buffer_info(env, chunk, &data, &length) != napi_ok)
      goto failed;
    size_t want = (size_t)(total - at) < length ? (size_t)(total - at) : length;
    size_t done = 0;
    while (done < want) {
      ssize_t n = pwrite(fd, (char *)data + done, want - done, (off_t)(at + (int64_t)done));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) goto failed;
      done += (size_t)n;
    }
    at += (int64_t)want;
  }
  return map_body(env, fd, mapped, total, PROT_READ, MAP_POPULATE);
failed:
  close(fd);
  atomic_fetch_sub(&live_bodies, 1);
  return undefined;
}

/*
 * sendHeadAndFile(socketFd, head, fileFd, offset, length, unsentLimit) -> bytes sent
 * Sends `head` and then `length` bytes of the file from `offset`, without blocking, for as long
 * as the socket takes them. Returns the bytes sent (head first); the caller writes the rest the
 * ordinary way, which also reports any socket error (so errors here just stop early).
 *
 * `unsentLimit` > 0 first sets the socket's TCP_NOTSENT_LOWAT: the kernel then keeps at most
 * that many bytes queued but not yet sent. Without it a slow reader's connection sat with up to
 * a whole body queued, and on loopback thousands of spurious tail-loss probes and zero-window
 * stalls per 5 s followed (bench/README.md, "Unsent bytes in the kernel").
 */
static napi_value send_head_and_file(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t sock = -1, file_fd = -1, unsent_limit = 0;
  int64_t offset = 0, length = 0;
  void *head = NULL;
  size_t head_len = 0;
  bool is_buffer = false;
  if (argc < 5 || napi_get_value_int32(env, argv[0], &sock) != napi_ok ||
      napi_is_buffer(env, argv[1], &is_buffer) != napi_ok || !is_buffer ||
      napi_get_buffer_info(env, argv[1], &head, &head_len) != napi_ok ||
      napi_get_value_int32(env, argv[2], &file_fd) != napi_ok ||
      napi_get_value_int64(env, argv[3], &offset) != napi_ok ||
      napi_get_value_int64(env, argv[4], &length) != napi_ok ||
      (argc > 5 && napi_get_value_int32(env, argv[5], &unsent_limit) != napi_ok) || sock < 0 ||
      file_fd < 0 || offset < 0 || length < 0 || unsent_limit < 0) {
    napi_throw_type_error(env, NULL,
                          "sendHeadAndFile(socketFd, head, fileFd, offset, length, unsentLimit)");
    return NULL;
  }
  /* Best effort: a socket that refuses the option still sends, as before. */
  if (unsent_limit > 0)
    setsockopt(sock, IPPROTO_TCP, TCP_NOTSENT_LOWAT, &unsent_limit, sizeof unsent_limit);
  int64_t sent = 0;
  size_t head_sent = 0;
  int blocked = 0;
  while (head_sent < head_len) {
    /* MSG_MORE: the head waits for the body's first pages, one segment for both. */
    ssize_t n = send(sock, (char *)head + head_sent, head_len - head_sent,
                     MSG_MORE | MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      blocked = 1;
      break;
    }
    head_sent += (size_t)n;
  }
  sent = (int64_t)head_sent;
  off_t at = (off_t)offset;
  int64_t left = length;
  while (!blocked && left > 0) {
    ssize_t n = sendfile(sock, file_fd, &at, (size_t)left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    sent += n;
    left -= n;
  }
  napi_value result;
  napi_create_int64(env, sent, &result);
  return result;
}

/*
 * sendBuffer(socketFd, buffer) -> bytes sent
 * Sends `buffer` without blocking, for as long as the socket takes it, and returns the bytes
 * sent. The caller writes the rest the ordinary way, which also reports any socket error.
 */
static napi_value send_buffer(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t sock = -1;
  void *data = NULL;
  size_t length = 0;
  bool is_buffer = false;
  if (argc < 2 || napi_get_value_int32(env, argv[0], &sock) != napi_ok ||
      napi_is_buffer(env, argv[1], &is_buffer) != napi_ok || !is_buffer ||
      napi_get_buffer_info(env, argv[1], &data, &length) != napi_ok || sock < 0) {
    napi_throw_type_error(env, NULL, "sendBuffer(socketFd, buffer)");
    return NULL;
  }
  size_t sent = 0;
  while (sent < length) {
    ssize_t n = send(sock, (char *)data + sent, length - sent, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    sent += (size_t)n;
  }
  napi_value result;
  napi_create_int64(env, (int64_t)sent, &result);
  return result;
}

/*
 * unsentLimit(socketFd) -> the socket's own TCP_NOTSENT_LOWAT in bytes (what sendHeadAndFile
 * set; 0 while the system's default applies), or -1 when it cannot be read.
 */
static napi_value unsent_limit_of(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t sock = -1;
  if (argc < 1 || napi_get_value_int32(env, argv[0], &sock) != napi_ok || sock < 0) {
    napi_throw_type_error(env, NULL, "unsentLimit(socketFd)");
    return NULL;
  }
  uint32_t value = 0;
  socklen_t size = sizeof value;
  int64_t result_value =
      getsockopt(sock, IPPROTO_TCP, TCP_NOTSENT_LOWAT, &value, &size) == 0 ? (int64_t)value : -1;
  napi_value result;
  napi_create_int64(env, result_value, &result);
  return result;
}

/*
 * seal(buffer): makes a filled file-backed body's mapping read-only, so a write to it faults
 * instead of changing pages the socket may still be sending. Returns false if it was not one.
 */
static napi_value seal(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  void *data = NULL;
  size_t length = 0;
  bool is_buffer = false;
  bool sealed = false;
  if (argc == 1 && napi_is_buffer(env, argv[0], &is_buffer) == napi_ok && is_buffer &&
      napi_get_buffer_info(env, argv[0], &data, &length) == napi_ok && length > 0) {
    long page = sysconf(_SC_PAGESIZE);
    /* Only whole mappings made above start on a page boundary; views are refused by the caller. */
    if (((uintptr_t)data % (uintptr_t)page) == 0) {
      size_t mapped = (length + page - 1) / page * page;
      sealed = mprotect(data, mapped, PROT_READ) == 0;
    }
  }
  napi_value result;
  napi_get_boolean(env, sealed, &result);
  return result;
}

static napi_value page_size(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result;
  napi_create_int64(env, sysconf(_SC_PAGESIZE), &result);
  return result;
}

static napi_value live_count(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result;
  napi_create_int64(env, atomic_load(&live_bodies), &result);
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"fileBackedBuffer", NULL, file_backed_buffer, NULL, NULL, NULL, napi_default, NULL},
      {"fileBackedFrom", NULL, file_backed_from, NULL, NULL, NULL, napi_default, NULL},
      {"sendHeadAndFile", NULL, send_head_and_file, NULL, NULL, NULL, napi_default, NULL},
      {"sendBuffer", NULL, send_buffer, NULL, NULL, NULL, napi_default, NULL},
      {"unsentLimit", NULL, unsent_limit_of, NULL, NULL, NULL, napi_default, NULL},
      {"liveFileBackedBuffers", NULL, live_count, NULL, NULL, NULL, napi_default, NULL},
      {"seal", NULL, seal, NULL, NULL, NULL, napi_default, NULL},
      {"pageSize", NULL, page_size, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
