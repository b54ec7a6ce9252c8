#include "status.h"

#include "auth/digest.h"
#include "cred_store.h"
#include "http/http.h"
#include "lb/board.h"
#include "lb/bootinfo.h"
#include "lb/bootstate.h"
#include "lb/err.h"
#include "lb/seed.h"
#include "lb_app.h"
#include "partitions.h"
#include "stack.h"
#include "update.h"

static void version(lb_out_t *o, const lb_image_version_t *v)
{
    lb_out_str(o, "\"");
    lb_out_version(o, v, true);
    lb_out_str(o, "\"");
}

static void field(lb_out_t *o, const char *name, uint32_t v)
{
    lb_out_str(o, ",\"");
    lb_out_str(o, name);
    lb_out_str(o, "\":");
    lb_out_u32(o, v);
}

static uint8_t entropy;

void lb_status_set_entropy(int flags)
{
    entropy = (uint8_t)flags;
}

size_t lb_status_json(char *buf, size_t cap)
{
    lb_out_t o;
    lb_out_init(&o, buf, cap);
    static lb_bootinfo_t bi_rec;
    const lb_bootinfo_t *bi = lb_bootinfo_read(&bi_rec) == LB_OK ? &bi_rec : NULL;
    lb_out_str(&o, "{\"product\":");
    lb_out_json_str(&o, LB_LAYOUT_PRODUCT);
    lb_out_str(&o, ",\"board\":");
    lb_out_json_str(&o, LB_LAYOUT_BOARD);
    lb_out_str(&o, ",\"mode\":\"recovery\",\"reason\":");
    lb_out_json_str(&o, bi ? lb_boot_reason_name(bi->reason) : "unknown");
    lb_out_str(&o, ",\"reset\":");
    lb_out_json_str(&o, lb_reset_cause_name((uint8_t)lb_board_reset_cause()));
    if (bi != NULL) {
        lb_out_str(&o, ",\"recovery_version\":");
        version(&o, &bi->image_version);
        /* Boot info packs it as major<<24 | minor<<16 | revision. */
        lb_image_version_t lv = {(uint8_t)(bi->loader_version >> 24),
                                 (uint8_t)(bi->loader_version >> 16), (uint16_t)bi->loader_version,
                                 0};
        lb_out_str(&o, ",\"loader_version\":");
        version(&o, &lv);
        field(&o, "boot_count", bi->boot_count);
    }
    field(&o, "uptime_ms", lb_board_millis());
    field(&o, "stack_peak", lb_stack_peak());
    field(&o, "stack_reserve", LB_RECOVERY_STACK_RESERVE);

    lb_bootstate_t s;
    int err = lb_app_bootstate(&s);
    if (err == 0) {
        field(&o, "unhealthy", s.unhealthy);
        field(&o, "min_security_counter", s.min_security_counter);
        lb_out_str(&o, ",\"active_slot\":");
        if (s.active_slot < LB_SLOT_COUNT) {
            lb_out_u32(&o, s.active_slot);
        } else {
            lb_out_str(&o, "null");
        }
        lb_out_str(&o, ",\"slots\":[");
        for (unsigned i = 0; i < LB_SLOT_COUNT && i < LB_BOOTSTATE_SLOTS; i++) {
            lb_out_str(&o, i ? ",{\"slot\":" : "{\"slot\":");
            lb_out_u32(&o, i);
            lb_out_str(&o, ",\"state\":");
            lb_out_json_str(&o, lb_slot_state_name(s.slots[i].state));
            lb_out_str(&o, ",\"version\":");
            version(&o, &s.slots[i].version);
            field(&o, "security_counter", s.slots[i].security_counter);
            field(&o, "attempts", s.slots[i].attempts);
            lb_out_str(&o, "}");
        }
        lb_out_str(&o, "]");
    } else {
        lb_out_str(&o, ",\"bootstate_error\":");
        lb_out_json_str(&o, lb_err_str(err));
    }

    unsigned slot = 0;
    uint32_t done = 0, total = 0;
    bool up = lb_update_active(&slot, &done, &total);
    lb_out_str(&o, ",\"upload\":{\"active\":");
    lb_out_str(&o, up ? "true" : "false");
    if (up) {
        field(&o, "slot", slot);
        field(&o, "received", done);
        field(&o, "total", total);
    }
    lb_out_str(&o, "}");

    lb_auth_stats_t as;
    lb_auth_stats(&as);
    lb_out_str(&o, ",\"auth\":{\"realm\":");
    lb_out_json_str(&o, lb_auth_realm());
    lb_out_str(&o, ",\"credential\":");
    lb_out_json_str(&o, lb_cred_store_is_device() ? "device" : "layout");
    field(&o, "ok", as.ok);
    field(&o, "failures", as.failures);
    field(&o, "lockouts", as.lockouts);
    field(&o, "stale_nonces", as.stale);
    field(&o, "throttled", as.throttled);
    /* What the nonce key was drawn from: the LB_SEED_F_* bits. */
    lb_out_str(&o, "}");
    field(&o, "entropy", entropy);
    lb_out_str(&o, "}\n");
    return o.overflow ? 0 : o.len;
}

/* recovery/page.html, gzip-compressed by the build (a third of the size):
 * plain HTML + JavaScript; the browser answers the Digest challenge itself
 * with the user/password given to XMLHttpRequest.open(). */
static const uint8_t page[] = {
#include "page.gz.inc"
};

const uint8_t *lb_status_page(size_t *len)
{
    *len = sizeof(page);
    return (const uint8_t *)page;
}
