/* The body of POST /api/credential (recovery/auth/cred_form.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "auth/cred_form.h"
#include "lb/err.h"

#define HA1 "00112233445566778899aabbccddeeffFFEEDDCCBBAA99887766554433221100"
/* 64 sealed bytes (the new HA1 encrypted, then the tag): 128 hex digits. */
#define SEALED HA1 "0f0e0d0c0b0a09080706050403020100a0a1a2a3a4a5a6a7a8a9aaabacadaeaf"

static uint8_t sealed[LB_CRED_SEALED_SIZE];

static int parse(const char *body, lb_cred_t *c, const char **why)
{
    return lb_cred_form_parse(body, strlen(body), "lifeboat", c, sealed, why);
}

static void test_cred_form_accepts_fields_in_any_order(void **state)
{
    (void)state;
    lb_cred_t c;
    const char *why = NULL;
    assert_int_equal(parse("user=ops&sealed=" SEALED, &c, &why), 0);
    assert_string_equal(c.user, "ops");
    assert_string_equal(c.realm, "lifeboat"); /* the default */
    assert_int_equal(sealed[0], 0x00);
    assert_int_equal(sealed[1], 0x11);
    assert_int_equal(sealed[16], 0xFF);
    assert_int_equal(sealed[31], 0x00);
    assert_int_equal(sealed[32], 0x0F);
    assert_int_equal(sealed[63], 0xAF);
    for (size_t i = 0; i < sizeof(c.ha1); i++) {
        assert_int_equal(c.ha1[i], 0); /* the form carries no HA1 of its own */
    }
    assert_int_equal(parse("sealed=" SEALED "&realm=plant-7&user=a.b_c-d\r\n", &c, &why), 0);
    assert_string_equal(c.user, "a.b_c-d");
    assert_string_equal(c.realm, "plant-7");
}

static void test_cred_form_refuses_precisely(void **state)
{
    (void)state;
    lb_cred_t c;
    static const char *const bad[] = {
        "",
        "user=ops",
        "sealed=" SEALED,
        "user=&sealed=" SEALED,
        "user=o%20ps&sealed=" SEALED,
        "user=o+ps&sealed=" SEALED,
        "user=o\"ps&sealed=" SEALED,
        "user=ops&sealed=" SEALED "0",
        "user=ops&sealed=" HA1,
        "user=ops&sealed=zz112233445566778899aabbccddeeffFFEEDDCCBBAA99887766554433221100"
        "0f0e0d0c0b0a09080706050403020100a0a1a2a3a4a5a6a7a8a9aaabacadaeaf",
        "user=ops&user=ops&sealed=" SEALED,
        "user=ops&sealed=" SEALED "&password=x",
        "user=ops&sealed=" SEALED "&",
        "user=ops&&sealed=" SEALED,
        "userops&sealed=" SEALED,
        "user=123456789012345678901234567890123&sealed=" SEALED,
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *why = NULL;
        assert_int_equal(parse(bad[i], &c, &why), LB_E_INVAL);
        assert_non_null(why);
    }
    /* Bytes after an embedded NUL are not ignored. */
    const char nul[] = "user=ops\0&sealed=" SEALED;
    const char *why = NULL;
    assert_int_equal(lb_cred_form_parse(nul, sizeof nul - 1, "lifeboat", &c, sealed, &why),
                     LB_E_INVAL);
}

/* The old clear-text form is refused with a reason that says what to send
 * instead, even when everything else is right. */
static void test_cred_form_refuses_ha1_in_the_clear(void **state)
{
    (void)state;
    lb_cred_t c;
    const char *why = NULL;
    assert_int_equal(parse("user=ops&ha1=" HA1, &c, &why), LB_E_INVAL);
    assert_non_null(strstr(why, "sealed"));
    assert_int_equal(parse("user=ops&sealed=" SEALED "&ha1=" HA1, &c, &why), LB_E_INVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cred_form_accepts_fields_in_any_order),
        cmocka_unit_test(test_cred_form_refuses_precisely),
        cmocka_unit_test(test_cred_form_refuses_ha1_in_the_clear),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
