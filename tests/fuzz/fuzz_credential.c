/* Fuzzes the credential record decoder, the log scan, the form of POST
 * /api/credential and the opening of its sealed HA1: the input is taken as
 * one record, as the contents of a two-unit credential area (1 KiB units,
 * program size 4) and as a form. Nothing may crash or break a NOR rule
 * (the host board aborts); a decoded record must re-encode to the same
 * bytes, after whatever was found a store must win, and a sealed value
 * made by no one opens only if it is what lb_cred_seal makes. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "auth/cred_form.h"
#include "host_board.h"
#include "lb/credential.h"
#include "lb/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool init;
    static lb_geom_t g = {
        .size = 2048, .program_size = 4, .erased = 0xFF, .region_count = 1, .regions = {{2, 1024}}};
    if (!init) {
        host_board_setup(&g);
        host_flash_set_strict(true);
        init = true;
    }
    lb_cred_t c, d;
    const char *why = NULL;
    uint8_t sealed[LB_CRED_SEALED_SIZE];
    if (lb_cred_form_parse((const char *)data, size, "lifeboat", &c, sealed, &why) == LB_OK) {
        /* whatever the form gave must be storable once opened... */
        uint8_t buf[LB_CRED_RECORD_SIZE];
        if (lb_cred_encode(&c, buf, sizeof buf, 0xFF) != LB_CRED_RECORD_SIZE) {
            __builtin_trap();
        }
        /* ...and it opens exactly when it is the seal of what it opens to */
        static const uint8_t cur[LB_CRED_HA1_SIZE] = {1, 2, 3};
        int rc = lb_cred_unseal(cur, "nonce", "cnonce", &c, sealed);
        uint8_t again[LB_CRED_SEALED_SIZE];
        if ((rc != LB_OK && rc != LB_E_AUTH) ||
            (rc == LB_OK && (lb_cred_seal(cur, "nonce", "cnonce", &c, again) != LB_OK ||
                             memcmp(again, sealed, sizeof again) != 0))) {
            __builtin_trap();
        }
    } else if (why == NULL) {
        __builtin_trap();
    }
    if (lb_cred_decode(&c, data, size) == LB_OK) {
        uint8_t buf[LB_CRED_RECORD_SIZE];
        if (lb_cred_encode(&c, buf, sizeof buf, 0xFF) != LB_CRED_RECORD_SIZE ||
            memcmp(buf, data, sizeof buf) != 0) {
            __builtin_trap();
        }
    }
    uint8_t *m = host_flash_mem();
    memset(m, g.erased, g.size);
    memcpy(m, data, size < g.size ? size : g.size);
    lb_flash_area_t fa;
    if (lb_flash_area_init(&fa, &g, 0, g.size) != LB_OK) {
        __builtin_trap();
    }
    int had = lb_cred_load(&fa, &c);
    if (had != LB_OK && had != LB_E_NOTFOUND) {
        __builtin_trap();
    }
    d = (lb_cred_t){.user = "fuzz", .realm = "lifeboat"};
    int rc = lb_cred_store(&fa, &d);
    if (rc == LB_OK) {
        lb_cred_t again;
        if (lb_cred_load(&fa, &again) != LB_OK || again.seq != d.seq ||
            strcmp(again.user, "fuzz") != 0 || (had == LB_OK && again.seq != c.seq + 1)) {
            __builtin_trap();
        }
    } else if (!(rc == LB_E_NOSPACE && had == LB_OK && c.seq == UINT32_MAX)) {
        __builtin_trap();
    }
    return 0;
}
