/* Compressed images (docs/SPEC.md, "Compressed images"): the checks that
 * tie the image a compressed one inflates to to what the compressed one
 * says, and a whole-buffer verifier for the host tool and the tests. The
 * installer streams the same steps (lb/install.h). */
#include <string.h>

#include "lb/err.h"
#include "lb/image.h"
#include "lb/inflate.h"

int lb_image_deflated_agrees(const lb_image_info_t *outer, const lb_image_info_t *inner,
                             const uint8_t inner_sha256[LB_IMAGE_HASH_SIZE], uint32_t inner_len)
{
    if (inner_len != outer->decomp_size || inner->total_size != inner_len) {
        return LB_E_SIZE;
    }
    if (memcmp(inner_sha256, outer->decomp_hash, LB_IMAGE_HASH_SIZE) != 0) {
        return LB_E_HASH;
    }
    if ((inner->flags & LB_IMAGE_F_DEFLATE) || inner->load_addr != outer->load_addr ||
        !lb_image_version_same(&inner->version, &outer->version) || inner->kind != outer->kind ||
        /* Both zero-filled past the id (the verifier clears its info). */
        memcmp(inner->product, outer->product, sizeof inner->product) != 0 ||
        inner->has_security_counter != outer->has_security_counter ||
        inner->security_counter != outer->security_counter) {
        return LB_E_MISMATCH;
    }
    return 0;
}

typedef struct {
    uint8_t *buf;
    size_t len;
} ram_t;

static int ram_write(void *arg, const uint8_t *d, size_t n)
{
    ram_t *r = arg;
    memcpy(r->buf + r->len, d, n); /* bounded by the inflater's out_max */
    r->len += n;
    return 0;
}

static int ram_read(void *arg, uint32_t off, uint8_t *d, size_t n)
{
    ram_t *r = arg;
    memcpy(d, r->buf + off, n);
    return 0;
}

int lb_image_verify_deflated(const uint8_t *image, size_t len, const lb_image_policy_t *policy,
                             uint8_t *out, size_t cap, size_t *inner_len, lb_image_info_t *outer,
                             lb_image_info_t *inner)
{
    lb_image_info_t o, i;
    memset(&i, 0, sizeof i);
    if (policy == NULL || inner_len == NULL || (out == NULL && cap != 0)) {
        return LB_E_INVAL;
    }
    *inner_len = 0;
    lb_image_policy_t p = *policy;
    p.accept_deflate = true;
    int err = lb_image_verify(image, len, &p, &o);
    if (err == 0 && (o.flags & LB_IMAGE_F_DEFLATE)) {
        static lb_inflate_t z;
        ram_t r = {out, 0};
        lb_inflate_io_t io = {ram_write, ram_read, &r};
        uint32_t n = 0;
        err = o.decomp_size > cap ? LB_E_RANGE : lb_inflate_init(&z, &io, o.decomp_size);
        if (err == 0) {
            err = lb_inflate_update(&z, image + o.hdr_size, o.img_size);
        }
        if (err == 0) {
            err = lb_inflate_finish(&z, &n);
        }
        p.accept_deflate = false;
        if (err == 0) {
            err = lb_image_verify(out, n, &p, &i);
        }
        if (err == 0) {
            err = lb_image_deflated_agrees(&o, &i, i.file_hash, n);
        }
        if (err == 0) {
            *inner_len = n;
        }
    }
    if (outer != NULL) {
        *outer = o;
    }
    if (inner != NULL) {
        *inner = i;
    }
    return err;
}
