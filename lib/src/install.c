#include "lb/install.h"

#include <string.h>

#include "lb/config.h"
#include "lb/crc32.h"
#include "lb/endian.h"
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

/* How received bytes are taken: as the plain image; the first header
 * bytes, which say (lb_install_set_deflate); a compressed image's. */
enum { M_PLAIN, M_SNIFF, M_DEFLATE };

/* ---- the resume record (docs/SPEC.md, "Resume record") ---- */

int lb_install_rec_check(const uint8_t *fixed, const uint8_t *head, uint32_t head_len,
                         const lb_install_id_t *id)
{
    if (lb_get_le32(fixed) != LB_INSTALL_REC_MAGIC) {
        return LB_E_MAGIC;
    }
    if (lb_get_le16(fixed + 4) != LB_INSTALL_REC_VERSION) {
        return LB_E_VERSION;
    }
    uint32_t crc = lb_crc32(lb_crc32(0, fixed, 48), head, head_len);
    if (lb_get_le16(fixed + 6) != head_len || lb_get_le32(fixed + 12) != 0 ||
        lb_get_le32(fixed + 48) != crc) {
        return LB_E_CORRUPT;
    }
    if (lb_get_le32(fixed + 8) != id->size || memcmp(fixed + 16, id->sha256, 32) != 0) {
        return LB_E_MISMATCH;
    }
    return 0;
}

/* Sets ctx->rec_off to the slot's last erase unit and stores its size.
 * Returns 0 or LB_E_RANGE. */
static int rec_unit(lb_install_t *ctx, uint32_t *unit)
{
    return lb_flash_area_unit(&ctx->area, ctx->area.size - 1u, &ctx->rec_off, unit);
}

/* Whether a download of `size` bytes leaves room for the record and its
 * markers (sets rec_off and marks_off): the image ends before the last
 * unit, and a marker for every unit it spans fits after the head copy. */
static bool rec_place(lb_install_t *ctx, uint32_t size)
{
    const lb_flash_area_t *a = &ctx->area;
    uint32_t unit;
    if (rec_unit(ctx, &unit) != 0 || size == 0 || lb_flash_area_align(a, size) > ctx->rec_off) {
        return false;
    }
    ctx->marks_off = ctx->rec_off + lb_flash_area_align(a, LB_INSTALL_REC_FIXED) + ctx->head_len;
    uint32_t units = 0, start = 0, usize;
    while (start < size && lb_flash_area_unit(a, start, NULL, &usize) == 0) {
        start += usize;
        units++;
    }
    return ctx->marks_off - ctx->rec_off + (uint64_t)units * a->geom->program_size <= unit;
}

/* Programs the record once the held-back unit is known (ctx->head). The
 * writer's buffer is empty at that point and pads the fixed part. */
static int rec_write(lb_install_t *ctx)
{
    uint8_t *b = ctx->w.pend;
    uint32_t n = lb_flash_area_align(&ctx->area, LB_INSTALL_REC_FIXED);
    memset(b, ctx->area.geom->erased, n);
    lb_put_le32(b, LB_INSTALL_REC_MAGIC);
    lb_put_le16(b + 4, LB_INSTALL_REC_VERSION);
    lb_put_le16(b + 6, (uint16_t)ctx->head_len);
    lb_put_le32(b + 8, ctx->id.size);
    lb_put_le32(b + 12, 0);
    memcpy(b + 16, ctx->id.sha256, 32);
    lb_put_le32(b + 48, lb_crc32(lb_crc32(0, b, 48), ctx->head, ctx->head_len));
    /* The head copy first: the fixed part's CRC covers it, so a cut
     * between the two leaves no record. */
    int err = lb_flash_area_program(&ctx->area, ctx->rec_off + n, ctx->head, ctx->head_len);
    if (err == 0) {
        err = lb_flash_area_program(&ctx->area, ctx->rec_off, b, n);
    }
    return err;
}

