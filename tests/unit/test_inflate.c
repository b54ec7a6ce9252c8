/* The DEFLATE decoder (lb/inflate.h) against zlib's encoder (every level
 * and strategy, input split anywhere), and every malformed stream it must
 * refuse, crafted bit by bit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zlib.h>

#include "lb/err.h"
#include "lb/inflate.h"

/* The output sink: a RAM buffer standing in for the slot. */
typedef struct {
    uint8_t *buf;
    size_t len, cap;
    unsigned reads;
} sink_t;

static int sink_write(void *arg, const uint8_t *d, size_t n)
{
    sink_t *s = arg;
    assert_true(n <= s->cap - s->len); /* the inflater bounds its output itself */
    memcpy(s->buf + s->len, d, n);
    s->len += n;
    return 0;
}

static int sink_read(void *arg, uint32_t off, uint8_t *d, size_t n)
{
    sink_t *s = arg;
    assert_true(off + n <= s->len); /* only what was written */
    memcpy(d, s->buf + off, n);
    s->reads++;
    return 0;
}

/* Inflates `in` fed in pieces of `piece` bytes into a sink of `cap` bytes
 * (out_max = cap). Returns the first error or 0 (then *out_len). */
static int inflate_pieces(const uint8_t *in, size_t n, size_t piece, sink_t *s, size_t cap,
                          uint32_t *out_len)
{
    static lb_inflate_t z;
    s->buf = realloc(s->buf, cap ? cap : 1);
    s->len = 0;
    s->cap = cap;
    s->reads = 0;
    lb_inflate_io_t io = {sink_write, sink_read, s};
    assert_int_equal(lb_inflate_init(&z, &io, (uint32_t)cap), 0);
    for (size_t off = 0; off < n; off += piece) {
        size_t k = n - off < piece ? n - off : piece;
        int err = lb_inflate_update(&z, in + off, k);
        if (err != 0) {
            assert_int_equal(lb_inflate_update(&z, in, 1), err); /* sticky */
            assert_int_equal(lb_inflate_finish(&z, out_len), err);
            return err;
        }
    }
    return lb_inflate_finish(&z, out_len);
}

/* Raw DEFLATE (no wrapper) of `in` by zlib. Returns the stream length. */
static size_t zdeflate(const uint8_t *in, size_t n, int level, int strategy, uint8_t *out,
                       size_t cap)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    assert_int_equal(deflateInit2(&zs, level, Z_DEFLATED, -15, 9, strategy), Z_OK);
    zs.next_in = (Bytef *)(uintptr_t)in;
    zs.avail_in = (uInt)n;
    zs.next_out = out;
    zs.avail_out = (uInt)cap;
    assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
    size_t len = zs.total_out;
    deflateEnd(&zs);
    return len;
}

/* Test inputs: incompressible, runs (distance 1), short periods, text-like
 * with far matches (up to the 32 KiB window). */
static uint8_t *make_input(unsigned kind, size_t n)
{
    uint8_t *d = malloc(n);
    uint32_t x = 0x12345678u + kind;
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        switch (kind) {
        case 0:
            d[i] = (uint8_t)(x >> 24);
            break;
        case 1:
            d[i] = (uint8_t)((i / 700) % 3);
            break;
        case 2:
            d[i] = (uint8_t)("abcabcabd"[i % 9]);
            break;
        default: /* words from a small vocabulary, a block repeated 20 KiB later */
            d[i] = i >= 20480 && (x >> 28) < 12 ? d[i - 20480]
                                                : (uint8_t)("lifeboat \n"[(x >> 20) % 10]);
            break;
        }
    }
    return d;
}

static void test_inflate_matches_zlib_at_every_level_and_split(void **state)
{
    (void)state;
    static const int strategies[] = {Z_DEFAULT_STRATEGY, Z_FILTERED, Z_HUFFMAN_ONLY, Z_RLE,
                                     Z_FIXED};
    static const size_t pieces[] = {1, 3, 1000, 1u << 20};
    static const size_t sizes[] = {0, 1, 300, 70000};
    sink_t s = {0};
    size_t cap = 2 * 70000 + 1024;
    uint8_t *z = malloc(cap);
    for (unsigned kind = 0; kind < 4; kind++) {
        for (unsigned si = 0; si < 4; si++) {
            uint8_t *in = make_input(kind, sizes[si] ? sizes[si] : 1);
            for (int level = 0; level <= 9; level++) {
                for (unsigned st = 0; st < 5; st++) {
                    size_t zn = zdeflate(in, sizes[si], level, strategies[st], z, cap);
                    for (unsigned p = 0; p < 4; p++) {
                        if (pieces[p] == 1 && (sizes[si] > 300 || level % 3 != 0)) {
                            continue; /* byte-by-byte on a sample: it is slow */
                        }
                        uint32_t out = 0;
                        assert_int_equal(inflate_pieces(z, zn, pieces[p], &s, sizes[si], &out), 0);
                        assert_int_equal(out, sizes[si]);
                        assert_memory_equal(s.buf, in, sizes[si]);
                    }
                }
            }
            free(in);
        }
    }
    free(z);
    free(s.buf);
}

