/* libFuzzer target for lb/http_resp.h: an answer head fed whole and fed
 * in the chunk size the first byte picks reads the same (status, lengths,
 * range, where the body starts), and never past its input. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lb/http_resp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run(lb_http_resp_t *r, const uint8_t *d, size_t n, size_t step, size_t *body)
{
    lb_http_resp_init(r);
    size_t off = 0;
    while (off < n && !r->done) {
        size_t k = n - off < step ? n - off : step;
        int rc = lb_http_resp_feed(r, d + off, k);
        if (rc < 0) {
            return rc;
        }
        if ((size_t)rc > k || (rc < (int)k && !r->done)) {
            abort(); /* takes everything until the head ends, never more */
        }
        off += (size_t)rc;
    }
    *body = off;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    size_t step = (size_t)data[0] % 17u + 1u;
    data++;
    size--;
    uint8_t *copy = malloc(size ? size : 1); /* exact size: ASan sees over-reads */
    if (copy == NULL) {
        return 0;
    }
    memcpy(copy, data, size);
    lb_http_resp_t a, b;
    size_t ba = 0, bb = 0;
    int ra = run(&a, copy, size, size ? size : 1, &ba);
    int rb = run(&b, copy, size, step, &bb);
    if (ra != rb ||
        (ra == 0 &&
         (a.done != b.done || a.status != b.status || ba != bb || a.has_length != b.has_length ||
          a.length != b.length || a.chunked != b.chunked || a.has_range != b.has_range ||
          a.range_first != b.range_first || a.range_total != b.range_total))) {
        abort();
    }
    if (ra == 0 && a.has_range && (a.range_first > a.range_last || a.range_last >= a.range_total)) {
        abort();
    }
    free(copy);
    return 0;
}
