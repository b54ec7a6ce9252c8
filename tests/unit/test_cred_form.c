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

static int parse(const char *body, lb_cred_t *c, const char **why)
{
    return lb_cred_form_parse(body, strlen(body), "lifeboat", c, why);
}

static void test_cred_form_accepts_fields_in_any_order(void **state)
{
    (void)state;
    lb_cred_t c;
    const char *why = NULL;
    assert_int_equal(parse("user=ops&ha1=" HA1, &c, &why), 0);
    assert_string_equal(c.user, "ops");
    assert_string_equal(c.realm, "lifeboat"); /* the default */
    assert_int_equal(c.ha1[0], 0x00);
    assert_int_equal(c.ha1[1], 0x11);
    assert_int_equal(c.ha1[16], 0xFF);
    assert_int_equal(c.ha1[31], 0x00);
    assert_int_equal(parse("ha1=" HA1 "&realm=plant-7&user=a.b_c-d\r\n", &c, &why), 0);
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
        "ha1=" HA1,
        "user=&ha1=" HA1,
        "user=o%20ps&ha1=" HA1,
        "user=o+ps&ha1=" HA1,
        "user=o\"ps&ha1=" HA1,
        "user=ops&ha1=" HA1 "0",
        "user=ops&ha1=zz112233445566778899aabbccddeeffffeeddccbbaa99887766554433221100",
        "user=ops&user=ops&ha1=" HA1,
        "user=ops&ha1=" HA1 "&password=x",
        "user=ops&ha1=" HA1 "&",
        "user=ops&&ha1=" HA1,
        "userops&ha1=" HA1,
        "user=123456789012345678901234567890123&ha1=" HA1,
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *why = NULL;
        assert_int_equal(parse(bad[i], &c, &why), LB_E_INVAL);
        assert_non_null(why);
    }
    /* Bytes after an embedded NUL are not ignored. */
    const char nul[] = "user=ops\0&ha1=" HA1;
    const char *why = NULL;
    assert_int_equal(lb_cred_form_parse(nul, sizeof nul - 1, "lifeboat", &c, &why), LB_E_INVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cred_form_accepts_fields_in_any_order),
        cmocka_unit_test(test_cred_form_refuses_precisely),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