/* Marks every unit the writer has completed (programmed to its end, the
 * download going on after it). A marker is any programmed unit (the head's
 * first bytes, never all erased): its program starts only after its unit's
 * last, so even a torn one means complete. */
static int rec_mark(lb_install_t *ctx)
{
    uint32_t ps = ctx->area.geom->program_size;
    while (ctx->mark_end <= ctx->w.pos && ctx->mark_end < ctx->id.size) {
        int err =
            lb_flash_area_program(&ctx->area, ctx->marks_off + ctx->mark_next * ps, ctx->head, ps);
        uint32_t usize = 0;
        if (err == 0) {
            err = lb_flash_area_unit(&ctx->area, ctx->mark_end, NULL, &usize);
        }
        if (err != 0) {
            return err;
        }
        ctx->mark_next++;
        ctx->mark_end += usize;
    }
    return 0;
}

static int begin(lb_install_t *ctx, lb_bootstate_log_t *log, const lb_flash_area_t *area,
                 const lb_image_policy_t *policy, unsigned slot)
{
    if (ctx == NULL) {
        return LB_E_INVAL;
    }
    ctx->active = false;
    ctx->resumable = false;
    ctx->replay_end = 0;
    if (log == NULL || area == NULL || policy == NULL || slot >= LB_BOOTSTATE_SLOTS) {
        return LB_E_INVAL;
    }
    ctx->log = log;
    ctx->policy = policy;
    ctx->zw = NULL;
    ctx->mode = M_PLAIN;
    ctx->area = *area;
    ctx->slot = slot;
    ctx->done = 0;
    ctx->wpos = 0;
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
    return err;
}

static int begin_common(lb_install_t *ctx, lb_bootstate_log_t *log, const lb_flash_area_t *area,
                        const lb_image_policy_t *policy, unsigned slot, const lb_install_id_t *id)
{
    int err = begin(ctx, log, area, policy, slot);
    if (err == 0) {
        /* Nothing may trust the slot from here on. */
        err = lb_bootstate_install_begin(log, slot);
    }
    uint32_t unit = 0;
    if (err == 0) {
        err = rec_unit(ctx, &unit);
    }
    /* A record there describes bytes about to change (a one-unit slot has
     * none: the writer erases its unit anyway). */
    if (err == 0 && ctx->rec_off != 0 &&
        lb_flash_area_is_erased(&ctx->area, ctx->rec_off, unit) != 1) {
        err = lb_flash_area_erase(&ctx->area, ctx->rec_off, unit);
    }
    if (err != 0) {
        return err;
    }
    if (LB_CFG_INSTALL_RESUME && id != NULL && rec_place(ctx, id->size)) {
        ctx->resumable = true;
        ctx->id = *id;
        ctx->mark_next = 0;
        err = lb_flash_area_unit(&ctx->area, 0, NULL, &ctx->mark_end);
        if (err != 0) {
            return err;
        }
    }
    ctx->active = true;
    return 0;
}

int lb_install_begin(lb_install_t *ctx, lb_bootstate_log_t *log, const lb_flash_area_t *area,
                     const lb_image_policy_t *policy, unsigned slot)
{
    return begin_common(ctx, log, area, policy, slot, NULL);
}

int lb_install_begin_id(lb_install_t *ctx, lb_bootstate_log_t *log, const lb_flash_area_t *area,
                        const lb_image_policy_t *policy, unsigned slot, const lb_install_id_t *id)
{
    return begin_common(ctx, log, area, policy, slot, id);
}

