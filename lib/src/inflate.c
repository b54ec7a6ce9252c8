#include "lb/inflate.h"

#include <string.h>

#include "lb/err.h"

/* Each step below needs at most 25 input bits (a literal/length code and
 * its extra bits: 15 + 5; the rest less), and the buffer is refilled a
 * byte at a time up to 32, so a step that cannot finish with 25 bits in
 * hand only waits for input. A step works on a copy of the buffer and
 * commits it only when it finished: a code split across two calls is
 * simply read again. */
enum {
    ST_HEADER, /* BFINAL, BTYPE */
    ST_STORED, /* LEN (after the padding to a byte) */
    ST_NLEN,   /* its complement */
    ST_COPY,   /* the stored bytes */
    ST_COUNTS, /* HLIT, HDIST, HCLEN */
    ST_CLENS,  /* the code-length code's lengths */
    ST_LENS,   /* the literal/length and distance code lengths */
    ST_SYM,    /* a literal, the end of the block, or a length */
    ST_DIST,   /* a distance code */
    ST_DEXTRA, /* its extra bits; then the copy */
    ST_DONE
};

#define MORE 1 /* a step's "not enough input yet" */

typedef struct {
    uint32_t b;
    unsigned n;
} bits_t;

/* k <= 16 bits, first bit lowest. */
static int take(bits_t *s, unsigned k, uint32_t *v)
{
    if (s->n < k) {
        return MORE;
    }
    *v = s->b & ((1u << k) - 1u);
    s->b >>= k;
    s->n -= k;
    return 0;
}

/* One symbol of a canonical code: its bits arrive most significant first.
 * Codes of each length are consecutive, and the first code of a length
 * follows the last of the one before, doubled (RFC 1951 3.2.2). */
static int decode(bits_t *s, const uint16_t *count, const uint16_t *symbol, unsigned *sym)
{
    unsigned code = 0, first = 0, index = 0, rest = count[0];
    for (unsigned len = 1; len <= 15; len++) {
        if (s->n == 0) {
            return MORE;
        }
        code |= s->b & 1u;
        s->b >>= 1;
        s->n--;
        if (code - first < count[len]) {
            *sym = symbol[index + code - first];
            return 0;
        }
        index += count[len];
        rest -= count[len];
        if (rest == 0) {
            /* No longer code is left to match: a code the lengths do not
             * define, known as soon as its bits say so. */
            return LB_E_CORRUPT;
        }
        first = (first + count[len]) << 1;
        code <<= 1;
    }
    return LB_E_CORRUPT;
}

/* The code for n symbols of lengths len[] (0: unused); count[0] is then
 * the number of codes. Returns 0 when it is complete, 1 when it is one
 * code of one bit, 2 when it has none (the only incomplete codes DEFLATE
 * streams use, read as zlib reads them: an empty code fails at its first
 * use), LB_E_CORRUPT otherwise. */
static int build(uint16_t *count, uint16_t *symbol, const uint8_t *len, unsigned n)
{
    uint16_t offs[16];
    memset(count, 0, 16 * sizeof *count);
    for (unsigned i = 0; i < n; i++) {
        count[len[i]]++;
    }
    int left = 1;
    unsigned used = 0;
    for (unsigned l = 1; l <= 15; l++) {
        left = (left << 1) - count[l];
        used += count[l];
        if (left < 0) {
            return LB_E_CORRUPT; /* over-subscribed */
        }
    }
    count[0] = (uint16_t)used;
    offs[1] = 0;
    for (unsigned l = 1; l < 15; l++) {
        offs[l + 1] = (uint16_t)(offs[l] + count[l]);
    }
    for (unsigned i = 0; i < n; i++) {
        if (len[i] != 0) {
            symbol[offs[len[i]]++] = (uint16_t)i;
        }
    }
    if (left == 0) {
        return 0;
    }
    return used == 0 ? 2 : used == 1 && count[1] == 1 ? 1 : LB_E_CORRUPT;
}

