#include "lb/install.h"

#include <string.h>

#include "lb/err.h"

unsigned lb_install_pick_slot(const lb_bootstate_t *s, unsigned slot_count, const bool *bootable)
{
    if (slot_count < 2) {
        return 0;
    }
    if (bootable[0] != bootable[1]) {
        return bootable[0] ? 1u : 0u;
    }
    bool conf0 = s->slots[0].state == LB_SLOT_CONFIRMED;
    bool conf1 = s->slots[1].state == LB_SLOT_CONFIRMED;
    if (conf0 != conf1) {
        return conf0 ? 1u : 0u;
    }
    /* Both or neither known good: keep the one the loader boots next. */
    return s->active_slot == 1 ? 0u : 1u;
}

int lb_install_begin(lb_install_t *ctx, lb_bootstate_log_t *log, const lb_flash_area_t *area,
                     const lb_image_policy_t *policy, unsigned slot)
{
    if (ctx == NULL) {
        return LB_E_INVAL;
    }
    ctx->active = false;
    if (log == NULL || area == NULL || policy == NULL || slot >= LB_BOOTSTATE_SLOTS) {
        return LB_E_INVAL;
    }
    ctx->log = log;
    ctx->area = *area;
    ctx->slot = slot;
    ctx->done = 0;
    int err = lb_image_stream_init(&ctx->vs, policy);
    if (err == 0) {
        err = lb_flash_writer_init(&ctx->w, &ctx->area, 0);
    }
    if (err == 0) {
        /* Nothing may trust the slot from here on. */
        err = lb_bootstate_install_begin(log, slot);
    }
    if (err != 0) {
        return err;
    }
    ctx->active = true;
    return 0;
}

int lb_install_write(lb_install_t *ctx, const uint8_t *data, size_t len)
{
    if (ctx == NULL || !ctx->active) {
        return LB_E_STATE;
    }
    int err = lb_image_stream_update(&ctx->vs, data, len);
    if (err == 0) {
        err = lb_flash_writer_write(&ctx->w, data, len);
    }
    if (err != 0) {
        ctx->active = false;
        return err;
    }
    ctx->done += (uint32_t)len;
    return 0;
}

int lb_install_finish(lb_install_t *ctx, lb_image_info_t *info)
{
    if (ctx == NULL || !ctx->active) {
        return LB_E_STATE;
    }
    ctx->active = false;
    lb_image_info_t local;
    if (info == NULL) {
        info = &local;
    }
    int err = lb_image_stream_finish(&ctx->vs, info);
    if (err == 0) {
        /* The tail, padded to the program size with the erased value. */
        err = lb_flash_writer_finish(&ctx->w);
    }
    if (err == 0) {
        err =
            lb_bootstate_install_done(ctx->log, ctx->slot, &info->version, info->security_counter);
    }
    return err;
}

void lb_install_abort(lb_install_t *ctx)
{
    /* The slot was marked empty before the first erase: leaving it so is
     * all an abort needs. */
    if (ctx != NULL) {
        ctx->active = false;
    }
}
