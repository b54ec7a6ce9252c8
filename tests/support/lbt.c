#include "lbt.h"

#include <stdio.h>
#include <string.h>
#include <zlib.h>

#include "lb/err.h"
#include "lb/flash.h"
#include "lb/image.h"
#include "lb/install.h"
#include "keys.h"

int lbt_geom(const char *name, uint32_t program_size, uint8_t erased, bool program_once,
             lb_geom_t *g)
{
    memset(g, 0, sizeof *g);
    g->program_size = program_size;
    g->erased = erased;
    g->program_once = program_once;
    if (strcmp(name, "uniform4k") == 0) {
        g->region_count = 1;
        g->regions[0] = (lb_erase_region_t){16, 4096};
    } else if (strcmp(name, "stm32f4") == 0) {
        g->region_count = 3;
        g->regions[0] = (lb_erase_region_t){4, 16384};
        g->regions[1] = (lb_erase_region_t){1, 65536};
        g->regions[2] = (lb_erase_region_t){3, 131072};
    } else if (strcmp(name, "large128k") == 0) {
        g->region_count = 1;
        g->regions[0] = (lb_erase_region_t){8, 131072};
    } else {
        return -1;
    }
    for (unsigned i = 0; i < g->region_count; i++) {
        g->size += g->regions[i].count * g->regions[i].size;
    }
    return 0;
}

static void part(lb_ptable_t *t, const char *name, uint8_t type, uint8_t slot, uint32_t off,
                 uint32_t size)
{
    lb_part_t *p = &t->parts[t->count++];
    memset(p, 0, sizeof *p);
    snprintf(p->name, sizeof p->name, "%s", name);
    p->type = type;
    p->slot = slot;
    p->offset = off;
    p->size = size;
}

int lbt_device_init(lbt_device_t *d, const char *geom_name, uint32_t program_size, uint8_t erased,
                    bool program_once)
{
    return lbt_device_init_slots(d, geom_name, program_size, erased, program_once, 2);
}

int lbt_device_init_slots(lbt_device_t *d, const char *geom_name, uint32_t program_size,
                          uint8_t erased, bool program_once, unsigned slot_count)
{
    memset(d, 0, sizeof *d);
    if (slot_count < 1 || slot_count > 2) {
        return -1;
    }
    d->slot_count = slot_count;
    /* app_b's room: the second slot, or a data partition */
    const char *b_name = slot_count == 2 ? "app_b" : "spare";
    uint8_t b_type = slot_count == 2 ? LB_PART_APP : LB_PART_DATA;
    uint8_t b_slot = slot_count == 2 ? 1 : LB_PTABLE_SLOT_NONE;
    d->geom_name = geom_name;
    if (lbt_geom(geom_name, program_size, erased, program_once, &d->geom) != 0) {
        return -1;
    }
    lb_ptable_t *t = &d->table;
    t->geom = d->geom;
    const uint8_t N = LB_PTABLE_SLOT_NONE;
    if (strcmp(geom_name, "uniform4k") == 0) {
        const uint32_t K = 1024;
        part(t, "loader", LB_PART_LOADER, N, 0, 4 * K);
        part(t, "ptable", LB_PART_PTABLE, N, 4 * K, 4 * K);
        part(t, "bootstate", LB_PART_BOOTSTATE, N, 8 * K, 8 * K);
        part(t, "recovery", LB_PART_RECOVERY, N, 16 * K, 8 * K);
        part(t, "app_a", LB_PART_APP, 0, 24 * K, 16 * K);
        part(t, b_name, b_type, b_slot, 40 * K, 16 * K);
        part(t, "storage", LB_PART_DATA, N, 56 * K, 8 * K);
    } else if (strcmp(geom_name, "stm32f4") == 0) {
        const uint32_t K = 1024;
        part(t, "loader", LB_PART_LOADER, N, 0, 16 * K);
        part(t, "ptable", LB_PART_PTABLE, N, 16 * K, 16 * K);
        part(t, "recovery", LB_PART_RECOVERY, N, 32 * K, 16 * K);
        part(t, "bootstate", LB_PART_BOOTSTATE, N, 48 * K, 80 * K); /* 16K + 64K units */
        part(t, "app_a", LB_PART_APP, 0, 128 * K, 128 * K);
        part(t, b_name, b_type, b_slot, 256 * K, 128 * K);
        part(t, "storage", LB_PART_DATA, N, 384 * K, 128 * K);
    } else {
        const uint32_t U = 128 * 1024;
        part(t, "loader", LB_PART_LOADER, N, 0, U);
        part(t, "ptable", LB_PART_PTABLE, N, U, U);
        part(t, "bootstate", LB_PART_BOOTSTATE, N, 2 * U, 2 * U);
        part(t, "recovery", LB_PART_RECOVERY, N, 4 * U, U);
        part(t, "app_a", LB_PART_APP, 0, 5 * U, U);
        part(t, b_name, b_type, b_slot, 6 * U, U);
        part(t, "storage", LB_PART_DATA, N, 7 * U, U);
    }
    const char *why = NULL;
    if (lb_ptable_check(t, &why) != LB_OK) {
        fprintf(stderr, "lbt: bad test layout %s: %s\n", geom_name, why ? why : "?");
        return -1;
    }
    int n = lb_ptable_encode(t, d->blob, sizeof d->blob);
    if (n < 0) {
        return -1;
    }
    d->blob_len = (size_t)n;
    d->ptable = lb_ptable_find(t, LB_PART_PTABLE, N);
    d->bootstate = lb_ptable_find(t, LB_PART_BOOTSTATE, N);
    d->recovery = lb_ptable_find(t, LB_PART_RECOVERY, N);
    d->slot[0] = lb_ptable_find(t, LB_PART_APP, 0);
    d->slot[1] = lb_ptable_find(t, LB_PART_APP, 1);

    host_board_setup(&d->geom);
    lbt_flash_put(d->ptable->offset, d->blob, d->blob_len);

    lb_loader_config_defaults(&d->cfg);
    d->cfg.product = LBT_PRODUCT;
    d->cfg.ptable_offset = d->ptable->offset;
    d->cfg.ptable_size = d->ptable->size;
    d->cfg.builtin_ptable = d->blob;
    d->cfg.builtin_ptable_len = d->blob_len;
    return 0;
}

