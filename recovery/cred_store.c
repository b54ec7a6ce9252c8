#include "cred_store.h"

#include "auth/digest.h"
#include "http/http.h"
#include "lb/board.h"
#include "lb/err.h"
#include "partitions.h"

static bool from_device;

#ifdef LB_PART_CREDENTIAL_OFFSET
/* HA1 as the 64 hex digits the auth module takes. */
static void ha1_hex(const lb_cred_t *c, char out[65])
{
    lb_out_t o;
    lb_out_init(&o, out, 65);
    lb_out_hex(&o, c->ha1, LB_CRED_HA1_SIZE);
    lb_out_mem(&o, "", 1);
}

static int area(lb_flash_area_t *fa)
{
    return lb_flash_area_init(fa, lb_board_flash_geom(), LB_PART_CREDENTIAL_OFFSET,
                              LB_PART_CREDENTIAL_SIZE);
}
#endif

bool lb_cred_store_apply(void)
{
    from_device = false;
#ifdef LB_PART_CREDENTIAL_OFFSET
    lb_flash_area_t fa;
    lb_cred_t c;
    char hex[65];
    if (area(&fa) == LB_OK && lb_cred_load(&fa, &c) == LB_OK) {
        ha1_hex(&c, hex);
        from_device = lb_auth_set_credential(c.user, c.realm, hex) == 0;
    }
#endif
    return from_device;
}

int lb_cred_store_replace(lb_cred_t *c)
{
#ifdef LB_PART_CREDENTIAL_OFFSET
    lb_flash_area_t fa;
    int err = area(&fa);
    if (err == LB_OK) {
        err = lb_cred_store(&fa, c);
    }
    if (err == LB_OK) {
        char hex[65];
        ha1_hex(c, hex);
        err = lb_auth_set_credential(c->user, c->realm, hex);
        from_device = from_device || err == 0;
    }
    return err;
#else
    (void)c;
    return LB_E_UNSUPPORTED;
#endif
}

bool lb_cred_store_is_device(void)
{
    return from_device;
}
