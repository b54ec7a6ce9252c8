#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lb/bootstate.h"
#include "lb/endian.h"
#include "lb/err.h"
#include "lb/image.h"
#include "lbt.h"
#include "mkflash.h"

#define KIB 1024u

static void add(lb_ptable_t *t, const char *name, uint8_t type, uint8_t slot, uint32_t off,
                uint32_t size)
{
    lb_part_t *p = &t->parts[t->count++];
    memset(p, 0, sizeof(*p));
    strncpy(p->name, name, LB_PTABLE_NAME_LEN - 1);
    p->type = type;
    p->slot = slot;
    p->offset = off;
    p->size = size;
}

/* 256 KiB flash of 4 KiB units; two app slots when `two`. */
static void make_table(lb_ptable_t *t, int two, uint8_t erased)
{
    memset(t, 0, sizeof(*t));
    t->geom.size = 256 * KIB;
    t->geom.program_size = 4;
    t->geom.erased = erased;
    t->geom.region_count = 1;
    t->geom.regions[0].count = 64;
    t->geom.regions[0].size = 4 * KIB;
    add(t, "loader", LB_PART_LOADER, LB_PTABLE_SLOT_NONE, 0, 16 * KIB);
    add(t, "ptable", LB_PART_PTABLE, LB_PTABLE_SLOT_NONE, 16 * KIB, 4 * KIB);
    add(t, "bootstate", LB_PART_BOOTSTATE, LB_PTABLE_SLOT_NONE, 20 * KIB, 8 * KIB);
    add(t, "recovery", LB_PART_RECOVERY, LB_PTABLE_SLOT_NONE, 28 * KIB, 36 * KIB);
    add(t, "app_a", LB_PART_APP, 0, 64 * KIB, 96 * KIB);
    if (two) {
        add(t, "app_b", LB_PART_APP, 1, 160 * KIB, 96 * KIB);
    }
    assert_int_equal(lb_ptable_check(t, NULL), 0);
}

static uint8_t *fake_image(size_t len, uint8_t fill)
{
    uint8_t *b = malloc(len);
    assert_non_null(b);
    memset(b, fill, len);
    lb_put_le32(b, LB_IMAGE_MAGIC);
    return b;
}

static int all_are(const uint8_t *p, size_t len, uint8_t v)
{
    for (size_t i = 0; i < len; i++) {
        if (p[i] != v) {
            return 0;
        }
    }
    return 1;
}

static void test_mkflash_places_every_part(void **state)
{
    (void)state;
    lb_ptable_t t;
    make_table(&t, 1, 0xFF);
    uint8_t loader[100];
    memset(loader, 0x11, sizeof(loader));
    uint8_t *rec = fake_image(2000, 0x22), *a = fake_image(3000, 0x33), *b = fake_image(40, 0x44);
    lb_mkflash_inputs_t in = {.loader = {loader, sizeof(loader)},
                              .recovery = {rec, 2000},
                              .app = {{a, 3000}, {b, 40}},
                              .state = LB_MKFLASH_STATE_BLANK};
    uint8_t *out = malloc(t.geom.size);
    assert_int_equal(lb_mkflash_build(&t, &in, out, NULL), 0);

    assert_memory_equal(out, loader, sizeof(loader));
    assert_true(all_are(out + sizeof(loader), 16 * KIB - sizeof(loader), 0xFF));
    lb_ptable_t back;
    assert_int_equal(lb_ptable_decode(&back, out + 16 * KIB, 4 * KIB), 0);
    assert_int_equal(back.count, t.count);
    assert_true(all_are(out + 20 * KIB, 8 * KIB, 0xFF)); /* boot state erased */
    assert_memory_equal(out + 28 * KIB, rec, 2000);
    assert_memory_equal(out + 64 * KIB, a, 3000);
    assert_true(all_are(out + 64 * KIB + 3000, 96 * KIB - 3000, 0xFF));
    assert_memory_equal(out + 160 * KIB, b, 40);
    free(out);
    free(rec);
    free(a);
    free(b);
}