/* Fixed test keys (never a product's): with ECDSA's deterministic nonces
 * (RFC 6979) every image the tests build, and so every flash operation
 * the sweep counts, is the same in every run, so a failing case's id
 * reruns exactly that case. */
static const char *const key_pems[3] = {
    NULL,
    "-----BEGIN EC PRIVATE KEY-----\n"
    "MHcCAQEEIFwP9vLDKgRnMBz5Dr24aUSK877j68tWoFV+KQkCdw5+oAoGCCqGSM49\n"
    "AwEHoUQDQgAEuU1oo50x8Yob9PJvU53ar2ZfDTRYZ10rlbWe6snEFMvHKu0JQShN\n"
    "GcR0qn/t8m92WUHKFhvpL0pNr1i37Ds4ew==\n"
    "-----END EC PRIVATE KEY-----\n",
    "-----BEGIN EC PRIVATE KEY-----\n"
    "MHcCAQEEIOUHw+hnZ39d30I/tDHLThtXw6FO/mvlK0ovpjOQlRiBoAoGCCqGSM49\n"
    "AwEHoUQDQgAE8tEAZXxNcvCGMtY83PQ+fgu1ifAFIpAStEPZkb16uzLoyQ741mII\n"
    "tACtC8C+Qjo+23vPpQog8BXMfBHflxHdQg==\n"
    "-----END EC PRIVATE KEY-----\n",
};
static lb_key_t *keys[3];
static uint8_t key_ders[3][LB_IMAGE_KEY_DER_SIZE];

int lbt_key_der(int which, const uint8_t **der, size_t *len)
{
    if (which != LBT_KEY_TRUSTED && which != LBT_KEY_ROGUE) {
        return -1;
    }
    if (keys[which] == NULL) {
        if (lb_key_parse(key_pems[which], &keys[which]) != 0 ||
            lb_key_public_der(keys[which], key_ders[which], sizeof key_ders[which]) !=
                (int)LB_IMAGE_KEY_DER_SIZE) {
            return -1;
        }
    }
    *der = key_ders[which];
    *len = LB_IMAGE_KEY_DER_SIZE;
    return 0;
}