static void test_inflate_reads_back_references_through_the_sink(void **state)
{
    (void)state;
    size_t n = 100000;
    uint8_t *in = make_input(3, n);
    uint8_t *z = malloc(2 * n);
    size_t zn = zdeflate(in, n, 9, Z_DEFAULT_STRATEGY, z, 2 * n);
    sink_t s = {0};
    uint32_t out = 0;
    assert_int_equal(inflate_pieces(z, zn, 4096, &s, n, &out), 0);
    assert_memory_equal(s.buf, in, n);
    assert_true(s.reads > 100); /* no window of its own: the slot is it */
    free(in);
    free(z);
    free(s.buf);
}

static void test_inflate_refuses_truncated_and_trailing_streams(void **state)
{
    (void)state;
    size_t n = 5000;
    uint8_t *in = make_input(3, n);
    uint8_t *z = malloc(2 * n + 16);
    sink_t s = {0};
    for (int level = 0; level <= 9; level += 9) {
        size_t zn = zdeflate(in, n, level, Z_DEFAULT_STRATEGY, z, 2 * n);
        for (size_t cut = 0; cut < zn; cut += 1 + cut / 7) {
            uint32_t out = 0;
            assert_int_equal(inflate_pieces(z, cut, 64, &s, n, &out), LB_E_TRUNCATED);
        }
        z[zn] = 0;
        uint32_t out = 0;
        assert_int_equal(inflate_pieces(z, zn + 1, 64, &s, n, &out), LB_E_TRAILING);
        assert_int_equal(inflate_pieces(z, zn + 1, zn + 1, &s, n, &out), LB_E_TRAILING);
    }
    free(in);
    free(z);
    free(s.buf);
}

static void test_inflate_refuses_output_beyond_its_bound(void **state)
{
    (void)state;
    size_t n = 40000;
    uint8_t *in = make_input(1, n);
    uint8_t *z = malloc(2 * n);
    sink_t s = {0};
    for (int level = 0; level <= 9; level += 3) {
        size_t zn = zdeflate(in, n, level, Z_DEFAULT_STRATEGY, z, 2 * n);
        uint32_t out = 0;
        /* The sink asserts that nothing lands past the bound. */
        assert_int_equal(inflate_pieces(z, zn, 512, &s, n - 1, &out), LB_E_SIZE);
        assert_int_equal(inflate_pieces(z, zn, 512, &s, 0, &out), LB_E_SIZE);
        assert_int_equal(inflate_pieces(z, zn, 512, &s, n, &out), 0);
    }
    free(in);
    free(z);
    free(s.buf);
}

/* A bit writer for crafted streams: fields LSB first, Huffman codes MSB
 * first (RFC 1951 3.1.1). */
typedef struct {
    uint8_t b[64];
    unsigned bit;
} bw_t;

static void bits(bw_t *w, uint32_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++, w->bit++) {
        if (v >> i & 1u) {
            w->b[w->bit / 8] |= (uint8_t)(1u << (w->bit % 8));
        }
    }
}

static void code(bw_t *w, uint32_t c, unsigned n)
{
    for (unsigned i = n; i-- > 0;) {
        bits(w, c >> i & 1u, 1);
    }
}

static int run(const bw_t *w)
{
    sink_t s = {0};
    uint32_t out = 0;
    int err = inflate_pieces(w->b, (w->bit + 7) / 8, 1, &s, 1000, &out);
    free(s.buf);
    return err;
}

/* A dynamic block header whose code-length code gives lengths `cl` to
 * symbols 0..18 (in the sending order, HCLEN 19), then `n` code-length
 * symbols sent with that code as 4-bit... left to the caller. */
static void dyn_header(bw_t *w, unsigned hlit, unsigned hdist, const uint8_t cl[19])
{
    bits(w, 1, 1); /* BFINAL */
    bits(w, 2, 2); /* dynamic */
    bits(w, hlit - 257, 5);
    bits(w, hdist - 1, 5);
    bits(w, 19 - 4, 4);
    static const uint8_t order[19] = {16, 17, 18, 0, 8,  7, 9,  6, 10, 5,
                                      11, 4,  12, 3, 13, 2, 14, 1, 15};
    for (unsigned i = 0; i < 19; i++) {
        bits(w, cl[order[i]], 3);
    }
}