static int flush(lb_inflate_t *z)
{
    int err = z->obn ? z->io.write(z->io.arg, z->ob, z->obn) : 0;
    z->obn = 0;
    return err;
}

static int put(lb_inflate_t *z, const uint8_t *d, size_t n)
{
    if (n > z->out_max - z->out) {
        return LB_E_SIZE;
    }
    z->out += (uint32_t)n;
    return z->io.write(z->io.arg, d, n);
}

/* Output through ob: written in pieces of its size (a flash program each,
 * for an installer), and the most recent bytes stay readable from RAM. */
static int append(lb_inflate_t *z, const uint8_t *d, size_t n)
{
    if (n > z->out_max - z->out) {
        return LB_E_SIZE;
    }
    int err = 0;
    while (err == 0 && n > 0) {
        size_t k = sizeof z->ob - z->obn < n ? sizeof z->ob - z->obn : n;
        memcpy(z->ob + z->obn, d, k);
        z->obn = (uint16_t)(z->obn + k);
        z->out += (uint32_t)k;
        d += k;
        n -= k;
        if (z->obn == sizeof z->ob) {
            err = flush(z);
        }
    }
    return err;
}

/* `len` bytes from `dist` back: from ob when they are still there, else
 * read back through io. A piece is never longer than dist, so it never
 * reads bytes it produces itself (dist < len repeats a pattern). */
static int copy(lb_inflate_t *z, uint32_t dist, uint32_t len)
{
    if (dist > z->out) {
        return LB_E_CORRUPT; /* before the start of the output */
    }
    uint8_t b[64];
    int err = 0;
    while (err == 0 && len > 0) {
        uint32_t src = z->out - dist, base = z->out - z->obn;
        uint32_t n = len < sizeof b ? len : (uint32_t)sizeof b;
        n = n < dist ? n : dist;
        if (src >= base) {
            memcpy(b, z->ob + (src - base), n);
        } else {
            n = n < base - src ? n : base - src;
            err = z->io.read(z->io.arg, src, b, n);
        }
        if (err == 0) {
            err = append(z, b, n);
        }
        len -= n;
    }
    return err;
}

static int literal(lb_inflate_t *z, uint8_t c)
{
    return append(z, &c, 1);
}

static void fixed(lb_inflate_t *z)
{
    unsigned i = 0;
    for (; i < 144; i++) {
        z->lens[i] = 8;
    }
    for (; i < 256; i++) {
        z->lens[i] = 9;
    }
    for (; i < 280; i++) {
        z->lens[i] = 7;
    }
    for (; i < 288; i++) {
        z->lens[i] = 8;
    }
    /* All 32 five-bit distance codes: 30 and 31 are read, then refused. */
    memset(z->lens + 288, 5, 32);
    (void)build(z->lit.count, z->lit.symbol, z->lens, 288);
    (void)build(z->dist.count, z->dist.symbol, z->lens + 288, 32);
}

/* The order the code-length code's lengths are sent in. */
static const uint8_t clen_order[19] = {16, 17, 18, 0, 8,  7, 9,  6, 10, 5,
                                       11, 4,  12, 3, 13, 2, 14, 1, 15};

/* Length symbol 257 + c: base length and extra bits, RFC 1951 3.2.5
 * (computed rather than tabled: the table is these two formulas). */
static uint32_t len_base(unsigned c, unsigned *extra)
{
    if (c < 8 || c == 28) {
        *extra = 0;
        return c == 28 ? 258u : c + 3u;
    }
    *extra = (c >> 2) - 1u;
    return ((4u + (c & 3u)) << *extra) + 3u;
}

static uint32_t dist_base(unsigned c, unsigned *extra)
{
    if (c < 4) {
        *extra = 0;
        return c + 1u;
    }
    *extra = (c >> 1) - 1u;
    return ((2u + (c & 1u)) << *extra) + 1u;
}

