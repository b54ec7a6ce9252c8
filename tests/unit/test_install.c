/* The install sequence (lib/src/install.c, lb/install.h) the recovery
 * image and the power-cut sweep run: a refused or abandoned image leaves
 * its slot marked empty, never activated and never verifying (its commit
 * unit is not written), the other slot untouched; an accepted one is
 * activated; the chunking of the input does not matter. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lb/board.h"
#include "lb/err.h"
#include "lb/install.h"
#include "lbt.h"

static lbt_device_t dev;
static lb_bootstate_log_t logv;
static lb_image_policy_t pol;
static lb_install_t ctx;
static uint8_t app1[LBT_IMAGE_MAX], app2[LBT_IMAGE_MAX], other[LBT_IMAGE_MAX];
static size_t app1_len, app2_len, other_len;

/* Streams `img` into `slot` in `chunk`-byte pieces through the lib API,
 * with a compressed image's work area `zw` given after begin (NULL: none).
 * Returns the first error or finish's result. */
static int install_with(unsigned slot, const uint8_t *img, size_t len, size_t chunk,
                        lb_install_deflate_t *zw)
{
    assert_int_equal(lbt_state(&dev, &logv), LB_OK);
    memset(&pol, 0, sizeof pol);
    pol.kind = LB_IMAGE_KIND_APP;
    pol.product = LBT_PRODUCT;
    pol.min_security_counter = logv.state.min_security_counter;
    pol.max_size = dev.slot[slot]->size;
    lb_flash_area_t fa;
    assert_int_equal(lb_flash_area_init(&fa, lb_board_flash_geom(), dev.slot[slot]->offset,
                                        dev.slot[slot]->size),
                     LB_OK);
    int rc = lb_install_begin(&ctx, &logv, &fa, &pol, slot);
    if (rc == LB_OK && zw != NULL) {
        rc = lb_install_set_deflate(&ctx, zw);
    }
    for (size_t off = 0; rc == LB_OK && off < len;) {
        size_t n = len - off < chunk ? len - off : chunk;
        rc = lb_install_write(&ctx, img + off, n);
        off += n;
    }
    if (rc == LB_OK) {
        rc = lb_install_finish(&ctx, NULL);
    }
    assert_false(ctx.active);
    return rc;
}

static int install(unsigned slot, const uint8_t *img, size_t len, size_t chunk)
{
    return install_with(slot, img, len, chunk, NULL);
}

/* install() with a compressed image's work area. */
static lb_install_deflate_t zwork;
static int install_z(unsigned slot, const uint8_t *img, size_t len, size_t chunk)
{
    return install_with(slot, img, len, chunk, &zwork);
}

