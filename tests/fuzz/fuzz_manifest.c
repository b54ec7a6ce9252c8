/* libFuzzer target for the update manifest reader (lib/src/manifest.c) and
 * the JSON reader under it. Any text: no crash, no read past the NUL, an
 * answer from the documented set; whatever is accepted is within the
 * limits, and writing the accepted entries back (lb_manifest_write) gives
 * a manifest that reads back to the same entries. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lb/err.h"
#include "lb/manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_entry(const lb_manifest_entry_t *e, uint8_t kind, const char *product)
{
    size_t ul = strlen(e->url), pl = strlen(product);
    if (e->kind != kind || e->size == 0 || ul == 0 || ul > LB_MANIFEST_URL_MAX || pl == 0 ||
        pl > LB_IMAGE_PRODUCT_MAX) {
        abort();
    }
    for (size_t i = 0; i < ul; i++) {
        if (e->url[i] <= ' ' || e->url[i] > '~') {
            abort();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > LB_MANIFEST_MAX_SIZE + 16u) {
        return 0;
    }
    /* An exact-size copy, so ASan sees any read past the terminating NUL. */
    char *text = malloc(size + 1);
    if (text == NULL) {
        return 0;
    }
    memcpy(text, data, size);
    text[size] = '\0';
    lb_manifest_entry_t got[2];
    char product[2][LB_IMAGE_PRODUCT_MAX + 1];
    size_t n = 0;
    for (uint8_t kind = LB_IMAGE_KIND_APP; kind <= LB_IMAGE_KIND_RECOVERY; kind++) {
        int rc = lb_manifest_read(text, size, kind, &got[n], product[n]);
        if (rc != 0 && rc != LB_E_RANGE && rc != LB_E_CORRUPT && rc != LB_E_VERSION &&
            rc != LB_E_NOSPACE && rc != LB_E_NOTFOUND) {
            abort();
        }
        if (rc == 0) {
            check_entry(&got[n], kind, product[n]);
            if (n == 1 && strcmp(product[0], product[1]) != 0) {
                abort(); /* one manifest, one product */
            }
            n++;
        }
    }
    if (n > 0) {
        static char again[LB_MANIFEST_MAX_SIZE + 1];
        int len = lb_manifest_write(again, sizeof again, product[0], got, n);
        if (len < 0 && len != LB_E_NOSPACE) {
            abort(); /* what was read can be written */
        }
        for (size_t i = 0; len > 0 && i < n; i++) {
            lb_manifest_entry_t e;
            char p[LB_IMAGE_PRODUCT_MAX + 1];
            if (lb_manifest_read(again, (size_t)len, got[i].kind, &e, p) != 0 ||
                memcmp(&e, &got[i], sizeof e) != 0 || strcmp(p, product[0]) != 0) {
                abort();
            }
        }
    }
    free(text);
    return 0;
}