int lb_install_resume(lb_install_t *ctx, lb_bootstate_log_t *log, const lb_flash_area_t *area,
                      const lb_image_policy_t *policy, unsigned slot, const lb_install_id_t *id)
{
    if (id == NULL) {
        return LB_E_INVAL;
    }
    int err = begin(ctx, log, area, policy, slot);
    if (err != 0) {
        return err;
    }
    if (!LB_CFG_INSTALL_RESUME) {
        return LB_E_NOTFOUND;
    }
    const lb_flash_area_t *a = &ctx->area;
    uint32_t ps = a->geom->program_size;
    uint8_t fixed[LB_INSTALL_REC_FIXED];
    if (lb_bootstate_get(log)->slots[slot].state != LB_SLOT_EMPTY || !rec_place(ctx, id->size)) {
        return LB_E_NOTFOUND;
    }
    err = lb_flash_area_read(a, ctx->rec_off, fixed, sizeof fixed);
    if (err == 0) {
        err = lb_flash_area_read(a, ctx->rec_off + lb_flash_area_align(a, LB_INSTALL_REC_FIXED),
                                 ctx->head, ctx->head_len);
    }
    if (err != 0) {
        return err;
    }
    if (lb_install_rec_check(fixed, ctx->head, ctx->head_len, id) != 0) {
        return LB_E_NOTFOUND;
    }
    /* The complete units: each marker that is not erased. */
    uint32_t n = 0, i = 0, usize = 0;
    for (;;) {
        err = lb_flash_area_unit(a, n, NULL, &usize);
        if (err != 0) {
            return err;
        }
        if (n + usize >= id->size) {
            break;
        }
        int erased = lb_flash_area_is_erased(a, ctx->marks_off + i * ps, ps);
        if (erased < 0) {
            return erased;
        }
        if (erased == 1) {
            break;
        }
        n += usize;
        i++;
    }
    /* What the rest of the install programs must be erased: the markers
     * from the first erased one on and the commit unit (only a corrupted
     * slot has anything there). */
    uint32_t unit = 0, from = ctx->marks_off + i * ps;
    if (n == 0 || rec_unit(ctx, &unit) != 0 ||
        lb_flash_area_is_erased(a, from, ctx->rec_off + unit - from) != 1 ||
        lb_flash_area_is_erased(a, 0, ctx->head_len) != 1) {
        return LB_E_NOTFOUND;
    }
    err = lb_flash_writer_init(&ctx->w, a, n);
    if (err != 0) {
        return err;
    }
    ctx->resumable = true;
    ctx->id = *id;
    ctx->mark_next = i;
    ctx->mark_end = n + usize;
    ctx->replay_end = n;
    ctx->active = true;
    return (int)n;
}

int lb_install_replay(lb_install_t *ctx, uint32_t max, lb_install_feed_fn feed, void *arg)
{
    if (!LB_CFG_INSTALL_RESUME || ctx == NULL || !ctx->active) {
        return LB_E_STATE;
    }
    /* The prefix again, through the verifier: its flash bytes are what the
     * rest is checked with. */
    int err = 0;
    const uint8_t *d = ctx->head;
    uint32_t len = ctx->head_len;
    while (err == 0 && ctx->wpos < ctx->replay_end && max > 0) {
        if (ctx->wpos != 0) {
            len = ctx->replay_end - ctx->wpos;
            len = len < sizeof ctx->w.pend ? len : (uint32_t)sizeof ctx->w.pend;
            len = len < max ? len : max;
            d = ctx->w.pend;
            err = lb_flash_area_read(&ctx->area, ctx->wpos, ctx->w.pend, len);
        }
        if (err == 0) {
            err = lb_image_stream_update(&ctx->vs, d, len);
        }
        if (err == 0 && feed != NULL) {
            feed(arg, d, len);
        }
        ctx->wpos += len;
        ctx->done = ctx->wpos;
        max = len < max ? max - len : 0;
    }
    if (err != 0) {
        ctx->active = false;
        return err;
    }
    return (int)(ctx->replay_end - ctx->wpos);
}

/* Bytes of the plain image: verified, the first head_len held back, the
 * rest programmed; wpos advances. Returns 0 or the error. */
