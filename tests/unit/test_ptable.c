/* The binary partition table (lib/src/ptable.c): encode/decode round trip,
 * CRC and corruption handling, and lb_ptable_check's semantic rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lb/crc32.h"
#include "lb/endian.h"
#include "lb/err.h"
#include "lb/ptable.h"

/* The default layout: 4 MiB of 4 KiB units, A/B + recovery. */
static void make_default(lb_ptable_t *t)
{
    static const lb_part_t parts[] = {
        {"loader", LB_PART_LOADER, LB_PTABLE_SLOT_NONE, 0, 0x00000, 0x8000},
        {"ptable", LB_PART_PTABLE, LB_PTABLE_SLOT_NONE, 0, 0x08000, 0x1000},
        {"bootstate", LB_PART_BOOTSTATE, LB_PTABLE_SLOT_NONE, 0, 0x09000, 0x2000},
        {"recovery", LB_PART_RECOVERY, LB_PTABLE_SLOT_NONE, 0, 0x0B000, 0x30000},
        {"app_a", LB_PART_APP, 0, 0, 0x3B000, 0x180000},
        {"app_b", LB_PART_APP, 1, 0, 0x1BB000, 0x180000},
        {"storage", LB_PART_DATA, LB_PTABLE_SLOT_NONE, 0, 0x33B000, 0xC5000},
    };
    memset(t, 0, sizeof(*t));
    t->geom.size = 4u << 20;
    t->geom.program_size = 4;
    t->geom.erased = 0xFF;
    t->geom.region_count = 1;
    t->geom.regions[0].count = 1024;
    t->geom.regions[0].size = 4096;
    t->count = sizeof(parts) / sizeof(parts[0]);
    memcpy(t->parts, parts, sizeof(parts));
}

/* STM32F4-like: 4x16K, 1x64K, 7x128K. */
static void make_mixed(lb_ptable_t *t)
{
    static const lb_part_t parts[] = {
        {"loader", LB_PART_LOADER, LB_PTABLE_SLOT_NONE, 0, 0x00000, 0x4000},
        {"ptable", LB_PART_PTABLE, LB_PTABLE_SLOT_NONE, 0, 0x04000, 0x4000},
        {"bootstate", LB_PART_BOOTSTATE, LB_PTABLE_SLOT_NONE, 0, 0x08000, 0x8000},
        {"recovery", LB_PART_RECOVERY, LB_PTABLE_SLOT_NONE, 0, 0x20000, 0x20000},
        {"app", LB_PART_APP, 0, 0, 0x40000, 0xC0000},
    };
    memset(t, 0, sizeof(*t));
    t->geom.size = 1u << 20;
    t->geom.program_size = 4;
    t->geom.erased = 0xFF;
    t->geom.region_count = 3;
    t->geom.regions[0] = (lb_erase_region_t){4, 16384};
    t->geom.regions[1] = (lb_erase_region_t){1, 65536};
    t->geom.regions[2] = (lb_erase_region_t){7, 131072};
    t->count = sizeof(parts) / sizeof(parts[0]);
    memcpy(t->parts, parts, sizeof(parts));
}

static void assert_tables_equal(const lb_ptable_t *a, const lb_ptable_t *b)
{
    assert_memory_equal(&a->geom, &b->geom, sizeof(a->geom));
    assert_int_equal(a->count, b->count);
    for (unsigned i = 0; i < a->count; i++) {
        assert_string_equal(a->parts[i].name, b->parts[i].name);
        assert_int_equal(a->parts[i].type, b->parts[i].type);
        assert_int_equal(a->parts[i].slot, b->parts[i].slot);
        assert_int_equal(a->parts[i].offset, b->parts[i].offset);
        assert_int_equal(a->parts[i].size, b->parts[i].size);
    }
}

static void test_ptable_round_trip(void **state)
{
    (void)state;
    lb_ptable_t t, back;
    uint8_t buf[LB_PTABLE_MAX_SIZE];
    make_default(&t);
    assert_int_equal(lb_ptable_check(&t, NULL), LB_OK);
    int n = lb_ptable_encode(&t, buf, sizeof(buf));
    assert_int_equal(n, 32 + 8 + 7 * 32 + 4);
    assert_int_equal((size_t)n, lb_ptable_encoded_size(&t));
    assert_int_equal(lb_get_le32(buf), LB_PTABLE_MAGIC);
    assert_memory_equal(buf, "LBPT", 4);
    assert_int_equal(lb_get_le32(buf + n - 4), lb_crc32(0, buf, (size_t)n - 4));
    assert_int_equal(lb_ptable_decode(&back, buf, (size_t)n), LB_OK);
    assert_tables_equal(&t, &back);

    make_mixed(&t);
    n = lb_ptable_encode(&t, buf, sizeof(buf));
    assert_true(n > 0);
    assert_int_equal(lb_ptable_decode(&back, buf, (size_t)n), LB_OK);
    assert_tables_equal(&t, &back);
}