int lbt_image(uint8_t *buf, size_t cap, uint8_t kind, uint8_t major, uint32_t seccnt,
              const char *product, uint32_t tag)
{
    return lbt_image_signed(buf, cap, kind, major, seccnt, product, tag, LBT_KEY_NONE);
}

int lbt_image_signed(uint8_t *buf, size_t cap, uint8_t kind, uint8_t major, uint32_t seccnt,
                     const char *product, uint32_t tag, int key)
{
    return lbt_image_sized(buf, cap, kind, major, seccnt, product, tag, key, 1500);
}

/* lb_image_build of `body` with `o`, signed with test key `key` (none:
 * unsigned). */
static int build_signed(lb_image_build_opts_t *o, int key, const uint8_t *body, size_t body_len,
                        uint8_t *buf, size_t cap)
{
    if (key != LBT_KEY_NONE) {
        if (lbt_key_der(key, &o->key_der, &o->key_der_len) != 0) {
            return LB_E_KEY;
        }
        o->sign = lb_key_sign_cb;
        o->sign_arg = keys[key];
    }
    return lb_image_build(body, body_len, o, buf, cap);
}

int lbt_image_sized(uint8_t *buf, size_t cap, uint8_t kind, uint8_t major, uint32_t seccnt,
                    const char *product, uint32_t tag, int key, size_t body_len)
{
    static uint8_t body[LBT_BODY_MAX];
    if (body_len > sizeof body) {
        return LB_E_SIZE;
    }
    for (size_t i = 0; i < body_len; i++) {
        body[i] = (uint8_t)(i * 7u + tag * 13u + major);
    }
    lb_image_build_opts_t o;
    memset(&o, 0, sizeof o);
    o.load_addr = LBT_LOAD_ADDR;
    o.flags = LB_IMAGE_F_RAM_LOAD;
    o.version.major = major;
    o.version.build = tag;
    o.has_security_counter = true;
    o.security_counter = seccnt;
    o.kind = kind;
    o.product = product;
    return build_signed(&o, key, body, body_len, buf, cap);
}

int lbt_image_deflated(uint8_t *buf, size_t cap, const uint8_t *plain, size_t plain_len, int key,
                       int level)
{
    lb_image_policy_t any = {.kind = LB_IMAGE_KIND_ANY};
    lb_image_info_t in;
    if (lb_image_verify(plain, plain_len, &any, &in) != 0) {
        return LB_E_INVAL;
    }
    static uint8_t z[LBT_BODY_MAX + 1024];
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (deflateInit2(&zs, level, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY) != Z_OK) {
        return LB_E_INVAL;
    }
    zs.next_in = (Bytef *)(uintptr_t)plain;
    zs.avail_in = (uInt)plain_len;
    zs.next_out = z;
    zs.avail_out = sizeof z;
    int r = deflate(&zs, Z_FINISH);
    size_t zlen = zs.total_out;
    deflateEnd(&zs);
    if (r != Z_STREAM_END) {
        return LB_E_NOSPACE;
    }
    uint8_t sha[LB_IMAGE_HASH_SIZE];
    (void)lb_image_sha256(plain, plain_len, sha);
    lb_image_build_opts_t o;
    memset(&o, 0, sizeof o);
    o.load_addr = in.load_addr;
    o.hdr_size = in.hdr_size;
    o.flags = in.flags | LB_IMAGE_F_DEFLATE;
    o.version = in.version;
    o.has_security_counter = in.has_security_counter;
    o.security_counter = in.security_counter;
    o.kind = in.kind;
    o.product = in.product[0] ? in.product : NULL;
    o.decomp_sha256 = sha;
    o.decomp_size = (uint32_t)plain_len;
    return build_signed(&o, key, z, zlen, buf, cap);
}

void lbt_flash_put(uint32_t off, const void *data, size_t len)
{
    memcpy(host_flash_mem() + off, data, len);
}

int lbt_state(lbt_device_t *d, lb_bootstate_log_t *log)
{
    return lb_bootstate_open(log, lb_board_flash_geom(), d->bootstate->offset, d->bootstate->size);
}

/* The update path's layout (lib/ota/update.h): the device lbt_install and
 * lbt_pull last ran on, as the generated partitions.h would describe it. */