static int plain(lb_install_t *ctx, const uint8_t *data, size_t len)
{
    int err = lb_image_stream_update(&ctx->vs, data, len);
    uint32_t total = lb_image_stream_total(&ctx->vs);
    if (err == 0 && total != 0 && len > total - ctx->wpos) {
        err = LB_E_TRAILING; /* the image ended inside this chunk */
    }
    size_t held = 0;
    if (err == 0 && ctx->wpos < ctx->head_len) {
        held = ctx->head_len - ctx->wpos < len ? ctx->head_len - ctx->wpos : len;
        memcpy(ctx->head + ctx->wpos, data, held);
        if (ctx->wpos + held == ctx->head_len) {
            if (LB_CFG_INSTALL_RESUME && ctx->resumable) {
                err = rec_write(ctx);
            }
            /* Erased, left for the commit; the writer goes on after it. */
            if (err == 0) {
                err = lb_flash_writer_skip(&ctx->w, ctx->head_len);
            }
        }
    }
    if (err == 0 && len > held) {
        err = lb_flash_writer_write(&ctx->w, data + held, len - held);
    }
    if (LB_CFG_INSTALL_RESUME && err == 0 && ctx->resumable) {
        err = rec_mark(ctx);
    }
    if (err == 0) {
        ctx->wpos += (uint32_t)len;
        if (ctx->mode != M_DEFLATE) {
            ctx->done = ctx->wpos; /* plain: what arrives is what is written */
        }
    }
    return err;
}

/* ---- compressed images (docs/SPEC.md, "Compressed images") ---- */

/* The inflater's output: the plain image. */
static int inflated(void *arg, const uint8_t *d, size_t n)
{
    return plain(arg, d, n);
}

/* Earlier output for a back-reference, wherever it is now: the held-back
 * head, the slot (programmed up to the writer's position), or the
 * writer's buffer. */
static int read_back(void *arg, uint32_t off, uint8_t *d, size_t n)
{
    lb_install_t *ctx = arg;
    int err = 0;
    while (err == 0 && n > 0) {
        size_t k = n;
        if (off < ctx->head_len) {
            k = ctx->head_len - off < n ? ctx->head_len - off : n;
            memcpy(d, ctx->head + off, k);
        } else if (off < ctx->w.pos) {
            k = ctx->w.pos - off < n ? ctx->w.pos - off : n;
            err = lb_flash_area_read(&ctx->area, off, d, k);
        } else {
            memcpy(d, ctx->w.pend + (off - ctx->w.pos), k);
        }
        off += (uint32_t)k;
        d += k;
        n -= k;
    }
    return err;
}

/* Received bytes of a compressed image: all verified as they arrive, the
 * body's inflated into the plain path. */
static int received(lb_install_t *ctx, const uint8_t *data, size_t len)
{
    lb_install_deflate_t *zw = ctx->zw;
    int err = lb_image_stream_update(&zw->outer, data, len);
    uint32_t total = lb_image_stream_total(&zw->outer);
    if (err == 0 && total != 0 && len > total - ctx->done) {
        err = LB_E_TRAILING;
    }
    /* The verifier checked the header's sizes before a body byte counts. */
    uint64_t b0 = lb_get_le16(zw->hdr + LB_IMAGE_OFF_HDR_SIZE);
    uint64_t b1 = b0 + lb_get_le32(zw->hdr + LB_IMAGE_OFF_IMG_SIZE);
    uint64_t s = ctx->done > b0 ? ctx->done : b0;
    uint64_t e = ctx->done + len < b1 ? ctx->done + len : b1;
    if (err == 0 && s < e) {
        err = lb_inflate_update(&zw->z, data + (s - ctx->done), (size_t)(e - s));
    }
    ctx->done += (uint32_t)len;
    return err;
}

/* The first header bytes decide: a plain image goes the plain path (those
 * bytes first), a compressed one is verified and inflated from here. */