static void test_ptable_encoding_is_canonical(void **state)
{
    (void)state;
    lb_ptable_t t, back;
    uint8_t a[LB_PTABLE_MAX_SIZE], b[LB_PTABLE_MAX_SIZE];
    make_default(&t);
    /* Garbage after the name's NUL must not reach the wire. */
    memset(t.parts[0].name + 7, 0x5A, LB_PTABLE_NAME_LEN - 7);
    int n = lb_ptable_encode(&t, a, sizeof(a));
    assert_int_equal(lb_ptable_decode(&back, a, (size_t)n), LB_OK);
    assert_int_equal(lb_ptable_encode(&back, b, sizeof(b)), n);
    assert_memory_equal(a, b, (size_t)n);
}

static void test_ptable_every_corrupted_byte_rejected(void **state)
{
    (void)state;
    lb_ptable_t t, back;
    uint8_t buf[LB_PTABLE_MAX_SIZE], bad[LB_PTABLE_MAX_SIZE];
    make_default(&t);
    int n = lb_ptable_encode(&t, buf, sizeof(buf));
    static const uint8_t masks[] = {0x01, 0x02, 0x10, 0x80, 0xFF, 0x5A};
    for (int i = 0; i < n; i++) {
        for (size_t m = 0; m < sizeof(masks); m++) {
            memcpy(bad, buf, (size_t)n);
            bad[i] ^= masks[m];
            int r = lb_ptable_decode(&back, bad, (size_t)n);
            if (r == LB_OK) {
                fail_msg("byte %d ^ 0x%02x accepted", i, masks[m]);
            }
            assert_true(r < 0);
        }
    }
}

static void test_ptable_truncated_and_trailing(void **state)
{
    (void)state;
    lb_ptable_t t, back;
    uint8_t buf[LB_PTABLE_MAX_SIZE + 64];
    make_default(&t);
    int n = lb_ptable_encode(&t, buf, sizeof(buf));
    for (int len = 0; len < n; len++) {
        assert_true(lb_ptable_decode(&back, buf, (size_t)len) < 0);
    }
    /* The rest of the partition (erased bytes) may follow the table. */
    memset(buf + n, 0xFF, 64);
    assert_int_equal(lb_ptable_decode(&back, buf, (size_t)n + 64), LB_OK);
}

static void test_ptable_erased_flash_rejected(void **state)
{
    (void)state;
    lb_ptable_t back;
    uint8_t buf[LB_PTABLE_MAX_SIZE];
    memset(buf, 0xFF, sizeof(buf));
    assert_int_equal(lb_ptable_decode(&back, buf, sizeof(buf)), LB_E_MAGIC);
    memset(buf, 0x00, sizeof(buf));
    assert_int_equal(lb_ptable_decode(&back, buf, sizeof(buf)), LB_E_MAGIC);
}

/* Re-seals a modified encoding with a correct CRC. */
static void reseal(uint8_t *buf, int n)
{
    lb_put_le32(buf + n - 4, lb_crc32(0, buf, (size_t)n - 4));
}

