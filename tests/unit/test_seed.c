/* The entropy seed (lib/src/seed.c) on the host board: the record, a draw
 * renews the stored seed and derives a different secret every time, the
 * secret depends on the stored seed and on the noise, power cuts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "host_board.h"
#include "lb/crc32.h"
#include "lb/endian.h"
#include "lb/err.h"
#include "lb/hmac.h"
#include "lb/seed.h"

static lb_geom_t geom;
static lb_flash_area_t area;

static void dev(void)
{
    memset(&geom, 0, sizeof geom);
    geom.size = 2048;
    geom.program_size = 16;
    geom.erased = 0xFF;
    geom.region_count = 1;
    geom.regions[0].count = 4;
    geom.regions[0].size = 512;
    host_board_setup(&geom);
    assert_int_equal(lb_flash_area_init(&area, &geom, 1024, 1024), LB_OK);
}

static void test_seed_record_layout(void **state)
{
    (void)state;
    uint8_t seed[LB_SEED_SIZE], back[LB_SEED_SIZE], buf[LB_SEED_RECORD_SIZE + 4];
    for (unsigned i = 0; i < LB_SEED_SIZE; i++) {
        seed[i] = (uint8_t)(i * 7 + 1);
    }
    assert_int_equal(lb_seed_encode(5, seed, buf, sizeof buf, 0xFF), LB_SEED_RECORD_SIZE);
    assert_memory_equal(buf, "LBSD", 4);
    assert_int_equal(lb_get_le16(buf + 4), LB_SEED_VERSION);
    assert_int_equal(lb_get_le16(buf + 6), LB_SEED_RECORD_SIZE);
    assert_int_equal(lb_get_le32(buf + 8), 5);
    assert_memory_equal(buf + 12, seed, LB_SEED_SIZE);
    assert_int_equal(lb_get_le32(buf + 44), lb_crc32(0, buf, 44));
    assert_int_equal(buf[LB_SEED_RECORD_SIZE], 0xFF);
    uint32_t seq = 0;
    assert_int_equal(lb_seed_decode(&seq, back, buf, sizeof buf), LB_OK);
    assert_int_equal(seq, 5);
    assert_memory_equal(back, seed, LB_SEED_SIZE);
    buf[20] ^= 1;
    assert_int_equal(lb_seed_decode(&seq, back, buf, sizeof buf), LB_E_CORRUPT);
    assert_int_equal(lb_seed_encode(5, seed, buf, LB_SEED_RECORD_SIZE - 1, 0xFF), LB_E_NOSPACE);
}

/* The stored seed after a draw: the newest record's bytes. */
static void stored(uint8_t out[LB_SEED_SIZE])
{
    uint8_t best[LB_SEED_SIZE];
    uint32_t best_seq = 0;
    for (uint32_t i = 0; i < 20; i++) { /* two 512-byte units of ten 48-byte slots */
        uint32_t off = i / 10 * 512 + i % 10 * LB_SEED_RECORD_SIZE, seq;
        if (lb_seed_decode(&seq, out, host_flash_mem() + area.off + off, LB_SEED_RECORD_SIZE) ==
                LB_OK &&
            seq > best_seq) {
            best_seq = seq;
            memcpy(best, out, sizeof best);
        }
    }
    assert_true(best_seq > 0);
    memcpy(out, best, LB_SEED_SIZE);
}

static void test_seed_draw_renews_and_never_repeats(void **state)
{
    (void)state;
    dev();
    const uint8_t noise[4] = {0}; /* the same (absent) noise every time */
    uint8_t keys[40][LB_SEED_SIZE], s_prev[LB_SEED_SIZE], s_now[LB_SEED_SIZE];
    /* Factory seed. */
    uint8_t factory[LB_SEED_SIZE], rec[LB_SEED_RECORD_SIZE];
    memset(factory, 0x42, sizeof factory);
    assert_int_equal(lb_seed_encode(1, factory, rec, sizeof rec, 0xFF), LB_SEED_RECORD_SIZE);
    assert_int_equal(lb_flash_area_program(&area, 0, rec, sizeof rec), LB_OK);
    memcpy(s_prev, factory, sizeof s_prev);
    for (unsigned i = 0; i < 40; i++) { /* 40 > 2 units of 10: the log wraps */
        int f = lb_seed_draw(&area, noise, sizeof noise, keys[i]);
        assert_int_equal(f, LB_SEED_F_STORED | LB_SEED_F_RENEWED | LB_SEED_F_NOISE);
        stored(s_now);
        assert_memory_not_equal(s_now, s_prev, LB_SEED_SIZE); /* renewed */
        /* The secret is not the stored seed (one-way from it). */
        assert_memory_not_equal(keys[i], s_now, LB_SEED_SIZE);
        for (unsigned k = 0; k < i; k++) {
            assert_memory_not_equal(keys[i], keys[k], LB_SEED_SIZE);
        }
        memcpy(s_prev, s_now, sizeof s_prev);
    }
    assert_int_equal(host_flash_violations(), 0);
    host_board_teardown();
}

/* Same noise, different stored seeds: different secrets; same stored seed,
 * different noise: different secrets. */