/* One step of the state machine on a copy of the bit buffer. */
static int step(lb_inflate_t *z, bits_t *s)
{
    uint32_t v = 0;
    unsigned sym = 0, extra = 0;
    int r;
    switch (z->state) {
    case ST_HEADER:
        if ((r = take(s, 3, &v)) != 0) {
            return r;
        }
        z->last = (uint8_t)(v & 1u);
        if ((v >> 1) == 0) {
            z->state = ST_STORED;
        } else if ((v >> 1) == 1) {
            fixed(z);
            z->state = ST_SYM;
        } else if ((v >> 1) == 2) {
            z->state = ST_COUNTS;
        } else {
            return LB_E_CORRUPT;
        }
        return 0;
    case ST_STORED:
        s->b >>= s->n % 8u; /* to the byte boundary: bytes come in whole */
        s->n -= s->n % 8u;
        if ((r = take(s, 16, &v)) != 0) {
            return r;
        }
        z->left = (uint16_t)v;
        z->state = ST_NLEN;
        return 0;
    case ST_NLEN:
        if ((r = take(s, 16, &v)) != 0) {
            return r;
        }
        if ((v ^ 0xFFFFu) != z->left) {
            return LB_E_CORRUPT;
        }
        z->state = z->left ? ST_COPY : z->last ? ST_DONE : ST_HEADER;
        return 0;
    case ST_COPY:
        if ((r = take(s, 8, &v)) != 0) {
            return r;
        }
        if ((r = literal(z, (uint8_t)v)) != 0) {
            return r;
        }
        if (--z->left == 0) {
            z->state = z->last ? ST_DONE : ST_HEADER;
        }
        return 0;
    case ST_COUNTS:
        if ((r = take(s, 14, &v)) != 0) {
            return r;
        }
        z->nlen = (uint16_t)(257u + (v & 31u));
        z->ndist = (uint16_t)(1u + ((v >> 5) & 31u));
        z->ncode = (uint16_t)(4u + (v >> 10));
        if (z->nlen > 286 || z->ndist > 30) {
            return LB_E_CORRUPT;
        }
        memset(z->lens, 0, sizeof z->lens);
        z->idx = 0;
        z->state = ST_CLENS;
        return 0;
    case ST_CLENS:
        if ((r = take(s, 3, &v)) != 0) {
            return r;
        }
        z->lens[clen_order[z->idx++]] = (uint8_t)v;
        if (z->idx == z->ncode) {
            r = build(z->dist.count, z->dist.symbol, z->lens, 19);
            if (r != 0 && r != 2) {
                return LB_E_CORRUPT; /* complete, or empty (fails at its use) */
            }
            memset(z->lens, 0, 19);
            z->idx = 0;
            z->state = ST_LENS;
        }
        return 0;
    case ST_LENS: {
        if ((r = decode(s, z->dist.count, z->dist.symbol, &sym)) != 0) {
            return r;
        }
        unsigned total = z->nlen + z->ndist, rep = 1;
        uint8_t val = (uint8_t)sym;
        if (sym == 16) {
            if ((r = take(s, 2, &v)) != 0) {
                return r;
            }
            if (z->idx == 0) {
                return LB_E_CORRUPT; /* nothing to repeat */
            }
            val = z->lens[z->idx - 1];
            rep = 3u + v;
        } else if (sym == 17 || sym == 18) {
            if ((r = take(s, sym == 17 ? 3 : 7, &v)) != 0) {
                return r;
            }
            val = 0;
            rep = (sym == 17 ? 3u : 11u) + v;
        }
        if (rep > total - z->idx) {
            return LB_E_CORRUPT;
        }
        memset(z->lens + z->idx, val, rep);
        z->idx = (uint16_t)(z->idx + rep);
        if (z->idx == total) {
            if (z->lens[256] == 0 || build(z->lit.count, z->lit.symbol, z->lens, z->nlen) < 0 ||
                build(z->dist.count, z->dist.symbol, z->lens + z->nlen, z->ndist) < 0) {
                return LB_E_CORRUPT;
            }
            z->state = ST_SYM;
        }
        return 0;
    }
    case ST_SYM:
        if ((r = decode(s, z->lit.count, z->lit.symbol, &sym)) != 0) {
            return r;
        }
        if (sym < 256) {
            return literal(z, (uint8_t)sym);
        }
        if (sym == 256) {
            z->state = z->last ? ST_DONE : ST_HEADER;
            return 0;
        }
        if (sym > 285) {
            return LB_E_CORRUPT;
        }
        z->left = (uint16_t)len_base(sym - 257u, &extra);
        if ((r = take(s, extra, &v)) != 0) {
            return r;
        }
        z->left = (uint16_t)(z->left + v);
        z->state = ST_DIST;
        return 0;
    case ST_DIST:
        if ((r = decode(s, z->dist.count, z->dist.symbol, &sym)) != 0) {
            return r;
        }
        if (sym > 29) {
            return LB_E_CORRUPT;
        }
        z->dsym = (uint16_t)sym;
        z->state = ST_DEXTRA;
        return 0;
    default: { /* ST_DEXTRA */
        uint32_t d = dist_base(z->dsym, &extra);
        if ((r = take(s, extra, &v)) != 0) {
            return r;
        }
        z->state = ST_SYM;
        return copy(z, d + v, z->left);
    }
    }
}

