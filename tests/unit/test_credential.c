/* The per-device credential record and its log (lib/src/credential.c), on
 * the host board: format, newest-wins, unit switch, power cuts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "host_board.h"
#include "lb/crc32.h"
#include "lb/credential.h"
#include "lb/endian.h"
#include "lb/err.h"

static lb_geom_t geom;
static lb_flash_area_t area;

/* A 4-unit flash of 1 KiB units (8 records of 128 B per unit at program
 * size `ps`); the credential area is units 1-2. */
static void dev(uint32_t ps, uint8_t erased, bool program_once)
{
    memset(&geom, 0, sizeof geom);
    geom.size = 4096;
    geom.program_size = ps;
    geom.erased = erased;
    geom.region_count = 1;
    geom.regions[0].count = 4;
    geom.regions[0].size = 1024;
    host_board_setup(&geom);
    host_flash_set_program_once(program_once);
    assert_int_equal(lb_flash_area_init(&area, &geom, 1024, 2048), LB_OK);
}

static lb_cred_t cred(const char *user, uint8_t fill)
{
    lb_cred_t c;
    memset(&c, 0, sizeof c);
    strcpy(c.user, user);
    strcpy(c.realm, "lifeboat");
    memset(c.ha1, fill, sizeof c.ha1);
    return c;
}

static void test_credential_record_roundtrip(void **state)
{
    (void)state;
    lb_cred_t c = cred("ops-team.7", 0xA5), d;
    c.seq = 42;
    uint8_t buf[LB_CRED_RECORD_SIZE + 8];
    assert_int_equal(lb_cred_encode(&c, buf, sizeof buf, 0xFF), LB_CRED_RECORD_SIZE);
    assert_int_equal(buf[LB_CRED_RECORD_SIZE], 0xFF); /* padding: the erased value */
    assert_memory_equal(buf, "LBCR", 4);
    assert_int_equal(lb_cred_decode(&d, buf, sizeof buf), LB_OK);
    assert_int_equal(d.seq, 42);
    assert_string_equal(d.user, "ops-team.7");
    assert_string_equal(d.realm, "lifeboat");
    assert_memory_equal(d.ha1, c.ha1, sizeof c.ha1);
}

static void test_credential_bad_names_and_damage(void **state)
{
    (void)state;
    uint8_t buf[LB_CRED_RECORD_SIZE];
    const char *bad[] = {"", "with space", "quo\"te", "back\\slash", "tab\there"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        lb_cred_t c = cred("x", 1);
        strcpy(c.realm, bad[i]);
        assert_int_equal(lb_cred_encode(&c, buf, sizeof buf, 0xFF), LB_E_INVAL);
    }
    assert_true(lb_cred_name_ok("12345678901234567890123456789012"));
    assert_false(lb_cred_name_ok("123456789012345678901234567890123"));
    lb_cred_t c = cred("admin", 7), d;
    assert_int_equal(lb_cred_encode(&c, buf, sizeof buf, 0xFF), LB_CRED_RECORD_SIZE);
    assert_int_equal(lb_cred_decode(&d, buf, sizeof buf - 1), LB_E_SIZE);
    for (size_t i = 0; i < LB_CRED_RECORD_SIZE; i++) {
        uint8_t x[LB_CRED_RECORD_SIZE];
        memcpy(x, buf, sizeof x);
        x[i] ^= 0x10;
        assert_int_not_equal(lb_cred_decode(&d, x, sizeof x), LB_OK);
    }
    /* A forbidden byte in a name is refused even under a good CRC. */
    buf[16 + 2] = ' ';
    lb_put_le32(buf + 124, lb_crc32(0, buf, 124));
    assert_int_equal(lb_cred_decode(&d, buf, sizeof buf), LB_E_CORRUPT);
}

static void test_credential_newest_wins_across_units(void **state)
{
    (void)state;
    dev(4, 0xFF, false);
    lb_cred_t got;
    assert_int_equal(lb_cred_load(&area, &got), LB_E_NOTFOUND);
    /* 8 records per unit: 20 stores wrap through both units twice. */
    for (unsigned i = 1; i <= 20; i++) {
        lb_cred_t c = cred(i % 2 ? "odd" : "even", (uint8_t)i);
        assert_int_equal(lb_cred_store(&area, &c), LB_OK);
        assert_int_equal(c.seq, i);
        assert_int_equal(lb_cred_load(&area, &got), LB_OK);
        assert_int_equal(got.seq, i);
        assert_int_equal(got.ha1[0], i);
    }
    assert_int_equal(host_flash_violations(), 0);
    /* Outside the area nothing was touched. */
    for (uint32_t i = 0; i < 1024; i++) {
        assert_int_equal(host_flash_mem()[i], 0xFF);
        assert_int_equal(host_flash_mem()[3072 + i], 0xFF);
    }
    host_board_teardown();
}

static void test_credential_area_needs_two_units(void **state)
{
    (void)state;
    dev(4, 0xFF, false);
    lb_flash_area_t one;
    assert_int_equal(lb_flash_area_init(&one, &geom, 1024, 1024), LB_OK);
    lb_cred_t c = cred("admin", 1);
    assert_int_equal(lb_cred_store(&one, &c), LB_E_INVAL);
    assert_int_equal(lb_cred_load(&one, &c), LB_E_INVAL);
    host_board_teardown();
}

/* A power cut at every flash operation of a store, torn or not: afterwards
 * the credential in force is the old one or the new one, never none, and
 * the next store works (program-once flash, erased value 0x00). */