static void test_seed_secret_depends_on_seed_and_noise(void **state)
{
    (void)state;
    uint8_t k[4][LB_SEED_SIZE], rec[LB_SEED_RECORD_SIZE], sd[LB_SEED_SIZE];
    const uint8_t n1[8] = {1}, n2[8] = {2};
    for (unsigned i = 0; i < 4; i++) {
        dev();
        memset(sd, i < 2 ? 0x11 : 0x22, sizeof sd);
        assert_int_equal(lb_seed_encode(1, sd, rec, sizeof rec, 0xFF), LB_SEED_RECORD_SIZE);
        assert_int_equal(lb_flash_area_program(&area, 0, rec, sizeof rec), LB_OK);
        assert_true(lb_seed_draw(&area, i % 2 ? n2 : n1, 8, k[i]) >= 0);
        host_board_teardown();
    }
    assert_memory_not_equal(k[0], k[1], LB_SEED_SIZE); /* noise */
    assert_memory_not_equal(k[0], k[2], LB_SEED_SIZE); /* seed */
    /* Without a partition: derived from the noise alone, nothing stored. */
    uint8_t a[LB_SEED_SIZE], b[LB_SEED_SIZE];
    assert_int_equal(lb_seed_draw(NULL, n1, 8, a), LB_SEED_F_NOISE);
    assert_int_equal(lb_seed_draw(NULL, n2, 8, b), LB_SEED_F_NOISE);
    assert_memory_not_equal(a, b, LB_SEED_SIZE);
    /* An erased partition: no stored seed yet, the first one is written. */
    dev();
    assert_int_equal(lb_seed_draw(&area, n1, 8, a), LB_SEED_F_RENEWED | LB_SEED_F_NOISE);
    assert_int_equal(lb_seed_draw(&area, n1, 8, b),
                     LB_SEED_F_STORED | LB_SEED_F_RENEWED | LB_SEED_F_NOISE);
    assert_memory_not_equal(a, b, LB_SEED_SIZE);
    host_board_teardown();
}

/* A cut while the renewed seed is written: the draw still returns a
 * secret (without RENEWED), the log keeps a valid seed, and the next draw
 * gives another secret as long as its noise differs (the recovery image
 * mixes in the boot count, which the loader advanced). */
static void test_seed_power_cut_while_renewing(void **state)
{
    (void)state;
    for (long op = 0; op < 2; op++) {
        for (int torn = 0; torn < 2; torn++) {
            dev();
            uint8_t n[4] = {9};
            uint8_t k0[LB_SEED_SIZE], k1[LB_SEED_SIZE], k2[LB_SEED_SIZE];
            for (unsigned i = 0; i < 10; i++) { /* the unit is full: the next draw erases */
                assert_true(lb_seed_draw(&area, n, sizeof n, k0) >= 0);
            }
            host_board_seed((uint32_t)(op * 2 + torn));
            host_flash_reset_stats();
            host_flash_cut_at(op, torn != 0);
            int f = lb_seed_draw(&area, n, sizeof n, k1);
            host_flash_cut_at(-1, false);
            assert_true(f >= 0);
            assert_false(f & LB_SEED_F_RENEWED);
            n[1]++; /* the next boot */
            assert_int_equal(lb_seed_draw(&area, n, sizeof n, k2),
                             LB_SEED_F_STORED | LB_SEED_F_RENEWED | LB_SEED_F_NOISE);
            assert_memory_not_equal(k0, k1, LB_SEED_SIZE);
            assert_memory_not_equal(k1, k2, LB_SEED_SIZE);
            host_board_teardown();
        }
    }
}

/* RFC 4231 test cases 1 and 2 (HMAC-SHA-256), and the incremental form. */
static void test_seed_hmac_matches_rfc4231(void **state)
{
    (void)state;
    uint8_t key1[20], out[LB_HMAC_SIZE];
    memset(key1, 0x0b, sizeof key1);
    static const uint8_t t1[32] = {0xb0, 0x34, 0x4c, 0x61, 0xd8, 0xdb, 0x38, 0x53, 0x5c, 0xa8, 0xaf,
                                   0xce, 0xaf, 0x0b, 0xf1, 0x2b, 0x88, 0x1d, 0xc2, 0x00, 0xc9, 0x83,
                                   0x3d, 0xa7, 0x26, 0xe9, 0x37, 0x6c, 0x2e, 0x32, 0xcf, 0xf7};
    assert_int_equal(lb_hmac_sha256(key1, sizeof key1, "Hi There", 8, out), LB_OK);
    assert_memory_equal(out, t1, 32);
    static const uint8_t t2[32] = {0x5b, 0xdc, 0xc1, 0x46, 0xbf, 0x60, 0x75, 0x4e, 0x6a, 0x04, 0x24,
                                   0x26, 0x08, 0x95, 0x75, 0xc7, 0x5a, 0x00, 0x3f, 0x08, 0x9d, 0x27,
                                   0x39, 0x83, 0x9d, 0xec, 0x58, 0xb9, 0x64, 0xec, 0x38, 0x43};
    lb_hmac_t h;
    assert_int_equal(lb_hmac_start(&h, "Jefe", 4), LB_OK);
    assert_int_equal(lb_hmac_update(&h, "what do ya want ", 16), LB_OK);
    assert_int_equal(lb_hmac_update(&h, "for nothing?", 12), LB_OK);
    assert_int_equal(lb_hmac_finish(&h, out), LB_OK);
    assert_memory_equal(out, t2, 32);
    uint8_t long_key[65] = {0};
    assert_int_equal(lb_hmac_sha256(long_key, sizeof long_key, "x", 1, out), LB_E_INVAL);
    assert_true(lb_ct_equal(t1, t1, 32));
    assert_false(lb_ct_equal(t1, t2, 32));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seed_record_layout),
        cmocka_unit_test(test_seed_draw_renews_and_never_repeats),
        cmocka_unit_test(test_seed_secret_depends_on_seed_and_noise),
        cmocka_unit_test(test_seed_power_cut_while_renewing),
        cmocka_unit_test(test_seed_hmac_matches_rfc4231),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