int lb_inflate_init(lb_inflate_t *z, const lb_inflate_io_t *io, uint32_t out_max)
{
    if (z == NULL || io == NULL || io->write == NULL || io->read == NULL) {
        return LB_E_INVAL;
    }
    memset(z, 0, sizeof *z);
    z->io = *io;
    z->out_max = out_max;
    z->state = ST_HEADER;
    return 0;
}

int lb_inflate_update(lb_inflate_t *z, const uint8_t *in, size_t n)
{
    if (z->err != 0) {
        return z->err;
    }
    int r = 0;
    for (;;) {
        if (z->state == ST_COPY && z->nbits == 0 && n > 0) {
            /* The bulk of a stored block: straight from the input. */
            size_t k = n < z->left ? n : z->left;
            r = flush(z);
            if (r == 0) {
                r = put(z, in, k);
            }
            in += k;
            n -= k;
            z->left = (uint16_t)(z->left - k);
            if (z->left == 0) {
                z->state = z->last ? ST_DONE : ST_HEADER;
            }
            if (r != 0) {
                break;
            }
            continue;
        }
        while (z->nbits <= 24 && n > 0) {
            z->bits |= (uint32_t)*in++ << z->nbits;
            z->nbits = (uint8_t)(z->nbits + 8u);
            n--;
        }
        if (z->state == ST_DONE) {
            /* Only the last byte's padding may follow the final block. */
            r = n > 0 || z->nbits >= 8 ? LB_E_TRAILING : 0;
            break;
        }
        bits_t s = {z->bits, z->nbits};
        r = step(z, &s);
        if (r == MORE) {
            r = 0;
            if (n == 0) {
                break; /* the rest of this step comes with the next input */
            }
            continue;
        }
        if (r != 0) {
            break;
        }
        z->bits = s.b;
        z->nbits = (uint8_t)s.n;
    }
    if (r == 0) {
        r = flush(z);
    }
    z->err = r;
    return r;
}

int lb_inflate_finish(lb_inflate_t *z, uint32_t *out_len)
{
    if (z->err != 0) {
        return z->err;
    }
    if (z->state != ST_DONE) {
        z->err = LB_E_TRUNCATED;
        return z->err;
    }
    if (out_len != NULL) {
        *out_len = z->out;
    }
    return 0;
}