/* A device with app v1 installed in slot a and confirmed (floor 1). */
static int setup(void **state)
{
    (void)state;
    if (lbt_device_init(&dev, "uniform4k", 4, 0xFF, false) != 0) {
        return -1;
    }
    int n1 = lbt_image(app1, sizeof app1, LB_IMAGE_KIND_APP, 1, 1, LBT_PRODUCT, 1);
    int n2 = lbt_image(app2, sizeof app2, LB_IMAGE_KIND_APP, 2, 2, LBT_PRODUCT, 2);
    int no = lbt_image(other, sizeof other, LB_IMAGE_KIND_APP, 3, 3, "other-product", 3);
    if (n1 <= 0 || n2 <= 0 || no <= 0) {
        return -1;
    }
    app1_len = (size_t)n1;
    app2_len = (size_t)n2;
    other_len = (size_t)no;
    if (install(0, app1, app1_len, 700) != LB_OK) {
        return -1;
    }
    if (lb_bootstate_confirm(&logv, 0) != LB_OK) {
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    host_board_teardown();
    return 0;
}

/* Slot a (v1, confirmed, active) as the setup left it, in flash and state. */
static void assert_slot_a_untouched(void)
{
    assert_int_equal(lbt_state(&dev, &logv), LB_OK);
    const lb_bootstate_t *s = lb_bootstate_get(&logv);
    assert_int_equal(s->active_slot, 0);
    assert_int_equal(s->slots[0].state, LB_SLOT_CONFIRMED);
    assert_int_equal(s->slots[0].version.major, 1);
    assert_memory_equal(host_flash_mem() + dev.slot[0]->offset, app1, app1_len);
}

static void assert_slot_a_untouched_state_only(void)
{
    assert_int_equal(lbt_state(&dev, &logv), LB_OK);
    assert_int_equal(lb_bootstate_get(&logv)->slots[0].state, LB_SLOT_CONFIRMED);
    assert_memory_equal(host_flash_mem() + dev.slot[0]->offset, app1, app1_len);
}

static void assert_slot_b_empty(void)
{
    assert_int_equal(lbt_state(&dev, &logv), LB_OK);
    const lb_bootstate_t *s = lb_bootstate_get(&logv);
    assert_int_equal(s->slots[1].state, LB_SLOT_EMPTY);
    assert_int_not_equal(s->active_slot, 1);
}

static void test_install_success_activates(void **st)
{
    (void)st;
    assert_int_equal(install(1, app2, app2_len, 700), LB_OK);
    assert_int_equal(lbt_state(&dev, &logv), LB_OK);
    const lb_bootstate_t *s = lb_bootstate_get(&logv);
    assert_int_equal(s->active_slot, 1);
    assert_int_equal(s->slots[1].state, LB_SLOT_NEW);
    assert_int_equal(s->slots[1].version.major, 2);
    assert_int_equal(s->slots[1].security_counter, 2);
    assert_int_equal(s->slots[0].state, LB_SLOT_CONFIRMED);
    assert_memory_equal(host_flash_mem() + dev.slot[1]->offset, app2, app2_len);
    assert_memory_equal(host_flash_mem() + dev.slot[0]->offset, app1, app1_len);
}

static void test_install_refused_hash_leaves_slot_empty(void **st)
{
    (void)st;
    static uint8_t bad[LBT_IMAGE_MAX];
    memcpy(bad, app2, app2_len);
    bad[app2_len / 2] ^= 0x01; /* body damaged: found at the end */
    assert_int_equal(install(1, bad, app2_len, 700), LB_E_HASH);
    assert_slot_b_empty();
    assert_slot_a_untouched();
}

static void test_install_refused_product_leaves_slot_empty(void **st)
{
    (void)st;
    assert_int_equal(install(1, other, other_len, 700), LB_E_PRODUCT);
    assert_slot_b_empty();
    assert_slot_a_untouched();
}

static void test_install_refused_truncated_leaves_slot_empty(void **st)
{
    (void)st;
    assert_int_equal(install(1, app2, app2_len - 100, 700), LB_E_TRUNCATED);
    assert_slot_b_empty();
    assert_slot_a_untouched();
}

static void test_install_refused_downgrade_leaves_slot_empty(void **st)
{
    (void)st;
    /* v2 into b, confirmed (floor 2); then v1 again into a is a downgrade */
    assert_int_equal(install(1, app2, app2_len, 700), LB_OK);
    assert_int_equal(lb_bootstate_confirm(&logv, 1), LB_OK);
    assert_int_equal(install(0, app1, app1_len, 700), LB_E_SECCNT);
    assert_int_equal(lbt_state(&dev, &logv), LB_OK);
    const lb_bootstate_t *s = lb_bootstate_get(&logv);
    assert_int_equal(s->slots[0].state, LB_SLOT_EMPTY);
    assert_int_equal(s->active_slot, 1);
    assert_int_equal(s->slots[1].state, LB_SLOT_CONFIRMED);
    assert_memory_equal(host_flash_mem() + dev.slot[1]->offset, app2, app2_len);
}

/* What the loader would find in a slot, whatever the boot state says: the
 * most permissive policy (hash only, any kind, any product, no floor). */
static int slot_verifies(unsigned slot)
{
    lb_image_policy_t any = {.kind = LB_IMAGE_KIND_ANY, .max_size = dev.slot[slot]->size};
    return lb_image_verify(host_flash_mem() + dev.slot[slot]->offset, dev.slot[slot]->size, &any,
                           NULL);
}

/* Starts an install into slot b by hand (the caller feeds it), with a
 * load area of `load_size` bytes at the images' load address (0: none). */
static void begin_slot_b(uint32_t load_size)
{
    static lb_flash_area_t fa;
    assert_int_equal(lbt_state(&dev, &logv), LB_OK);
    assert_int_equal(
        lb_flash_area_init(&fa, lb_board_flash_geom(), dev.slot[1]->offset, dev.slot[1]->size),
        LB_OK);
    memset(&pol, 0, sizeof pol);
    pol.kind = LB_IMAGE_KIND_APP;
    pol.product = LBT_PRODUCT;
    pol.max_size = dev.slot[1]->size;
    pol.load_base = LBT_LOAD_ADDR;
    pol.load_size = load_size;
    assert_int_equal(lb_install_begin(&ctx, &logv, &fa, &pol, 1), LB_OK);
}

/* A compressed image inflates into the slot as the plain image it names,
 * however its bytes arrive; without a work area it is refused (422). */
static void test_install_compressed_image_inflates_into_the_slot(void **st)
{
    (void)st;
    static uint8_t plain[15000], z[15000];
    int pn = lbt_image_sized(plain, sizeof plain, LB_IMAGE_KIND_APP, 2, 2, LBT_PRODUCT, 9,
                             LBT_KEY_NONE, 12000);
    assert_true(pn > 0);
    static const int levels[] = {0, 1, 9};
    static const size_t chunks[] = {1, 7, 700, 15000};
    for (unsigned l = 0; l < 3; l++) {
        int zn = lbt_image_deflated(z, sizeof z, plain, (size_t)pn, LBT_KEY_NONE, levels[l]);
        assert_true(zn > 0);
        assert_true(levels[l] == 0 || zn < pn / 4);
        for (unsigned c = 0; c < 4; c++) {
            assert_int_equal(install_z(1, z, (size_t)zn, chunks[c]), LB_OK);
            assert_int_equal(lbt_state(&dev, &logv), LB_OK);
            const lb_bootstate_t *s = lb_bootstate_get(&logv);
            assert_int_equal(s->active_slot, 1);
            assert_int_equal(s->slots[1].state, LB_SLOT_NEW);
            assert_int_equal(s->slots[1].version.major, 2);
            assert_memory_equal(host_flash_mem() + dev.slot[1]->offset, plain, (size_t)pn);
            assert_slot_a_untouched_state_only();
        }
    }
    int zn = lbt_image_deflated(z, sizeof z, plain, (size_t)pn, LBT_KEY_NONE, 9);
    assert_int_equal(install(1, z, (size_t)zn, 700), LB_E_FLAGS);
    assert_slot_b_empty();
    /* A plain image with a work area installs as without. */
    assert_int_equal(install_z(1, app2, app2_len, 9), LB_OK);
    assert_memory_equal(host_flash_mem() + dev.slot[1]->offset, app2, app2_len);
}

static void test_install_compressed_refusals_leave_the_slot_empty(void **st)
{
    (void)st;
    static uint8_t plain[15000], z[15000], bad[15000];
    int pn = lbt_image_sized(plain, sizeof plain, LB_IMAGE_KIND_APP, 2, 2, LBT_PRODUCT, 9,
                             LBT_KEY_NONE, 12000);
    int zn = lbt_image_deflated(z, sizeof z, plain, (size_t)pn, LBT_KEY_NONE, 9);
    assert_true(pn > 0 && zn > 0);
    /* A flipped bit in the stream, anywhere in the body: refused (the
     * inflater, the plain image's checks or the outer hash say so). */
    for (size_t at = 0x40; at < (size_t)zn - 200; at += 97) {
        memcpy(bad, z, (size_t)zn);
        bad[at] ^= 0x10;
        assert_int_not_equal(install_z(1, bad, (size_t)zn, 700), LB_OK);
        assert_slot_b_empty();
        assert_int_not_equal(slot_verifies(1), LB_OK);
    }
    assert_int_equal(install_z(1, z, (size_t)zn - 10, 700), LB_E_TRUNCATED);
    assert_slot_b_empty();
    /* The image inside is for another product: refused like a plain one. */
    int on = lbt_image_sized(plain, sizeof plain, LB_IMAGE_KIND_APP, 2, 2, "other-product", 9,
                             LBT_KEY_NONE, 12000);
    zn = lbt_image_deflated(z, sizeof z, plain, (size_t)on, LBT_KEY_NONE, 9);
    assert_int_equal(install_z(1, z, (size_t)zn, 700), LB_E_PRODUCT);
    assert_slot_b_empty();
    assert_slot_a_untouched_state_only();
    /* Inflated, the image is larger than the slot. */
    static uint8_t big[20000];
    int bn = lbt_image_sized(big, sizeof big, LB_IMAGE_KIND_APP, 2, 2, LBT_PRODUCT, 9, LBT_KEY_NONE,
                             17000);
    zn = lbt_image_deflated(z, sizeof z, big, (size_t)bn, LBT_KEY_NONE, 9);
    assert_true(zn > 0 && (size_t)zn < dev.slot[1]->size);
    assert_int_not_equal(install_z(1, z, (size_t)zn, 700), LB_OK);
    assert_slot_b_empty();
    assert_slot_a_untouched_state_only();
}

/* An unsigned compressed image whose header says major `major` while the
 * image inside is v2 (its SHA256 TLV recomputed: only the agreement check
 * can tell), or with its outer SHA256 TLV broken (flip: the outer check). */
static size_t compressed_lie(uint8_t *z, size_t cap, uint8_t major, bool flip)
{
    static uint8_t plain[15000];
    int pn = lbt_image_sized(plain, sizeof plain, LB_IMAGE_KIND_APP, 2, 2, LBT_PRODUCT, 9,
                             LBT_KEY_NONE, 12000);
    int zn = lbt_image_deflated(z, cap, plain, (size_t)pn, LBT_KEY_NONE, 9);
    assert_true(pn > 0 && zn > 0);
    lb_image_policy_t any = {.kind = LB_IMAGE_KIND_ANY, .accept_deflate = true};
    lb_image_info_t in;
    assert_int_equal(lb_image_verify(z, (size_t)zn, &any, &in), LB_OK);
    z[LB_IMAGE_OFF_VER_MAJOR] = major;
    /* Unsigned: the last TLV is the SHA256, over header to protected TLVs. */
    assert_int_equal(lb_image_sha256(z, in.hdr_size + in.img_size + in.protect_tlv_size,
                                     z + (size_t)zn - LB_IMAGE_HASH_SIZE),
                     LB_OK);
    z[(size_t)zn - 1] ^= flip ? 1 : 0;
    return (size_t)zn;
}

static void test_install_compressed_image_must_be_what_it_contains(void **st)
{
    (void)st;
    static uint8_t z[15000];
    size_t zn = compressed_lie(z, sizeof z, 2, false);
    assert_int_equal(install_z(1, z, zn, 700), LB_OK); /* the honest one installs */
    zn = compressed_lie(z, sizeof z, 3, false);
    assert_int_equal(install_z(1, z, zn, 700), LB_E_MISMATCH);
    assert_slot_b_empty();
    assert_int_not_equal(slot_verifies(1), LB_OK);
    zn = compressed_lie(z, sizeof z, 2, true);
    assert_int_equal(install_z(1, z, zn, 700), LB_E_HASH);
    assert_slot_b_empty();
    assert_slot_a_untouched_state_only();
}

static void open_b(lb_flash_area_t *fa);

/* A compressed download keeps no resume record: what the slot holds is
 * the inflated image, from which the stream cannot be rebuilt. */
static void test_install_compressed_download_is_not_resumable(void **st)
{
    (void)st;
    static uint8_t z[15000];
    size_t zn = compressed_lie(z, sizeof z, 2, false);
    /* Sized as if the manifest named 12200 bytes: a record would have room
     * and mark the units the inflated image completed. */
    lb_install_id_t id = {.size = 12200};
    lb_flash_area_t fa;
    open_b(&fa);
    assert_int_equal(lb_install_begin_id(&ctx, &logv, &fa, &pol, 1, &id), LB_OK);
    assert_int_equal(lb_install_set_deflate(&ctx, &zwork), LB_OK);
    assert_int_equal(lb_install_write(&ctx, z, zn - 40), LB_OK);
    assert_true(ctx.wpos > 2 * 4096); /* units of the plain image are complete */
    memset(&ctx, 0, sizeof ctx);
    open_b(&fa);
    assert_int_equal(lb_install_resume(&ctx, &logv, &fa, &pol, 1, &id), LB_E_NOTFOUND);
}

static void test_install_set_deflate_only_before_the_first_byte(void **st)
{
    (void)st;
    begin_slot_b(0);
    assert_int_equal(lb_install_write(&ctx, app2, 10), LB_OK);
    assert_int_equal(lb_install_set_deflate(&ctx, &zwork), LB_E_STATE);
    lb_install_abort(&ctx);
    begin_slot_b(0);
    assert_int_equal(lb_install_set_deflate(&ctx, NULL), LB_E_INVAL);
    lb_install_abort(&ctx);
    begin_slot_b(0);
    pol.accept_deflate = true; /* the slot's image would be taken compressed */
    assert_int_equal(lb_install_set_deflate(&ctx, &zwork), LB_E_INVAL);
    lb_install_abort(&ctx);
}

static void test_install_refused_image_never_verifies(void **st)
{
    (void)st;
    /* refused at the very end (product): every other byte was written */
    assert_int_equal(install(1, other, other_len, 700), LB_E_PRODUCT);
    assert_int_equal(slot_verifies(1), LB_E_MAGIC);
    size_t whole = other_len / 4 * 4; /* the buffered tail is never programmed */
    assert_memory_equal(host_flash_mem() + dev.slot[1]->offset + 4, other + 4, whole - 4);
    assert_slot_b_empty();
    assert_slot_a_untouched();
}

static void test_install_abandoned_after_last_byte_never_verifies(void **st)
{
    (void)st;
    /* the whole image arrived, then the client vanished (or power failed)
     * before finish: nothing of it may ever boot */
    begin_slot_b(0);
    assert_int_equal(lb_install_write(&ctx, app2, app2_len), LB_OK);
    lb_install_abort(&ctx);
    assert_int_equal(slot_verifies(1), LB_E_MAGIC);
    assert_slot_b_empty();
    /* finishing commits: the same bytes then verify */
    assert_int_equal(install(1, app2, app2_len, 700), LB_OK);
    assert_int_equal(slot_verifies(1), LB_OK);
}

/* The accept hook (lb_install_set_accept): called once, after every check
 * passed, with the image's facts; its refusal is the install's answer and
 * nothing is activated; its 0 lets the image through. */
static int accept_calls;
static int accept_answer;
static int accept_hook(void *arg, const lb_image_info_t *info)
{
    assert_ptr_equal(arg, &accept_calls);
    assert_int_equal(info->version.major, 2);
    accept_calls++;
    return accept_answer;
}

static void test_install_accept_hook_decides_last(void **st)
{
    (void)st;
    begin_slot_b(0);
    assert_int_equal(lb_install_set_accept(&ctx, accept_hook, &accept_calls), LB_OK);
    accept_calls = 0;
    accept_answer = LB_E_MISMATCH;
    assert_int_equal(lb_install_write(&ctx, app2, app2_len), LB_OK);
    assert_int_equal(lb_install_finish(&ctx, NULL), LB_E_MISMATCH);
    assert_int_equal(accept_calls, 1);
    assert_int_equal(slot_verifies(1), LB_E_MAGIC);
    assert_slot_b_empty();
    assert_slot_a_untouched();
    /* A refused image never reaches the hook; an accepted one activates. */
    static uint8_t bad[LBT_IMAGE_MAX];
    memcpy(bad, app2, app2_len);
    bad[app2_len / 2] ^= 0x01;
    begin_slot_b(0);
    assert_int_equal(lb_install_set_accept(&ctx, accept_hook, &accept_calls), LB_OK);
    assert_int_equal(lb_install_write(&ctx, bad, app2_len), LB_OK);
    assert_int_equal(lb_install_finish(&ctx, NULL), LB_E_HASH);
    assert_int_equal(accept_calls, 1);
    begin_slot_b(0);
    assert_int_equal(lb_install_set_accept(&ctx, accept_hook, &accept_calls), LB_OK);
    accept_answer = 0;
    assert_int_equal(lb_install_write(&ctx, app2, app2_len), LB_OK);
    assert_int_equal(lb_install_finish(&ctx, NULL), LB_OK);
    assert_int_equal(accept_calls, 2);
    assert_int_equal(slot_verifies(1), LB_OK);
    /* Outside an install there is nothing to set it on. */
    assert_int_equal(lb_install_set_accept(&ctx, accept_hook, &accept_calls), LB_E_STATE);
}

static void test_install_trailing_bytes_refused(void **st)
{
    (void)st;
    static uint8_t longer[LBT_IMAGE_MAX + 16];
    memcpy(longer, app2, app2_len);
    memset(longer + app2_len, 0x5A, 16);
    for (size_t chunk = 1; chunk <= 4096; chunk *= 64) {
        assert_int_equal(install(1, longer, app2_len + 16, chunk), LB_E_TRAILING);
        assert_int_not_equal(slot_verifies(1), LB_OK);
        assert_slot_b_empty();
        assert_slot_a_untouched();
    }
}

static void test_install_load_area_refused(void **st)
{
    (void)st;
    begin_slot_b((uint32_t)app2_len - 1); /* a load area one byte too small */
    assert_int_equal(lb_install_write(&ctx, app2, app2_len), LB_E_LOADAREA);
    assert_false(ctx.active);
    assert_slot_b_empty();
    assert_slot_a_untouched();
}

static void test_install_calls_out_of_order_are_refused(void **st)
{
    (void)st;
    memset(&ctx, 0, sizeof ctx);
    assert_int_equal(lb_install_write(&ctx, app2, 16), LB_E_STATE);
    assert_int_equal(lb_install_finish(&ctx, NULL), LB_E_STATE);
    lb_flash_area_t fa;
    assert_int_equal(lb_install_begin(&ctx, &logv, &fa, &pol, LB_BOOTSTATE_SLOTS), LB_E_INVAL);
    assert_false(ctx.active);
    /* after a refusal the install is over */
    assert_int_equal(install(1, other, other_len, 700), LB_E_PRODUCT);
    assert_int_equal(lb_install_write(&ctx, app2, 16), LB_E_STATE);
    assert_slot_a_untouched();
}

static void test_install_chunk_sizes_give_the_same_result(void **st)
{
    (void)st;
    static const size_t chunks[] = {1, 700, 4096};
    size_t n = host_flash_size();
    uint8_t *start = malloc(n), *ref = malloc(n);
    assert_non_null(start);
    assert_non_null(ref);
    memcpy(start, host_flash_mem(), n);
    lb_bootstate_t ref_state;
    for (size_t i = 0; i < sizeof chunks / sizeof chunks[0]; i++) {
        memcpy(host_flash_mem(), start, n);
        assert_int_equal(install(1, app2, app2_len, chunks[i]), LB_OK);
        assert_int_equal(lbt_state(&dev, &logv), LB_OK);
        if (i == 0) {
            memcpy(ref, host_flash_mem(), n);
            ref_state = logv.state;
        } else {
            assert_memory_equal(host_flash_mem(), ref, n);
            assert_memory_equal(&logv.state, &ref_state, sizeof ref_state);
        }
    }
    free(start);
    free(ref);
}

/* lb_install_pick_slot: the slot an upload is written to — never the only
 * bootable image, never the last confirmed one while another slot exists. */
static lb_bootstate_t slots_state(uint8_t a, uint8_t b, uint8_t active)
{
    lb_bootstate_t s;
    lb_bootstate_defaults(&s);
    s.slots[0].state = a;
    s.slots[1].state = b;
    s.active_slot = active;
    return s;
}

static const bool none[2] = {false, false}, only_a[2] = {true, false}, only_b[2] = {false, true},
                  both[2] = {true, true};

static void test_install_pick_slot_single_slot_writes_the_only_slot(void **st)
{
    (void)st;
    lb_bootstate_t s = slots_state(LB_SLOT_CONFIRMED, LB_SLOT_EMPTY, 0);
    assert_int_equal(lb_install_pick_slot(&s, 1, only_a), 0);
}

/* The reported bug: a flash without a boot-state record (or one written
 * only by a strap boot) has nothing confirmed; the factory app in slot a
 * is the only bootable image and must not be the one written. */
static void test_install_pick_slot_blank_state_keeps_the_only_bootable_app(void **st)
{
    (void)st;
    lb_bootstate_t s;
    lb_bootstate_defaults(&s);
    assert_int_equal(lb_install_pick_slot(&s, 2, only_a), 1);
    assert_int_equal(lb_install_pick_slot(&s, 2, only_b), 0);
    s.last_booted = LB_BOOTED_RECOVERY; /* after a strap boot */
    assert_int_equal(lb_install_pick_slot(&s, 2, only_a), 1);
}

static void test_install_pick_slot_never_the_last_confirmed(void **st)
{
    (void)st;
    lb_bootstate_t s = slots_state(LB_SLOT_CONFIRMED, LB_SLOT_EMPTY, 0);
    assert_int_equal(lb_install_pick_slot(&s, 2, only_a), 1);
    s = slots_state(LB_SLOT_CONFIRMED, LB_SLOT_TRIAL, 1); /* recovery during b's trial */
    assert_int_equal(lb_install_pick_slot(&s, 2, both), 1);
    s = slots_state(LB_SLOT_INVALID, LB_SLOT_CONFIRMED, 1);
    assert_int_equal(lb_install_pick_slot(&s, 2, both), 0);
    /* Both confirmed: the one not booted next. */
    s = slots_state(LB_SLOT_CONFIRMED, LB_SLOT_CONFIRMED, 1);
    assert_int_equal(lb_install_pick_slot(&s, 2, both), 0);
    s.active_slot = 0;
    assert_int_equal(lb_install_pick_slot(&s, 2, both), 1);
}

/* A confirmed image that no longer verifies protects nothing: the other,
 * working one is kept. */
static void test_install_pick_slot_bootable_beats_confirmed(void **st)
{
    (void)st;
    lb_bootstate_t s = slots_state(LB_SLOT_CONFIRMED, LB_SLOT_TRIAL, 0);
    assert_int_equal(lb_install_pick_slot(&s, 2, only_b), 0);
    s = slots_state(LB_SLOT_NEW, LB_SLOT_CONFIRMED, 0);
    assert_int_equal(lb_install_pick_slot(&s, 2, only_a), 1);
}

static void test_install_pick_slot_nothing_bootable(void **st)
{
    (void)st;
    lb_bootstate_t s = slots_state(LB_SLOT_CONFIRMED, LB_SLOT_EMPTY, 0);
    assert_int_equal(lb_install_pick_slot(&s, 2, none), 1);
    lb_bootstate_defaults(&s);
    assert_int_equal(lb_install_pick_slot(&s, 2, none), 1);
    s.active_slot = 1;
    assert_int_equal(lb_install_pick_slot(&s, 2, none), 0);
}

/* ---- resuming a download after a reset (lb_install_begin_id/_resume) ---- */

static uint8_t big[3 * 4096 + 512], replayed[sizeof big];
static size_t big_len, replayed_len;
static lb_install_id_t big_id;

static void open_b(lb_flash_area_t *fa)
{
    assert_int_equal(lbt_state(&dev, &logv), LB_OK);
    memset(&pol, 0, sizeof pol);
    pol.kind = LB_IMAGE_KIND_APP;
    pol.product = LBT_PRODUCT;
    pol.min_security_counter = logv.state.min_security_counter;
    pol.max_size = dev.slot[1]->size;
    assert_int_equal(
        lb_flash_area_init(fa, lb_board_flash_geom(), dev.slot[1]->offset, dev.slot[1]->size),
        LB_OK);
}

/* A v2 of `body` bytes; begins a resumable download of it into slot b and
 * writes its first `upto` bytes in 700-byte pieces, then "resets" (the
 * context is dropped, nothing finishes). */
static void cut_download(size_t body, size_t upto)
{
    int n = lbt_image_sized(big, sizeof big, LB_IMAGE_KIND_APP, 2, 2, LBT_PRODUCT, 7, LBT_KEY_NONE,
                            body);
    assert_true(n > 0);
    big_len = (size_t)n;
    big_id.size = (uint32_t)n;
    memset(big_id.sha256, 0x5A, sizeof big_id.sha256);
    lb_flash_area_t fa;
    open_b(&fa);
    assert_int_equal(lb_install_begin_id(&ctx, &logv, &fa, &pol, 1, &big_id), LB_OK);
    for (size_t off = 0; off < upto;) {
        size_t k = upto - off < 700 ? upto - off : 700;
        assert_int_equal(lb_install_write(&ctx, big + off, k), LB_OK);
        off += k;
    }
    memset(&ctx, 0, sizeof ctx);
}

static void collect(void *arg, const uint8_t *d, size_t n)
{
    (void)arg;
    assert_true(replayed_len + n <= sizeof replayed);
    memcpy(replayed + replayed_len, d, n);
    replayed_len += n;
}

/* lb_install_resume + replay in 1000-byte steps; returns resume's value. */
static int resume_b(const lb_install_id_t *id)
{
    lb_flash_area_t fa;
    open_b(&fa);
    replayed_len = 0;
    int n = lb_install_resume(&ctx, &logv, &fa, &pol, 1, id);
    if (n > 0) {
        int left;
        unsigned steps = 0;
        while ((left = lb_install_replay(&ctx, 1000, collect, NULL)) > 0) {
            steps++;
        }
        assert_int_equal(left, 0);
        assert_true(steps >= (unsigned)n / 1000u - 1u); /* pieces, not all at once */
    }
    return n;
}

static int write_rest(size_t from)
{
    int rc = LB_OK;
    for (size_t off = from; rc == LB_OK && off < big_len;) {
        size_t k = big_len - off < 700 ? big_len - off : 700;
        rc = lb_install_write(&ctx, big + off, k);
        off += k;
    }
    return rc == LB_OK ? lb_install_finish(&ctx, NULL) : rc;
}

static void test_install_resume_continues_from_the_last_complete_unit(void **st)
{
    (void)st;
    cut_download(10000, 9100); /* units 0 and 1 complete, unit 2 in progress */
    assert_slot_b_empty();
    int n = resume_b(&big_id);
    assert_int_equal(n, 8192);
    assert_int_equal(replayed_len, 8192); /* the prefix, the held-back head included */
    assert_memory_equal(replayed, big, 8192);
    /* Nothing may be written before the replay ends; after, the rest. */
    assert_int_equal(write_rest((size_t)n), LB_OK);
    assert_int_equal(lbt_state(&dev, &logv), LB_OK);
    assert_int_equal(logv.state.slots[1].state, LB_SLOT_NEW);
    assert_int_equal(logv.state.active_slot, 1);
    assert_memory_equal(host_flash_mem() + dev.slot[1]->offset, big, big_len);
    assert_int_equal(host_flash_violations(), 0);
    assert_slot_a_untouched_state_only();
}

static void test_install_resume_writes_wait_for_the_replay(void **st)
{
    (void)st;
    cut_download(10000, 9100);
    lb_flash_area_t fa;
    open_b(&fa);
    assert_int_equal(lb_install_resume(&ctx, &logv, &fa, &pol, 1, &big_id), 8192);
    assert_int_equal(lb_install_write(&ctx, big + 8192, 100), LB_E_STATE);
    assert_int_equal(lb_install_finish(&ctx, NULL), LB_E_STATE);
    assert_int_equal(lb_install_replay(&ctx, 5000, NULL, NULL), 8192 - 5000);
}

static void test_install_resume_only_the_same_download(void **st)
{
    (void)st;
    cut_download(10000, 9100);
    lb_install_id_t id2 = big_id;
    id2.sha256[31] ^= 1;
    assert_int_equal(resume_b(&id2), LB_E_NOTFOUND);
    id2 = big_id;
    id2.size += 4;
    assert_int_equal(resume_b(&id2), LB_E_NOTFOUND);
    assert_int_equal(resume_b(&big_id), 8192);
}

static void test_install_resume_nothing_before_a_unit_completes(void **st)
{
    (void)st;
    cut_download(10000, 4000);
    assert_int_equal(resume_b(&big_id), LB_E_NOTFOUND);
}

static void test_install_resume_gone_after_another_begin(void **st)
{
    (void)st;
    cut_download(10000, 9100);
    lb_flash_area_t fa;
    open_b(&fa);
    assert_int_equal(lb_install_begin(&ctx, &logv, &fa, &pol, 1), LB_OK); /* a push */
    lb_install_abort(&ctx);
    assert_int_equal(resume_b(&big_id), LB_E_NOTFOUND);
}

static void test_install_resume_never_once_installed(void **st)
{
    (void)st;
    cut_download(10000, 9100);
    assert_int_equal(resume_b(&big_id), 8192);
    assert_int_equal(write_rest(8192), LB_OK);
    assert_int_equal(resume_b(&big_id), LB_E_NOTFOUND); /* the slot is no longer empty */
}

static void test_install_resume_only_while_the_slot_is_empty(void **st)
{
    (void)st;
    /* Power went between the boot state's "new" and the commit: the head is
     * still erased, but the slot is no longer being written. */
    cut_download(10000, 9100);
    assert_int_equal(lbt_state(&dev, &logv), LB_OK);
    lb_image_version_t v = {2, 0, 0, 7};
    assert_int_equal(lb_bootstate_install_done(&logv, 1, &v, 2), LB_OK);
    assert_int_equal(resume_b(&big_id), LB_E_NOTFOUND);
}

static void test_install_resume_prefix_is_verified_again(void **st)
{
    (void)st;
    cut_download(10000, 9100);
    uint8_t x = host_flash_mem()[dev.slot[1]->offset + 5000] ^ 0x40;
    lbt_flash_put(dev.slot[1]->offset + 5000, &x, 1); /* a flipped bit in a complete unit */
    assert_int_equal(resume_b(&big_id), 8192);
    assert_int_equal(write_rest(8192), LB_E_HASH);
    assert_slot_b_empty();
}

static void test_install_resume_not_when_the_image_reaches_the_last_unit(void **st)
{
    (void)st;
    cut_download(3 * 4096, 9100); /* ends in slot b's last unit: no room for the record */
    assert_int_equal(resume_b(&big_id), LB_E_NOTFOUND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_install_pick_slot_single_slot_writes_the_only_slot),
        cmocka_unit_test(test_install_pick_slot_blank_state_keeps_the_only_bootable_app),
        cmocka_unit_test(test_install_pick_slot_never_the_last_confirmed),
        cmocka_unit_test(test_install_pick_slot_bootable_beats_confirmed),
        cmocka_unit_test(test_install_pick_slot_nothing_bootable),
        cmocka_unit_test_setup_teardown(test_install_success_activates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_install_refused_hash_leaves_slot_empty, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_install_refused_product_leaves_slot_empty, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_install_refused_truncated_leaves_slot_empty, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_install_refused_downgrade_leaves_slot_empty, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_install_refused_image_never_verifies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_install_compressed_image_inflates_into_the_slot, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_install_compressed_refusals_leave_the_slot_empty,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_install_set_deflate_only_before_the_first_byte, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_install_compressed_image_must_be_what_it_contains,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_install_compressed_download_is_not_resumable, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_install_accept_hook_decides_last, setup, teardown),
        cmocka_unit_test_setup_teardown(test_install_abandoned_after_last_byte_never_verifies,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_install_trailing_bytes_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_install_load_area_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_install_calls_out_of_order_are_refused, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_install_chunk_sizes_give_the_same_result, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_install_resume_continues_from_the_last_complete_unit,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_install_resume_writes_wait_for_the_replay, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_install_resume_only_the_same_download, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_install_resume_nothing_before_a_unit_completes, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_install_resume_gone_after_another_begin, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_install_resume_never_once_installed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_install_resume_only_while_the_slot_is_empty, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_install_resume_prefix_is_verified_again, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_install_resume_not_when_the_image_reaches_the_last_unit, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