static lb_update_slot_t upd_slots[LB_UPDATE_SLOTS_MAX];
static lb_update_layout_t upd_layout = {.slot = upd_slots};
const lb_update_layout_t *const lb_update_layout = &upd_layout;

static void use_device(const lbt_device_t *d)
{
    for (unsigned i = 0; i < d->slot_count; i++) {
        upd_slots[i] = (lb_update_slot_t){d->slot[i]->offset, d->slot[i]->size};
    }
    upd_layout.slot_count = d->slot_count;
    upd_layout.bootstate_offset = d->bootstate->offset;
    upd_layout.bootstate_size = d->bootstate->size;
    upd_layout.product = d->cfg.product;
    upd_layout.key_der = d->cfg.key_der;
    upd_layout.key_der_len = d->cfg.key_der_len;
    upd_layout.boot_verifies_signature = d->cfg.verify_signature;
}

size_t lbt_install_chunk = 700;

/* Feeds img[from, len) in lbt_install_chunk pieces through lb_update_write. */
static int feed_rest(const uint8_t *img, size_t from, size_t len, size_t *fed)
{
    int rc = LB_OK;
    size_t chunk = lbt_install_chunk != 0 ? lbt_install_chunk : 1;
    for (size_t off = from; rc == LB_OK && off < len;) {
        size_t n = len - off < chunk ? len - off : chunk;
        rc = lb_update_write(img + off, n);
        off += n;
        if (rc == LB_OK && fed != NULL) {
            *fed = off;
        }
    }
    return rc;
}

/* The upload's slot, or `rc` when it failed (and the upload is abandoned). */
static int ended(int rc)
{
    unsigned slot = 0;
    lb_update_active(&slot, NULL, NULL);
    lb_update_abort();
    return rc < 0 ? rc : (int)slot;
}

int lbt_install_deflated(lbt_device_t *d, const uint8_t *img, size_t len)
{
    static lb_install_deflate_t zw;
    lb_update_set_deflate(&zw);
    int rc = lbt_install(d, img, len);
    lb_update_set_deflate(NULL);
    return rc;
}

int lbt_install(lbt_device_t *d, const uint8_t *img, size_t len)
{
    use_device(d);
    int rc = lb_update_begin((uint32_t)len);
    if (rc == LB_OK) {
        rc = feed_rest(img, 0, len, NULL); /* in pieces, the way an upload arrives */
    }
    if (rc == LB_OK) {
        rc = lb_update_finish(NULL);
    }
    return ended(rc);
}

int lbt_pull(lbt_device_t *d, const uint8_t *img, size_t len, const lb_install_id_t *id, size_t *at,
             size_t *fed, bool *finishing)
{
    use_device(d);
    *at = 0;
    *fed = 0;
    *finishing = false;
    int rc = lb_update_resume(id);
    if (rc > 0) {
        *at = (size_t)rc;
        while ((rc = lb_update_replay(1000, NULL, NULL)) > 0) {
        }
        if (rc < 0) {
            return ended(rc);
        }
        *fed = *at;
    } else if (rc == LB_E_NOTFOUND) {
        rc = lb_update_begin_id(id);
    }
    if (rc == LB_OK) {
        rc = feed_rest(img, *at, len, fed);
    }
    if (rc == LB_OK) {
        *finishing = true;
        rc = lb_update_finish(NULL);
    }
    return ended(rc);
}

struct boot_arg {
    lbt_device_t *d;
    lbt_boot_t *b;
};

static void run_loader(void *arg)
{
    struct boot_arg *a = arg;
    a->b->rc = lb_loader_run(&a->d->cfg, &a->b->res);
}

void lbt_boot(lbt_device_t *d, lbt_boot_t *b)
{
    memset(b, 0, sizeof *b);
    struct boot_arg a = {d, b};
    b->exit = host_board_run(run_loader, &a);
    const char *con = host_board_console();
    const char *l = strstr(con, "[lifeboat] boot ");
    if (l) {
        size_t n = strcspn(l, "\n");
        if (n >= sizeof b->line) {
            n = sizeof b->line - 1;
        }
        memcpy(b->line, l, n);
        b->line[n] = '\0';
    }
}
