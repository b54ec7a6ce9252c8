#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lb/endian.h"
#include "lb/err.h"
#include "lb/image.h"
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
    lb_mkflash_inputs_t in = {{loader, sizeof(loader)}, {rec, 2000}, {{a, 3000}, {b, 40}}};
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
    const char *why = NULL;
    assert_int_equal(lb_mkflash_build(&t, &in, out, &why), LB_E_SIZE);
    assert_string_equal(why, "recovery");
    in.recovery.len = 36 * KIB; /* exactly full is fine */
    assert_int_equal(lb_mkflash_build(&t, &in, out, &why), 0);
    uint8_t big_loader[16 * KIB + 4] = {0};
    in.loader = (lb_mkflash_blob_t){big_loader, sizeof(big_loader)};
    assert_int_equal(lb_mkflash_build(&t, &in, out, &why), LB_E_SIZE);
    assert_string_equal(why, "loader");
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
    const char *why = NULL;
    assert_int_equal(lb_mkflash_build(&t, &in, out, &why), LB_E_MAGIC);
    uint8_t *b = fake_image(64, 0);
    in.app[0] = (lb_mkflash_blob_t){NULL, 0};
    in.app[1] = (lb_mkflash_blob_t){b, 64};
    assert_int_equal(lb_mkflash_build(&t, &in, out, &why), LB_E_NOTFOUND);
    assert_string_equal(why, "app slot b");
    free(out);
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mkflash_places_every_part),
        cmocka_unit_test(test_mkflash_fills_with_erased_value),
        cmocka_unit_test(test_mkflash_refuses_oversized),
        cmocka_unit_test(test_mkflash_refuses_unsigned_and_missing_slot),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
