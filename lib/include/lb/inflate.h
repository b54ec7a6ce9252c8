/* A streaming DEFLATE decoder (RFC 1951, raw: no zlib or gzip wrapper)
 * that keeps no window of its own: a back-reference reads the earlier
 * output back through the caller's `read` (an installer reads the slot it
 * is writing), so the state is ~1.3 KB whatever the stream's window.
 * Input arrives in pieces of any size, split anywhere; output leaves in
 * order through `write`. Bounded and heap-free; every input byte is
 * untrusted: a malformed stream is an error, never an assert, and nothing
 * is written past `out_max`. */
#ifndef LB_INFLATE_H
#define LB_INFLATE_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    /* Appends n bytes of output. Returns 0 or a negative LB_E_* code,
     * which stops the inflater and is returned by the call that fed it. */
    int (*write)(void *arg, const uint8_t *d, size_t n);
    /* Copies n bytes of earlier output, starting at output offset off,
     * into d (off + n never exceeds what write was given). Returns 0 or a
     * negative LB_E_* code, as write. */
    int (*read)(void *arg, uint32_t off, uint8_t *d, size_t n);
    void *arg;
} lb_inflate_io_t;

/* A canonical Huffman code: how many codes of each length, and the
 * symbols in code order (RFC 1951 3.2.2). */
typedef struct {
    uint16_t count[16];
    uint16_t symbol[288];
} lb_inflate_lit_t;

typedef struct {
    uint16_t count[16];
    uint16_t symbol[32];
} lb_inflate_dist_t;

typedef struct {
    lb_inflate_io_t io;
    uint32_t out;     /* bytes of output so far (written or in ob) */
    uint32_t out_max; /* more than this is an error */
    uint32_t bits;    /* input bits not yet used, first in bit 0 */
    uint8_t nbits;
    uint8_t state;
    uint8_t last; /* the block being read is the final one */
    uint8_t spare;
    int err;                          /* sticky: the first error */
    uint16_t left;                    /* stored block: bytes to copy; match: its length */
    uint16_t nlen, ndist, ncode, idx; /* dynamic block header progress */
    uint16_t dsym;                    /* the distance symbol read, before its extra bits */
    uint16_t obn;                     /* output waiting in ob */
    uint8_t lens[288 + 32];
    uint8_t ob[256]; /* the latest output, written in pieces of this size */
    lb_inflate_lit_t lit;
    lb_inflate_dist_t dist; /* also the code-length code while a header is read */
} lb_inflate_t;

/* Starts a stream whose output may be at most out_max bytes. Returns 0 or
 * LB_E_INVAL (a NULL pointer or callback). */
int lb_inflate_init(lb_inflate_t *z, const lb_inflate_io_t *io, uint32_t out_max);

/* Feeds n input bytes (all are used; the output they complete has been
 * written when it returns). Returns 0, or the first error, again on every
 * later call: LB_E_CORRUPT (a malformed stream: block type 3, a stored
 * length whose complement is wrong, a Huffman code over-subscribed or
 * incomplete, a repeat with nothing to repeat or past the lengths, no
 * end-of-block code, a symbol the code does not define, a distance
 * before the start of the output), LB_E_SIZE (output beyond out_max),
 * LB_E_TRAILING (bytes after the final block), or what write or read
 * returned. */
int lb_inflate_update(lb_inflate_t *z, const uint8_t *in, size_t n);

/* The end of the input. Returns 0 and sets *out_len to the bytes written
 * when the final block ended, LB_E_TRUNCATED when the stream stopped
 * before, or the error update returned. */
int lb_inflate_finish(lb_inflate_t *z, uint32_t *out_len);

#endif
