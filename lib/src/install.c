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
    ctx->accept = NULL;
    ctx->accept_arg = NULL;
    /* The commit unit holds at least the whole magic: an unprogrammed one
     * reads as the erased value, which no magic byte is. */
    uint32_t ps = area->geom->program_size;
    ctx->head_len = (4u + ps - 1u) / ps * ps;
    if (ctx->head_len > sizeof ctx->head) {
        return LB_E_INVAL;
    }
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
    uint32_t total = lb_image_stream_total(&ctx->vs);
    if (err == 0 && total != 0 && len > total - ctx->done) {
        err = LB_E_TRAILING; /* the image ended inside this chunk */
    }
    size_t held = 0;
    if (err == 0 && ctx->done < ctx->head_len) {
        held = ctx->head_len - ctx->done < len ? ctx->head_len - ctx->done : len;
        memcpy(ctx->head + ctx->done, data, held);
        if (ctx->done + held == ctx->head_len) {
            /* Erased, left for the commit; the writer goes on after it. */
            err = lb_flash_writer_skip(&ctx->w, ctx->head_len);
        }
    }
    if (err == 0 && len > held) {
        err = lb_flash_writer_write(&ctx->w, data + held, len - held);
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
    if (err == 0 && ctx->accept != NULL) {
        err = ctx->accept(ctx->accept_arg, info);
    }
    if (err == 0) {
        /* The tail, padded to the program size with the erased value. */
        err = lb_flash_writer_finish(&ctx->w);
    }
    if (err == 0 && ctx->done < ctx->head_len) {
        /* An image shorter than one program unit: pad the held unit. */
        memset(ctx->head + ctx->done, ctx->area.geom->erased, ctx->head_len - ctx->done);
        err = lb_flash_writer_skip(&ctx->w, ctx->head_len);
    }
    if (err == 0) {
        err =
            lb_bootstate_install_done(ctx->log, ctx->slot, &info->version, info->security_counter);
    }
    if (err == 0) {
        /* The commit: from this program on the slot verifies. */
        err = lb_flash_area_program(&ctx->area, 0, ctx->head, ctx->head_len);
        if (err != 0) {
            (void)lb_bootstate_install_begin(ctx->log, ctx->slot); /* best effort */
        }
    }
    return err;
}

int lb_install_set_accept(lb_install_t *ctx, lb_install_accept_fn fn, void *arg)
{
    if (ctx == NULL || !ctx->active) {
        return LB_E_STATE;
    }
    ctx->accept = fn;
    ctx->accept_arg = arg;
    return 0;
}

void lb_install_abort(lb_install_t *ctx)
{
    /* The slot was marked empty before the first erase: leaving it so is
     * all an abort needs. */
    if (ctx != NULL) {
        ctx->active = false;
    }
}