static void test_inflate_refuses_every_malformed_block(void **state)
{
    (void)state;
    bw_t w;

    memset(&w, 0, sizeof w); /* block type 3 */
    bits(&w, 1, 1);
    bits(&w, 3, 2);
    assert_int_equal(run(&w), LB_E_CORRUPT);

    memset(&w, 0, sizeof w); /* stored: NLEN not LEN's complement */
    bits(&w, 1, 3);
    w.bit = 8;
    bits(&w, 5, 16);
    bits(&w, 0, 16);
    assert_int_equal(run(&w), LB_E_CORRUPT);

    memset(&w, 0, sizeof w); /* fixed: a match before any output */
    bits(&w, 1, 1);
    bits(&w, 1, 2);
    code(&w, 1, 7); /* length 3 */
    code(&w, 0, 5); /* distance 1 */
    assert_int_equal(run(&w), LB_E_CORRUPT);

    memset(&w, 0, sizeof w); /* fixed: distance code 30 */
    bits(&w, 1, 1);
    bits(&w, 1, 2);
    code(&w, 0x30 + 'a', 8);
    code(&w, 1, 7);
    code(&w, 30, 5);
    assert_int_equal(run(&w), LB_E_CORRUPT);

    memset(&w, 0, sizeof w); /* fixed: literal/length code 286 */
    bits(&w, 1, 1);
    bits(&w, 1, 2);
    code(&w, 0xC0 + 6, 8);
    assert_int_equal(run(&w), LB_E_CORRUPT);

    memset(&w, 0, sizeof w); /* fixed: a distance 2 back with 1 byte out */
    bits(&w, 1, 1);
    bits(&w, 1, 2);
    code(&w, 0x30 + 'a', 8);
    code(&w, 1, 7);
    code(&w, 1, 5);
    assert_int_equal(run(&w), LB_E_CORRUPT);

    uint8_t cl[19];
    memset(cl, 1, sizeof cl); /* an over-subscribed code-length code */
    memset(&w, 0, sizeof w);
    dyn_header(&w, 257, 1, cl);
    assert_int_equal(run(&w), LB_E_CORRUPT);

    memset(cl, 0, sizeof cl); /* an incomplete code-length code */
    cl[0] = 1;
    cl[8] = 2;
    memset(&w, 0, sizeof w);
    dyn_header(&w, 257, 1, cl);
    assert_int_equal(run(&w), LB_E_CORRUPT);

    /* Code-length code: 16, 17, 18 and 8 of two bits each (codes 00 = 8,
     * 01 = 16, 10 = 17, 11 = 18 in symbol order 8 < 16 < 17 < 18). */
    memset(cl, 0, sizeof cl);
    cl[8] = cl[16] = cl[17] = cl[18] = 2;

    memset(&w, 0, sizeof w); /* a repeat with nothing to repeat */
    dyn_header(&w, 257, 1, cl);
    code(&w, 1, 2);
    bits(&w, 0, 2);
    assert_int_equal(run(&w), LB_E_CORRUPT);

    memset(&w, 0, sizeof w); /* zeros past the 258 lengths */
    dyn_header(&w, 257, 1, cl);
    for (unsigned i = 0; i < 2; i++) {
        code(&w, 3, 2);
        bits(&w, 127, 7); /* 138 zeros each: 276 > 258 */
    }
    assert_int_equal(run(&w), LB_E_CORRUPT);

    memset(&w, 0, sizeof w); /* no end-of-block code: 258 zero lengths */
    dyn_header(&w, 257, 1, cl);
    code(&w, 3, 2);
    bits(&w, 127, 7); /* 138 */
    code(&w, 3, 2);
    bits(&w, 109, 7); /* + 120 = 258 */
    assert_int_equal(run(&w), LB_E_CORRUPT);

    memset(&w, 0, sizeof w); /* more than 30 distance codes */
    dyn_header(&w, 257, 31, cl);
    assert_int_equal(run(&w), LB_E_CORRUPT);

    /* Code-length code: 0, 1, 2 and 18 of two bits each (00, 01, 10, 11). */
    uint8_t cl2[19];
    memset(cl2, 0, sizeof cl2);
    cl2[0] = cl2[1] = cl2[2] = cl2[18] = 2;

    memset(&w, 0, sizeof w); /* an incomplete literal code: 'a' 1 bit, end 2 bits */
    dyn_header(&w, 257, 1, cl2);
    code(&w, 3, 2);
    bits(&w, 86, 7); /* 97 zeros */
    code(&w, 1, 2);  /* 'a': 1 */
    code(&w, 3, 2);
    bits(&w, 127, 7); /* 138 zeros */
    code(&w, 3, 2);
    bits(&w, 9, 7); /* + 20 = 158: 98..255 */
    code(&w, 2, 2); /* end of block: 2 */
    code(&w, 1, 2); /* the distance code: 1 */
    code(&w, 0, 1); /* 'a' */
    code(&w, 2, 2); /* end of block */
    assert_int_equal(run(&w), LB_E_CORRUPT);

    memset(&w, 0, sizeof w); /* a complete code without an end-of-block code */
    dyn_header(&w, 257, 1, cl2);
    code(&w, 3, 2);
    bits(&w, 86, 7); /* 97 zeros */
    code(&w, 1, 2);  /* 'a': 1 */
    code(&w, 1, 2);  /* 'b': 1 */
    code(&w, 3, 2);
    bits(&w, 127, 7); /* 138 zeros */
    code(&w, 3, 2);
    bits(&w, 9, 7); /* + 20 = 158: 99..256 */
    code(&w, 1, 2); /* the distance code: 1 */
    code(&w, 0, 1); /* 'a' */
    code(&w, 1, 1); /* 'b' */
    assert_int_equal(run(&w), LB_E_CORRUPT);

    memset(&w, 0, sizeof w); /* lengths 8 for all 257: over-subscribed */
    dyn_header(&w, 257, 1, cl);
    code(&w, 0, 2);
    for (unsigned i = 0; i < 42; i++) {
        code(&w, 1, 2); /* repeat 8 six times: 1 + 42 * 6 = 253 */
        bits(&w, 3, 2);
    }
    for (unsigned i = 0; i < 4; i++) {
        code(&w, 0, 2); /* 257 */
    }
    code(&w, 0, 2); /* the distance code's one length */
    assert_int_equal(run(&w), LB_E_CORRUPT);
}

