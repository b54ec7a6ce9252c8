/* libFuzzer target for lb/inflate.h, differential against zlib's raw
 * inflate: the first byte picks the piece size the stream is fed in, the
 * rest is the stream. Both must accept the same streams with the same
 * output, and refuse the same ones (zlib stopping short of the end is our
 * truncation, zlib ending before the input does is our trailing bytes, zlib
 * out of room is our bound). No crash, no read or write outside what was
 * written: the sink checks every callback. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "lb/err.h"
#include "lb/inflate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define OUT_MAX (256u * 1024u)

static uint8_t ours[OUT_MAX], theirs[OUT_MAX + 1];
static size_t ours_len;

static int sink_write(void *arg, const uint8_t *d, size_t n)
{
    (void)arg;
    if (n > OUT_MAX - ours_len) {
        abort(); /* past the bound the inflater was given */
    }
    memcpy(ours + ours_len, d, n);
    ours_len += n;
    return 0;
}

static int sink_read(void *arg, uint32_t off, uint8_t *d, size_t n)
{
    (void)arg;
    if (off > ours_len || n > ours_len - off) {
        abort(); /* a back-reference into output not yet written */
    }
    memcpy(d, ours + off, n);
    return 0;
}

/* zlib on the whole stream: 0 accepted (theirs, *len), 1 refused, 2 needs
 * more input, 3 trailing input, 4 more output than OUT_MAX. */
static int zlib_says(const uint8_t *in, size_t n, size_t *len)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit2(&zs, -15) != Z_OK) {
        abort();
    }
    zs.next_in = (Bytef *)(uintptr_t)in;
    zs.avail_in = (uInt)n;
    zs.next_out = theirs;
    zs.avail_out = OUT_MAX + 1; /* one more: room left means it ended */
    int r = inflate(&zs, Z_FINISH);
    *len = zs.total_out;
    int said = zs.total_out > OUT_MAX                 ? 4
               : r == Z_STREAM_END                    ? (zs.avail_in ? 3 : 0)
               : r == Z_BUF_ERROR && zs.avail_in == 0 ? 2
                                                      : 1;
    inflateEnd(&zs);
    return said;
}

/* Whether zlib, given more input after `in`, still never ends the
 * stream: our refusal of a stream zlib still waits on is then only
 * earlier (zlib reads an empty code-length code as all zeros and fails at
 * the missing end-of-block code; we fail at the code's first use). */
static int dead_end(const uint8_t *in, size_t n)
{
    static uint8_t more[64 * 1024 + 4096];
    for (unsigned t = 0; t < 3; t++) {
        memcpy(more, in, n);
        for (size_t i = 0; i < 4096; i++) {
            more[n + i] = t == 0 ? 0 : t == 1 ? 0xFF : (uint8_t)(i * 2654435761u >> 13);
        }
        size_t len = 0;
        int said = zlib_says(more, n + 4096, &len);
        if (said == 0 || said == 3) {
            return 0;
        }
    }
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 64 * 1024) {
        return 0;
    }
    size_t piece = 1u + data[0] % 97u;
    const uint8_t *in = data + 1;
    size_t n = size - 1;
    static lb_inflate_t z;
    lb_inflate_io_t io = {sink_write, sink_read, NULL};
    ours_len = 0;
    if (lb_inflate_init(&z, &io, OUT_MAX) != 0) {
        abort();
    }
    int err = 0;
    for (size_t off = 0; off < n && err == 0; off += piece) {
        err = lb_inflate_update(&z, in + off, n - off < piece ? n - off : piece);
    }
    uint32_t out = 0;
    if (err == 0) {
        err = lb_inflate_finish(&z, &out);
    }
    size_t tl = 0;
    int said = zlib_says(in, n, &tl);
    int agree = said == 0 ? err == 0 && out == tl && ours_len == tl && memcmp(ours, theirs, tl) == 0
                : said == 1 ? err == LB_E_CORRUPT
                : said == 2 ? err == LB_E_TRUNCATED || (err == LB_E_CORRUPT && dead_end(in, n))
                : said == 3 ? err == LB_E_TRAILING
                            : err == LB_E_SIZE;
    if (!agree) {
        abort();
    }
    /* What was written before any error is what zlib wrote too. */
    if (ours_len > tl || memcmp(ours, theirs, ours_len) != 0) {
        abort();
    }
    return 0;
}
