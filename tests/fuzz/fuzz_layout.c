/* Fuzz: layout YAML -> validated layout -> table -> encode -> decode.
 * Whatever the bytes, the reader must not crash, and every layout it
 * accepts must (1) pass the loader's own lb_ptable_check, (2) survive an
 * encode/decode round trip unchanged, and (3) render every output. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "emit.h"
#include "layout.h"
#include "lb/err.h"
#include "lb/ptable.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static lb_layout_t layout;
static lb_diag_t diag;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lb_diag_init(&diag, "fuzz.yaml");
    unsigned errs = lb_layout_parse(&layout, (const char *)data, size, "fuzz.yaml", &diag);
    if (errs != diag.count || (errs == 0) != (diag.stored == 0)) {
        abort(); /* the error count must match what was reported */
    }
    for (unsigned i = 0; i < diag.stored; i++) {
        /* Only layout.c writes this prefix (quoted input never starts a
         * message), and only when the table fails lb_ptable_check. */
        static const char bug[] = "partitions: internal error";
        if (strncmp(diag.entries[i].msg, bug, sizeof(bug) - 1) == 0) {
            abort(); /* the validator let through what lb_ptable_check refuses */
        }
    }
    lb_diag_free(&diag);
    if (errs) {
        return 0;
    }

    lb_ptable_t t, back;
    uint8_t buf[LB_PTABLE_MAX_SIZE];
    lb_layout_to_ptable(&layout, &t);
    if (lb_ptable_check(&t, NULL) != LB_OK) {
        abort(); /* validator accepted what the loader refuses */
    }
    int n = lb_ptable_encode(&t, buf, sizeof(buf));
    if (n <= 0 || (size_t)n != lb_ptable_encoded_size(&t)) {
        abort();
    }
    if (lb_ptable_decode(&back, buf, (size_t)n) != LB_OK) {
        abort();
    }
    if (memcmp(&back.geom, &t.geom, sizeof(t.geom)) != 0 || back.count != t.count) {
        abort();
    }
    for (unsigned i = 0; i < t.count; i++) {
        const lb_part_t *a = &t.parts[i], *b = &back.parts[i];
        if (memcmp(a->name, b->name, LB_PTABLE_NAME_LEN) != 0 || a->type != b->type ||
            a->slot != b->slot || a->offset != b->offset || a->size != b->size) {
            abort();
        }
    }

    lb_outputs_t o;
    if (lb_emit_all(&layout, LB_EXPORT_ESP_IDF_CSV | LB_EXPORT_ZEPHYR_DTS, &o) != LB_OK) {
        abort();
    }
    lb_outputs_free(&o);
    return 0;
}