static void test_inflate_takes_deflates_corner_cases(void **state)
{
    (void)state;
    bw_t w;

    memset(&w, 0, sizeof w); /* an empty stored final block */
    bits(&w, 1, 3);
    w.bit = 8;
    bits(&w, 0, 16);
    bits(&w, 0xFFFF, 16);
    assert_int_equal(run(&w), 0);

    memset(&w, 0, sizeof w); /* fixed: "a" then a run of 258 from distance 1 */
    bits(&w, 1, 1);
    bits(&w, 1, 2);
    code(&w, 0x30 + 'a', 8);
    code(&w, 0xC0 + 5, 8); /* 285: length 258 */
    code(&w, 0, 5);
    code(&w, 0, 7); /* end of block */
    sink_t s = {0};
    uint32_t out = 0;
    assert_int_equal(inflate_pieces(w.b, (w.bit + 7) / 8, 1, &s, 259, &out), 0);
    assert_int_equal(out, 259);
    for (unsigned i = 0; i < 259; i++) {
        assert_int_equal(s.buf[i], 'a');
    }
    free(s.buf);

    /* A dynamic block whose distance code is one code of one bit and
     * whose literal code is only the end-of-block code (one bit): the two
     * incomplete codes DEFLATE allows. */
    uint8_t cl[19];
    memset(cl, 0, sizeof cl);
    cl[1] = cl[17] = cl[18] = 2;
    cl[0] = 2; /* symbols 0, 1, 17, 18: 00, 01, 10, 11 */
    memset(&w, 0, sizeof w);
    dyn_header(&w, 257, 1, cl);
    code(&w, 3, 2);
    bits(&w, 127, 7); /* 138 zeros */
    code(&w, 3, 2);
    bits(&w, 107, 7); /* + 118 = 256 */
    code(&w, 1, 2);   /* symbol 256: length 1 */
    code(&w, 1, 2);   /* distance 0: length 1 */
    code(&w, 0, 1);   /* end of block */
    assert_int_equal(run(&w), 0);
}

static void test_inflate_init_refuses_missing_callbacks(void **state)
{
    (void)state;
    lb_inflate_t z;
    lb_inflate_io_t io = {sink_write, NULL, NULL};
    assert_int_equal(lb_inflate_init(&z, &io, 10), LB_E_INVAL);
    assert_int_equal(lb_inflate_init(&z, NULL, 10), LB_E_INVAL);
    assert_int_equal(lb_inflate_init(NULL, &io, 10), LB_E_INVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_inflate_matches_zlib_at_every_level_and_split),
        cmocka_unit_test(test_inflate_reads_back_references_through_the_sink),
        cmocka_unit_test(test_inflate_refuses_truncated_and_trailing_streams),
        cmocka_unit_test(test_inflate_refuses_output_beyond_its_bound),
        cmocka_unit_test(test_inflate_refuses_every_malformed_block),
        cmocka_unit_test(test_inflate_takes_deflates_corner_cases),
        cmocka_unit_test(test_inflate_init_refuses_missing_callbacks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