static void test_ptable_header_fields_checked(void **state)
{
    (void)state;
    lb_ptable_t t, back;
    uint8_t buf[LB_PTABLE_MAX_SIZE], bad[LB_PTABLE_MAX_SIZE];
    make_default(&t);
    int n = lb_ptable_encode(&t, buf, sizeof(buf));

    memcpy(bad, buf, (size_t)n);
    lb_put_le16(bad + 4, 2); /* version */
    reseal(bad, n);
    assert_int_equal(lb_ptable_decode(&back, bad, (size_t)n), LB_E_VERSION);

    memcpy(bad, buf, (size_t)n);
    bad[24] = 1; /* reserved[0] */
    reseal(bad, n);
    assert_int_equal(lb_ptable_decode(&back, bad, (size_t)n), LB_E_CORRUPT);

    memcpy(bad, buf, (size_t)n);
    bad[21] = 0x80; /* unknown header flag */
    reseal(bad, n);
    assert_int_equal(lb_ptable_decode(&back, bad, (size_t)n), LB_E_CORRUPT);

    memcpy(bad, buf, (size_t)n);
    bad[32 + 8 + 28] = 1; /* entry 0 reserved */
    reseal(bad, n);
    assert_int_equal(lb_ptable_decode(&back, bad, (size_t)n), LB_E_CORRUPT);

    memcpy(bad, buf, (size_t)n);
    bad[32 + 8 + 10] = 'x'; /* a byte after the NUL of "loader" */
    reseal(bad, n);
    assert_int_equal(lb_ptable_decode(&back, bad, (size_t)n), LB_E_CORRUPT);

    memcpy(bad, buf, (size_t)n);
    bad[23] = 8; /* entry count beyond the data */
    reseal(bad, n);
    assert_int_equal(lb_ptable_decode(&back, bad, (size_t)n), LB_E_SIZE);

    memcpy(bad, buf, (size_t)n);
    bad[22] = 0; /* no regions */
    assert_int_equal(lb_ptable_decode(&back, bad, (size_t)n), LB_E_SIZE);

    /* A well-sealed table that breaks a semantic rule: decode runs check. */
    memcpy(bad, buf, (size_t)n);
    lb_put_le32(bad + 32 + 8 + 32 + 20, 0x4000); /* ptable offset inside the loader */
    reseal(bad, n);
    assert_int_equal(lb_ptable_decode(&back, bad, (size_t)n), LB_E_RANGE);
}

static void test_ptable_encode_limits(void **state)
{
    (void)state;
    lb_ptable_t t;
    uint8_t buf[LB_PTABLE_MAX_SIZE];
    make_default(&t);
    assert_int_equal(lb_ptable_encode(&t, buf, lb_ptable_encoded_size(&t) - 1), LB_E_NOSPACE);
    t.count = 0;
    assert_int_equal(lb_ptable_encode(&t, buf, sizeof(buf)), LB_E_INVAL);
    t.count = LB_PTABLE_MAX_ENTRIES + 1;
    assert_int_equal(lb_ptable_encode(&t, buf, sizeof(buf)), LB_E_INVAL);
    make_default(&t);
    t.geom.region_count = 0;
    assert_int_equal(lb_ptable_encode(&t, buf, sizeof(buf)), LB_E_INVAL);
}

/* Applies `mutate` to a valid table and expects lb_ptable_check to fail
 * with `err`. */
#define EXPECT_CHECK(make, stmt, err)                                                              \
    do {                                                                                           \
        lb_ptable_t t_;                                                                            \
        const char *why_ = NULL;                                                                   \
        make(&t_);                                                                                 \
        lb_ptable_t *t = &t_;                                                                      \
        stmt;                                                                                      \
        assert_int_equal(lb_ptable_check(t, &why_), err);                                          \
        assert_non_null(why_);                                                                     \
    } while (0)