static void test_credential_power_cut_keeps_one_in_force(void **state)
{
    (void)state;
    for (int round = 0; round < 2; round++) {
        for (uint32_t n = 1; n <= 17; n++) { /* 8th/9th store switch units */
            for (long op = 0; op < 2; op++) {
                dev(8, 0x00, true);
                for (uint32_t i = 1; i < n; i++) {
                    lb_cred_t c = cred("old", (uint8_t)i);
                    assert_int_equal(lb_cred_store(&area, &c), LB_OK);
                }
                host_board_seed(n * 7u + (uint32_t)op);
                host_flash_reset_stats();
                host_flash_cut_at(op, round == 1);
                lb_cred_t c = cred("new", 0xEE);
                int rc = lb_cred_store(&area, &c);
                host_flash_cut_at(-1, false);
                lb_cred_t got;
                int lr = lb_cred_load(&area, &got);
                if (rc == LB_OK) {
                    assert_int_equal(lr, LB_OK);
                    assert_string_equal(got.user, "new");
                } else {
                    assert_int_equal(rc, LB_E_POWER);
                    if (n == 1) {
                        assert_true(lr == LB_E_NOTFOUND ||
                                    (lr == LB_OK && !strcmp(got.user, "new")));
                    } else {
                        assert_int_equal(lr, LB_OK);
                        assert_true(!strcmp(got.user, "old") || !strcmp(got.user, "new"));
                    }
                }
                lb_cred_t again = cred("after", 0x11);
                assert_int_equal(lb_cred_store(&area, &again), LB_OK);
                assert_int_equal(lb_cred_load(&area, &got), LB_OK);
                assert_string_equal(got.user, "after");
                assert_int_equal(host_flash_violations(), 0);
                host_board_teardown();
            }
        }
    }
}

/* The sealed HA1 of POST /api/credential: opens with the same current
 * HA1, nonce, cnonce and names, and with nothing else. */
static void test_credential_seal_opens_only_for_its_request(void **state)
{
    (void)state;
    uint8_t cur[LB_CRED_HA1_SIZE];
    memset(cur, 0x3C, sizeof cur);
    lb_cred_t nc = cred("owner", 0x5A), got;
    uint8_t sealed[LB_CRED_SEALED_SIZE];
    assert_int_equal(lb_cred_seal(cur, "nonce-1", "cn-1", &nc, sealed), LB_OK);
    /* Not the HA1 in the clear, nor a trivial function of it. */
    assert_memory_not_equal(sealed, nc.ha1, LB_CRED_HA1_SIZE);
    got = cred("owner", 0);
    assert_int_equal(lb_cred_unseal(cur, "nonce-1", "cn-1", &got, sealed), LB_OK);
    assert_memory_equal(got.ha1, nc.ha1, LB_CRED_HA1_SIZE);

    /* Each thing it is bound to, changed once. */
    uint8_t other[LB_CRED_HA1_SIZE];
    memcpy(other, cur, sizeof other);
    other[31] ^= 1;
    got = cred("owner", 0);
    assert_int_equal(lb_cred_unseal(other, "nonce-1", "cn-1", &got, sealed), LB_E_AUTH);
    assert_int_equal(lb_cred_unseal(cur, "nonce-2", "cn-1", &got, sealed), LB_E_AUTH);
    assert_int_equal(lb_cred_unseal(cur, "nonce-1", "cn-2", &got, sealed), LB_E_AUTH);
    /* The separator keeps nonce "ab"+cnonce "c" apart from "a"+"bc". */
    assert_int_equal(lb_cred_seal(cur, "ab", "c", &nc, sealed), LB_OK);
    assert_int_equal(lb_cred_unseal(cur, "a", "bc", &got, sealed), LB_E_AUTH);
    assert_int_equal(lb_cred_seal(cur, "nonce-1", "cn-1", &nc, sealed), LB_OK);
    lb_cred_t renamed = cred("intruder", 0);
    assert_int_equal(lb_cred_unseal(cur, "nonce-1", "cn-1", &renamed, sealed), LB_E_AUTH);
    lb_cred_t rerealm = cred("owner", 0);
    strcpy(rerealm.realm, "other");
    assert_int_equal(lb_cred_unseal(cur, "nonce-1", "cn-1", &rerealm, sealed), LB_E_AUTH);
    for (size_t i = 0; i < LB_CRED_SEALED_SIZE; i += 7) {
        sealed[i] ^= 0x80;
        got = cred("owner", 0x77);
        assert_int_equal(lb_cred_unseal(cur, "nonce-1", "cn-1", &got, sealed), LB_E_AUTH);
        for (size_t k = 0; k < LB_CRED_HA1_SIZE; k++) {
            assert_int_equal(got.ha1[k], 0); /* nothing of a refused one is kept */
        }
        sealed[i] ^= 0x80;
    }
    lb_cred_t bad = cred("has space", 0);
    assert_int_equal(lb_cred_seal(cur, "n", "c", &bad, sealed), LB_E_INVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_credential_seal_opens_only_for_its_request),
        cmocka_unit_test(test_credential_record_roundtrip),
        cmocka_unit_test(test_credential_bad_names_and_damage),
        cmocka_unit_test(test_credential_newest_wins_across_units),
        cmocka_unit_test(test_credential_area_needs_two_units),
        cmocka_unit_test(test_credential_power_cut_keeps_one_in_force),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