static int sniffed(lb_install_t *ctx, const uint8_t *data, size_t len)
{
    lb_install_deflate_t *zw = ctx->zw;
    size_t k = LB_IMAGE_HEADER_SIZE - ctx->done < len ? LB_IMAGE_HEADER_SIZE - ctx->done : len;
    memcpy(zw->hdr + ctx->done, data, k);
    ctx->done += (uint32_t)k;
    if (ctx->done < LB_IMAGE_HEADER_SIZE) {
        return 0;
    }
    ctx->done = 0;
    int err;
    if (!(lb_get_le32(zw->hdr + LB_IMAGE_OFF_FLAGS) & LB_IMAGE_F_DEFLATE)) {
        ctx->mode = M_PLAIN;
        err = plain(ctx, zw->hdr, LB_IMAGE_HEADER_SIZE);
        return err == 0 ? plain(ctx, data + k, len - k) : err;
    }
    ctx->mode = M_DEFLATE;
    ctx->resumable = false; /* its prefix could not be rebuilt from the slot */
    zw->policy = *ctx->policy;
    zw->policy.accept_deflate = true;
    lb_inflate_io_t io = {inflated, read_back, ctx};
    err = lb_image_stream_init(&zw->outer, &zw->policy);
    if (err == 0) {
        err = lb_inflate_init(&zw->z, &io, ctx->area.size);
    }
    if (err == 0) {
        err = received(ctx, zw->hdr, LB_IMAGE_HEADER_SIZE);
    }
    if (err == 0) {
        err = received(ctx, data + k, len - k);
    }
    return err;
}

int lb_install_set_deflate(lb_install_t *ctx, lb_install_deflate_t *zw)
{
    if (!LB_CFG_INSTALL_DEFLATE) {
        return LB_E_UNSUPPORTED;
    }
    if (ctx == NULL || !ctx->active || ctx->done != 0 || ctx->replay_end != 0) {
        return LB_E_STATE;
    }
    if (zw == NULL || ctx->policy->accept_deflate) {
        return LB_E_INVAL;
    }
    ctx->zw = zw;
    ctx->mode = M_SNIFF;
    return 0;
}

int lb_install_write(lb_install_t *ctx, const uint8_t *data, size_t len)
{
    if (ctx == NULL || !ctx->active || (LB_CFG_INSTALL_RESUME && ctx->wpos < ctx->replay_end)) {
        return LB_E_STATE;
    }
    int err;
    if (LB_CFG_INSTALL_DEFLATE && ctx->mode == M_SNIFF) {
        err = sniffed(ctx, data, len);
    } else if (LB_CFG_INSTALL_DEFLATE && ctx->mode == M_DEFLATE) {
        err = received(ctx, data, len);
    } else {
        err = plain(ctx, data, len);
    }
    if (err != 0) {
        ctx->active = false;
    }
    return err;
}

int lb_install_finish(lb_install_t *ctx, lb_image_info_t *info)
{
    if (ctx == NULL || !ctx->active || (LB_CFG_INSTALL_RESUME && ctx->wpos < ctx->replay_end)) {
        return LB_E_STATE;
    }
    ctx->active = false;
    lb_image_info_t local;
    if (info == NULL) {
        info = &local;
    }
    int err;
    if (LB_CFG_INSTALL_DEFLATE && ctx->mode == M_DEFLATE) {
        /* Both images' checks (two signatures), the stream's end, and the
         * plain image being the one the compressed image names. */
        lb_image_info_t in;
        uint32_t n = 0;
        err = lb_image_stream_finish(&ctx->zw->outer, info);
        if (err == 0) {
            err = lb_inflate_finish(&ctx->zw->z, &n);
        }
        if (err == 0) {
            err = lb_image_stream_finish(&ctx->vs, &in);
        }
        if (err == 0) {
            err = lb_image_deflated_agrees(info, &in, in.file_hash, n);
        }
    } else {
        err = lb_image_stream_finish(&ctx->vs, info);
    }
    if (err == 0 && ctx->accept != NULL) {
        err = ctx->accept(ctx->accept_arg, info);
    }
    if (err == 0) {
        /* The tail, padded to the program size with the erased value. */
        err = lb_flash_writer_finish(&ctx->w);
    }
    if (err == 0 && ctx->wpos < ctx->head_len) {
        /* An image shorter than one program unit: pad the held unit. */
        memset(ctx->head + ctx->wpos, ctx->area.geom->erased, ctx->head_len - ctx->wpos);
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