static void test_ptable_check_rules(void **state)
{
    (void)state;
    lb_ptable_t ok;
    make_default(&ok);
    assert_int_equal(lb_ptable_check(&ok, NULL), LB_OK);
    make_mixed(&ok);
    assert_int_equal(lb_ptable_check(&ok, NULL), LB_OK);

    EXPECT_CHECK(make_default, t->parts[1].offset = 0x7000, LB_E_RANGE); /* overlap */
    EXPECT_CHECK(make_default, t->parts[6].size = 0xC6000, LB_E_RANGE);  /* past end */
    EXPECT_CHECK(make_default, t->parts[6].offset = 0x33B800, LB_E_RANGE);
    EXPECT_CHECK(make_default, t->parts[6].size = 0xC4800, LB_E_ALIGN); /* end unaligned */
    EXPECT_CHECK(make_default, t->parts[6].size = 0, LB_E_SIZE);
    EXPECT_CHECK(make_default, strcpy(t->parts[5].name, "app_a"), LB_E_INVAL);
    EXPECT_CHECK(make_default, strcpy(t->parts[5].name, "App"), LB_E_INVAL);
    EXPECT_CHECK(make_default, t->parts[5].name[0] = '\0', LB_E_INVAL);
    EXPECT_CHECK(make_default, memset(t->parts[5].name, 'a', LB_PTABLE_NAME_LEN), LB_E_INVAL);
    EXPECT_CHECK(make_default, t->parts[6].type = 0, LB_E_INVAL);
    EXPECT_CHECK(make_default, t->parts[6].type = 0xFF, LB_E_INVAL);
    EXPECT_CHECK(make_default, t->parts[6].flags = 1, LB_E_INVAL);
    EXPECT_CHECK(make_default, t->parts[5].slot = 0, LB_E_INVAL); /* duplicate slot */
    EXPECT_CHECK(make_default, t->parts[5].slot = 2, LB_E_INVAL); /* slot out of range */
    EXPECT_CHECK(make_default, t->parts[6].slot = 1, LB_E_INVAL); /* slot on data */
    EXPECT_CHECK(make_default, t->parts[2].size = 0x1000;
                 t->parts[2].offset = 0xA000, LB_E_SIZE); /* bootstate of one unit */
    EXPECT_CHECK(make_default, t->parts[0].type = LB_PART_DATA, LB_E_NOTFOUND);   /* no loader */
    EXPECT_CHECK(make_default, t->parts[3].type = LB_PART_DATA, LB_E_NOTFOUND);   /* no recovery */
    EXPECT_CHECK(make_default, t->parts[6].type = LB_PART_PTABLE, LB_E_NOTFOUND); /* two */
    EXPECT_CHECK(make_default, t->parts[4].type = LB_PART_DATA;
                 t->parts[4].slot = 0xFF, LB_E_NOTFOUND); /* only slot 1 */
    EXPECT_CHECK(make_default, t->count = 0, LB_E_SIZE);
    EXPECT_CHECK(make_default, t->geom.size += 4096, LB_E_INVAL); /* regions != size */
    EXPECT_CHECK(make_default, t->geom.program_size = 3, LB_E_INVAL);
    EXPECT_CHECK(make_default, t->geom.erased = 0x55, LB_E_INVAL);
    /* Mixed sectors: a partition ending inside the 64K sector. */
    EXPECT_CHECK(make_mixed, t->parts[2].size = 0x10000, LB_E_ALIGN);
    EXPECT_CHECK(make_mixed, t->parts[3].offset = 0x18000, LB_E_ALIGN);
    /* Bootstate units counted on non-uniform sectors: the one 64K sector
     * alone is one unit; 16K + 16K + 64K is three. */
    EXPECT_CHECK(make_mixed, t->parts[2].offset = 0x10000; t->parts[2].size = 0x10000, LB_E_SIZE);
    make_mixed(&ok);
    ok.parts[2].size = 0x18000;
    assert_int_equal(lb_ptable_check(&ok, NULL), LB_OK);
}

static void test_ptable_lookups(void **state)
{
    (void)state;
    lb_ptable_t t;
    make_default(&t);
    assert_int_equal(lb_ptable_find(&t, LB_PART_APP, 1)->offset, 0x1BB000);
    assert_string_equal(lb_ptable_find(&t, LB_PART_BOOTSTATE, LB_PTABLE_SLOT_NONE)->name,
                        "bootstate");
    assert_int_equal(lb_ptable_find_name(&t, "storage")->type, LB_PART_DATA);
    assert_null(lb_ptable_find_name(&t, "nope"));
    assert_int_equal(lb_ptable_slot_count(&t), 2);
    t.count = 5; /* drop app_b and storage */
    assert_int_equal(lb_ptable_slot_count(&t), 1);
    assert_null(lb_ptable_find(&t, LB_PART_APP, 1));
    assert_string_equal(lb_part_type_name(LB_PART_RECOVERY), "recovery");
    assert_string_equal(lb_part_type_name(0), "unknown");
    assert_int_equal(lb_part_type_from_name("bootstate"), LB_PART_BOOTSTATE);
    assert_int_equal(lb_part_type_from_name("firmware"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ptable_round_trip),
        cmocka_unit_test(test_ptable_encoding_is_canonical),
        cmocka_unit_test(test_ptable_every_corrupted_byte_rejected),
        cmocka_unit_test(test_ptable_truncated_and_trailing),
        cmocka_unit_test(test_ptable_erased_flash_rejected),
        cmocka_unit_test(test_ptable_header_fields_checked),
        cmocka_unit_test(test_ptable_encode_limits),
        cmocka_unit_test(test_ptable_check_rules),
        cmocka_unit_test(test_ptable_lookups),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