static void test_mkflash_fills_with_erased_value(void **state)
{
    (void)state;
    lb_ptable_t t;
    make_table(&t, 0, 0x00);
    uint8_t loader[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    lb_mkflash_inputs_t in = {.loader = {loader, sizeof(loader)}};
    uint8_t *out = malloc(t.geom.size);
    assert_int_equal(lb_mkflash_build(&t, &in, out, NULL), 0);
    assert_true(all_are(out + 64 * KIB, 192 * KIB, 0x00));
    free(out);
}

static void test_mkflash_refuses_oversized(void **state)
{
    (void)state;
    lb_ptable_t t;
    make_table(&t, 1, 0xFF);
    uint8_t loader[8] = {0};
    uint8_t *rec = fake_image(36 * KIB + 1, 0x22);
    lb_mkflash_inputs_t in = {.loader = {loader, sizeof(loader)}, .recovery = {rec, 36 * KIB + 1}};
    uint8_t *out = malloc(t.geom.size);
    lb_mkflash_err_t why;
    assert_int_equal(lb_mkflash_build(&t, &in, out, &why), LB_E_SIZE);
    assert_string_equal(why.part, "recovery");
    assert_string_equal(why.msg, "recovery: 36865 bytes do not fit the 36864-byte partition");
    in.recovery.len = 36 * KIB; /* exactly full is fine */
    assert_int_equal(lb_mkflash_build(&t, &in, out, &why), 0);
    uint8_t big_loader[16 * KIB + 4] = {0};
    in.loader = (lb_mkflash_blob_t){big_loader, sizeof(big_loader)};
    assert_int_equal(lb_mkflash_build(&t, &in, out, &why), LB_E_SIZE);
    assert_string_equal(why.part, "loader");
    assert_string_equal(why.msg, "loader: 16388 bytes do not fit the 16384-byte partition");
    free(out);
    free(rec);
}

static void test_mkflash_refuses_unsigned_and_missing_slot(void **state)
{
    (void)state;
    lb_ptable_t t;
    make_table(&t, 0, 0xFF);
    uint8_t loader[8] = {0};
    uint8_t raw[64] = {0};
    lb_mkflash_inputs_t in = {.loader = {loader, sizeof(loader)}, .app = {{raw, sizeof(raw)}}};
    uint8_t *out = malloc(t.geom.size);
    lb_mkflash_err_t why;
    assert_int_equal(lb_mkflash_build(&t, &in, out, &why), LB_E_MAGIC);
    assert_string_equal(why.msg, "app slot a: not a signed image (run lifeboat sign)");
    uint8_t *b = fake_image(64, 0);
    in.app[0] = (lb_mkflash_blob_t){NULL, 0};
    in.app[1] = (lb_mkflash_blob_t){b, 64};
    assert_int_equal(lb_mkflash_build(&t, &in, out, &why), LB_E_NOTFOUND);
    assert_string_equal(why.part, "app slot b");
    free(out);
    free(b);
}

static void test_mkflash_new_b_writes_initial_state(void **state)
{
    (void)state;
    lb_ptable_t t;
    make_table(&t, 1, 0xFF);
    uint8_t loader[8] = {0};
    uint8_t *a = fake_image(64, 0), *b = fake_image(64, 0);
    a[20] = 1; /* version 1.0.0 */
    b[20] = 1;
    b[21] = 1; /* version 1.1.0 */
    lb_mkflash_inputs_t in = {.loader = {loader, sizeof(loader)}, .app = {{a, 64}, {b, 64}}};
    in.state = LB_MKFLASH_STATE_NEW_B;
    uint8_t *out = malloc(t.geom.size);
    assert_int_equal(lb_mkflash_build(&t, &in, out, NULL), 0);
    lb_bootstate_t s;
    assert_int_equal(lb_bootstate_decode(&s, out + 20 * KIB, LB_BOOTSTATE_RECORD_SIZE), 0);
    assert_int_equal(s.slots[0].state, LB_SLOT_CONFIRMED);
    assert_int_equal(s.slots[1].state, LB_SLOT_NEW);
    assert_int_equal(s.slots[1].version.minor, 1);
    assert_int_equal(s.active_slot, 1);
    /* Without an image in slot b there is nothing to try. */
    in.app[1] = (lb_mkflash_blob_t){NULL, 0};
    lb_mkflash_err_t why;
    assert_int_equal(lb_mkflash_build(&t, &in, out, &why), LB_E_STATE);
    free(out);
    free(a);
    free(b);
}

/* Default: the factory-programmed images are confirmed, so nothing treats
 * them as free space (recovery installs elsewhere). */
static void test_mkflash_factory_state_confirms_the_apps(void **state)
{
    (void)state;
    lb_ptable_t t;
    make_table(&t, 1, 0xFF);
    uint8_t loader[8] = {0};
    static uint8_t a[LBT_IMAGE_MAX], b[LBT_IMAGE_MAX];
    int alen = lbt_image(a, sizeof(a), LB_IMAGE_KIND_APP, 2, 7, LBT_PRODUCT, 1);
    int blen = lbt_image(b, sizeof(b), LB_IMAGE_KIND_APP, 3, 9, LBT_PRODUCT, 2);
    assert_true(alen > 0 && blen > 0);
    lb_mkflash_inputs_t in = {.loader = {loader, sizeof(loader)}, .app = {{a, (size_t)alen}}};
    uint8_t *out = malloc(t.geom.size);
    assert_int_equal(lb_mkflash_build(&t, &in, out, NULL), 0);
    lb_bootstate_t s;
    assert_int_equal(lb_bootstate_decode(&s, out + 20 * KIB, LB_BOOTSTATE_RECORD_SIZE), 0);
    assert_int_equal(s.seq, 1);
    assert_int_equal(s.active_slot, 0);
    assert_int_equal(s.slots[0].state, LB_SLOT_CONFIRMED);
    assert_int_equal(s.slots[0].version.major, 2);
    assert_int_equal(s.slots[0].security_counter, 7);
    assert_int_equal(s.min_security_counter, 7);
    assert_int_equal(s.slots[1].state, LB_SLOT_EMPTY);
    assert_int_equal(s.unhealthy, 0);
    assert_int_equal(s.request, LB_REQUEST_NONE);

    /* Both slots programmed: both known good, a active, floor from a. */
    in.app[1] = (lb_mkflash_blob_t){b, (size_t)blen};
    assert_int_equal(lb_mkflash_build(&t, &in, out, NULL), 0);
    assert_int_equal(lb_bootstate_decode(&s, out + 20 * KIB, LB_BOOTSTATE_RECORD_SIZE), 0);
    assert_int_equal(s.active_slot, 0);
    assert_int_equal(s.slots[1].state, LB_SLOT_CONFIRMED);
    assert_int_equal(s.slots[1].security_counter, 9);
    assert_int_equal(s.min_security_counter, 7);

    /* Only slot b: b is the one that runs. */
    in.app[0] = (lb_mkflash_blob_t){NULL, 0};
    assert_int_equal(lb_mkflash_build(&t, &in, out, NULL), 0);
    assert_int_equal(lb_bootstate_decode(&s, out + 20 * KIB, LB_BOOTSTATE_RECORD_SIZE), 0);
    assert_int_equal(s.active_slot, 1);
    assert_int_equal(s.slots[0].state, LB_SLOT_EMPTY);
    assert_int_equal(s.min_security_counter, 9);

    /* No app: nothing to confirm, the boot state stays erased. */
    in.app[1] = (lb_mkflash_blob_t){NULL, 0};
    assert_int_equal(lb_mkflash_build(&t, &in, out, NULL), 0);
    assert_true(all_are(out + 20 * KIB, 8 * KIB, 0xFF));

    /* --blank-state: erased even with apps. */
    in.app[0] = (lb_mkflash_blob_t){a, (size_t)alen};
    in.state = LB_MKFLASH_STATE_BLANK;
    assert_int_equal(lb_mkflash_build(&t, &in, out, NULL), 0);
    assert_true(all_are(out + 20 * KIB, 8 * KIB, 0xFF));
    free(out);
}

/* --cred-*: the first record of the `credential` data partition. */
static void test_mkflash_writes_the_credential_record(void **state)
{
    (void)state;
    lb_ptable_t t;
    make_table(&t, 1, 0xFF);
    uint8_t loader[8] = {0};
    lb_cred_t c = {.seq = 99, .user = "ops", .realm = "plant"};
    memset(c.ha1, 0x5A, sizeof c.ha1);
    lb_mkflash_inputs_t in = {.loader = {loader, sizeof(loader)}, .cred = &c};
    uint8_t *out = malloc(t.geom.size);
    lb_mkflash_err_t why;
    assert_int_equal(lb_mkflash_build(&t, &in, out, &why), LB_E_NOTFOUND);
    assert_string_equal(why.part, "credential");
    add(&t, "credential", LB_PART_DATA, LB_PTABLE_SLOT_NONE, 224 * KIB, 8 * KIB);
    assert_int_equal(lb_mkflash_build(&t, &in, out, &why), 0);
    lb_cred_t back;
    assert_int_equal(lb_cred_decode(&back, out + 224 * KIB, LB_CRED_RECORD_SIZE), 0);
    assert_int_equal(back.seq, 1);
    assert_string_equal(back.user, "ops");
    assert_string_equal(back.realm, "plant");
    assert_memory_equal(back.ha1, c.ha1, sizeof c.ha1);
    assert_true(
        all_are(out + 224 * KIB + LB_CRED_RECORD_SIZE, 8 * KIB - LB_CRED_RECORD_SIZE, 0xFF));
    free(out);
}

/* Real (hash-verified) images of each kind and product. */
static uint8_t k_app[LBT_IMAGE_MAX], k_rec[LBT_IMAGE_MAX], k_other[LBT_IMAGE_MAX];
static lb_mkflash_blob_t real_images(void)
{
    int na = lbt_image(k_app, sizeof(k_app), LB_IMAGE_KIND_APP, 1, 1, LBT_PRODUCT, 1);
    int nr = lbt_image(k_rec, sizeof(k_rec), LB_IMAGE_KIND_RECOVERY, 1, 0, LBT_PRODUCT, 2);
    int no = lbt_image(k_other, sizeof(k_other), LB_IMAGE_KIND_APP, 1, 1, "other-thing", 3);
    assert_true(na > 0 && nr > 0 && no > 0);
    return (lb_mkflash_blob_t){k_app, (size_t)na};
}

static size_t len_of(const uint8_t *img)
{
    lb_image_info_t info;
    lb_image_policy_t any = {.kind = LB_IMAGE_KIND_ANY};
    assert_int_equal(lb_image_verify(img, LBT_IMAGE_MAX, &any, &info), 0);
    return info.total_size;
}

static void test_mkflash_refuses_app_image_in_recovery_partition(void **state)
{
    (void)state;
    lb_ptable_t t;
    make_table(&t, 1, 0xFF);
    uint8_t loader[8] = {0};
    lb_mkflash_blob_t app = real_images();
    lb_mkflash_inputs_t in = {.loader = {loader, sizeof(loader)}, .recovery = app};
    uint8_t *out = malloc(t.geom.size);
    lb_mkflash_err_t why;
    assert_int_equal(lb_mkflash_build(&t, &in, out, &why), LB_E_KIND);
    assert_string_equal(why.part, "recovery");
    assert_string_equal(why.msg, "recovery: an app image; this partition needs a recovery image");
    in.recovery = (lb_mkflash_blob_t){k_rec, len_of(k_rec)};
    assert_int_equal(lb_mkflash_build(&t, &in, out, &why), 0);
    free(out);
}

static void test_mkflash_refuses_recovery_image_in_app_slot(void **state)
{
    (void)state;
    lb_ptable_t t;
    make_table(&t, 1, 0xFF);
    uint8_t loader[8] = {0};
    lb_mkflash_blob_t app = real_images();
    lb_mkflash_inputs_t in = {.loader = {loader, sizeof(loader)},
                              .app = {{k_rec, len_of(k_rec)}, app}};
    uint8_t *out = malloc(t.geom.size);
    lb_mkflash_err_t why;
    assert_int_equal(lb_mkflash_build(&t, &in, out, &why), LB_E_KIND);
    assert_string_equal(why.msg, "app slot a: a recovery image; this partition needs an app image");
    /* judged on what parses even when the hash does not verify */
    in.app[0] = app;
    in.app[1] = (lb_mkflash_blob_t){k_rec, len_of(k_rec)};
    k_rec[len_of(k_rec) - 1] ^= 0x01;
    assert_int_equal(lb_mkflash_build(&t, &in, out, &why), LB_E_KIND);
    assert_string_equal(why.part, "app slot b");
    free(out);
}

static void test_mkflash_refuses_image_for_another_product(void **state)
{
    (void)state;
    lb_ptable_t t;
    make_table(&t, 1, 0xFF);
    uint8_t loader[8] = {0};
    real_images();
    lb_mkflash_inputs_t in = {.loader = {loader, sizeof(loader)},
                              .app = {{k_other, len_of(k_other)}},
                              .product = LBT_PRODUCT};
    uint8_t *out = malloc(t.geom.size);
    lb_mkflash_err_t why;
    assert_int_equal(lb_mkflash_build(&t, &in, out, &why), LB_E_PRODUCT);
    assert_string_equal(why.msg, "app slot a: image is for product 'other-thing', the layout "
                                 "for '" LBT_PRODUCT "'");
    /* a binary table names no product: any product goes */
    in.product = "";
    assert_int_equal(lb_mkflash_build(&t, &in, out, &why), 0);
    in.product = NULL;
    assert_int_equal(lb_mkflash_build(&t, &in, out, &why), 0);
    in.product = LBT_PRODUCT;
    in.app[0] = (lb_mkflash_blob_t){k_app, len_of(k_app)};
    assert_int_equal(lb_mkflash_build(&t, &in, out, &why), 0);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mkflash_places_every_part),
        cmocka_unit_test(test_mkflash_fills_with_erased_value),
        cmocka_unit_test(test_mkflash_refuses_oversized),
        cmocka_unit_test(test_mkflash_refuses_unsigned_and_missing_slot),
        cmocka_unit_test(test_mkflash_new_b_writes_initial_state),
        cmocka_unit_test(test_mkflash_factory_state_confirms_the_apps),
        cmocka_unit_test(test_mkflash_writes_the_credential_record),
        cmocka_unit_test(test_mkflash_refuses_app_image_in_recovery_partition),
        cmocka_unit_test(test_mkflash_refuses_recovery_image_in_app_slot),
        cmocka_unit_test(test_mkflash_refuses_image_for_another_product),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
