/* The update manifest (lb/manifest.h): writer and reader agree, every
 * member is checked, unknown members are skipped, limits hold, and an
 * image that disagrees with its entry is refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "lb/err.h"
#include "lb/manifest.h"

static lb_manifest_entry_t entry(uint8_t kind, uint8_t major, const char *url)
{
    lb_manifest_entry_t e;
    memset(&e, 0, sizeof e);
    e.kind = kind;
    e.version = (lb_image_version_t){major, 2, 3, 4};
    e.security_counter = 7;
    e.size = 12148;
    for (unsigned i = 0; i < sizeof e.sha256; i++) {
        e.sha256[i] = (uint8_t)(i * 17u + major);
    }
    snprintf(e.url, sizeof e.url, "%s", url);
    return e;
}

static int read_kind(const char *text, uint8_t kind, lb_manifest_entry_t *e, char *product)
{
    return lb_manifest_read(text, strlen(text), kind, e, product);
}

static void test_manifest_write_then_read_round_trips(void **state)
{
    (void)state;
    lb_manifest_entry_t in[2] = {entry(LB_IMAGE_KIND_APP, 1, "app-1.2.3-4.bin"),
                                 entry(LB_IMAGE_KIND_RECOVERY, 9, "https://cdn.example/r.bin")};
    char text[LB_MANIFEST_MAX_SIZE + 1], product[LB_IMAGE_PRODUCT_MAX + 1];
    int n = lb_manifest_write(text, sizeof text, "demo \"sensor\"", in, 2);
    assert_true(n > 0);
    assert_int_equal((size_t)n, strlen(text));
    lb_manifest_entry_t out;
    for (unsigned k = 0; k < 2; k++) {
        memset(&out, 0xA5, sizeof out);
        assert_int_equal(read_kind(text, in[k].kind, &out, product), 0);
        assert_memory_equal(&out, &in[k], sizeof out);
        assert_string_equal(product, "demo \"sensor\"");
    }
    /* A manifest with only an app has no recovery entry. */
    n = lb_manifest_write(text, sizeof text, "p", in, 1);
    assert_true(n > 0);
    assert_int_equal(read_kind(text, LB_IMAGE_KIND_RECOVERY, &out, product), LB_E_NOTFOUND);
    assert_int_equal(read_kind(text, 0, &out, product), LB_E_NOTFOUND);
}

static void test_manifest_write_refuses_what_the_reader_would(void **state)
{
    (void)state;
    char text[LB_MANIFEST_MAX_SIZE + 1];
    lb_manifest_entry_t e[2] = {entry(LB_IMAGE_KIND_APP, 1, "a.bin"),
                                entry(LB_IMAGE_KIND_APP, 2, "b.bin")};
    assert_int_equal(lb_manifest_write(text, sizeof text, "p", e, 2),
                     LB_E_INVAL); /* one per kind */
    assert_int_equal(lb_manifest_write(text, sizeof text, "", e, 1), LB_E_INVAL);
    assert_int_equal(lb_manifest_write(text, sizeof text, "p\n", e, 1), LB_E_INVAL);
    snprintf(e[0].url, sizeof e[0].url, "a b.bin");
    assert_int_equal(lb_manifest_write(text, sizeof text, "p", e, 1), LB_E_INVAL);
    e[0] = entry(LB_IMAGE_KIND_APP, 1, "a.bin");
    e[0].kind = 3;
    assert_int_equal(lb_manifest_write(text, sizeof text, "p", e, 1), LB_E_INVAL);
    e[0] = entry(LB_IMAGE_KIND_APP, 1, "a.bin");
    assert_int_equal(lb_manifest_write(text, 40, "p", e, 1), LB_E_NOSPACE);
    assert_true(lb_manifest_write(text, sizeof text, "p", e, 1) > 0);
}

/* A valid manifest with one app entry whose members are given as text. */
#define APP_ENTRY(extra)                                                                           \
    "{\"kind\":\"app\",\"version\":\"1.2.3+4\",\"security_counter\":7,\"size\":100,"               \
    "\"sha256\":\"00112233445566778899aabbccddeeff00112233445566778899AABBCCDDEEFF\","             \
    "\"url\":\"app.bin\"" extra "}"
#define MANIFEST(images) "{\"manifest\":1,\"product\":\"demo-sensor\",\"images\":[" images "]}"

static void test_manifest_read_skips_unknown_members_and_kinds(void **state)
{
    (void)state;
    static const char text[] =
        "  {\"later\":{\"x\":[1,2,{\"y\":null}]},\"manifest\":1,\"product\":\"demo-sensor\","
        "\"images\":[{\"kind\":\"data\",\"partition\":\"fs\",\"whatever\":true}," APP_ENTRY(
            ",\"notes\":\"new \\u00e9 field\",\"n\":-1.5e3") "],\"signed_by\":\"x\"}\n";
    lb_manifest_entry_t e;
    char product[LB_IMAGE_PRODUCT_MAX + 1];
    assert_int_equal(read_kind(text, LB_IMAGE_KIND_APP, &e, product), 0);
    assert_int_equal(e.version.major, 1);
    assert_int_equal(e.version.minor, 2);
    assert_int_equal(e.version.revision, 3);
    assert_int_equal(e.version.build, 4);
    assert_int_equal(e.security_counter, 7);
    assert_int_equal(e.size, 100);
    assert_int_equal(e.sha256[0], 0x00);
    assert_int_equal(e.sha256[31], 0xFF);
    assert_string_equal(e.url, "app.bin");
    assert_string_equal(product, "demo-sensor");
}

static void test_manifest_read_refuses_each_bad_member(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int want;
    } cases[] = {
        {MANIFEST(APP_ENTRY("")), 0},
        {"", LB_E_CORRUPT},
        {"[1]", LB_E_CORRUPT},
        {MANIFEST(APP_ENTRY("")) " x", LB_E_CORRUPT},
        {MANIFEST(APP_ENTRY("")) MANIFEST(APP_ENTRY("")), LB_E_CORRUPT},
        {"{\"manifest\":2,\"product\":\"demo-sensor\",\"images\":[]}", LB_E_VERSION},
        {"{\"manifest\":\"1\",\"product\":\"demo-sensor\",\"images\":[]}", LB_E_CORRUPT},
        {"{\"product\":\"demo-sensor\",\"images\":[]}", LB_E_CORRUPT},
        {"{\"manifest\":1,\"images\":[]}", LB_E_CORRUPT},
        {"{\"manifest\":1,\"product\":\"\",\"images\":[]}", LB_E_CORRUPT},
        {"{\"manifest\":1,\"product\":\"a\\u0001b\",\"images\":[]}", 0 /* '?' */},
        {"{\"manifest\":1,\"product\":\"123456789012345678901234567890123\",\"images\":[]}",
         LB_E_CORRUPT},
        {"{\"manifest\":1,\"product\":\"demo-sensor\",\"images\":{}}", LB_E_CORRUPT},
        {"{\"manifest\":1,\"product\":\"demo-sensor\"}", LB_E_CORRUPT},
        {MANIFEST(APP_ENTRY(",\"x\":")), LB_E_CORRUPT},
        {MANIFEST("1"), LB_E_CORRUPT},
        {MANIFEST("{\"version\":\"1\"}"), LB_E_CORRUPT},
        {MANIFEST(APP_ENTRY("") "," APP_ENTRY("")), LB_E_CORRUPT},
        {MANIFEST("{\"kind\":\"app\",\"version\":\"1.2.3.4\",\"security_counter\":7,"
                  "\"size\":100,\"sha256\":\""
                  "0011223344556677889900112233445566778899"
                  "001122334455667788\",\"url\":\"a\"}"),
         LB_E_CORRUPT},
        {MANIFEST("{\"kind\":\"app\",\"version\":\"1\",\"security_counter\":-1,"
                  "\"size\":100,\"sha256\":\""
                  "0011223344556677889900112233445566778899"
                  "001122334455667788\",\"url\":\"a\"}"),
         LB_E_CORRUPT},
        {MANIFEST("{\"kind\":\"app\",\"version\":\"1\",\"security_counter\":4294967296,"
                  "\"size\":100,\"sha256\":\""
                  "0011223344556677889900112233445566778899"
                  "001122334455667788\",\"url\":\"a\"}"),
         LB_E_CORRUPT},
        {MANIFEST("{\"kind\":\"app\",\"version\":\"1\",\"security_counter\":4294967295,"
                  "\"size\":0,\"sha256\":\""
                  "0011223344556677889900112233445566778899"
                  "001122334455667788\",\"url\":\"a\"}"),
         LB_E_CORRUPT},
        {MANIFEST("{\"kind\":\"app\",\"version\":\"1\",\"security_counter\":01,"
                  "\"size\":5,\"sha256\":\""
                  "0011223344556677889900112233445566778899"
                  "001122334455667788\",\"url\":\"a\"}"),
         LB_E_CORRUPT},
        {MANIFEST("{\"kind\":\"app\",\"version\":\"1\",\"security_counter\":1,"
                  "\"size\":5,\"sha256\":\""
                  "0011223344556677889900112233445566778899"
                  "00112233445566778g\",\"url\":\"a\"}"),
         LB_E_CORRUPT},
        {MANIFEST("{\"kind\":\"app\",\"version\":\"1\",\"security_counter\":1,"
                  "\"size\":5,\"sha256\":\""
                  "0011223344556677889900112233445566778899"
                  "0011223344556677\",\"url\":\"a\"}"),
         LB_E_CORRUPT},
        {MANIFEST("{\"kind\":\"app\",\"version\":\"1\",\"security_counter\":1,"
                  "\"size\":5,\"sha256\":\""
                  "0011223344556677889900112233445566778899"
                  "001122334455667788\",\"url\":\"a b\"}"),
         LB_E_CORRUPT},
        {MANIFEST("{\"kind\":\"app\",\"version\":\"1\",\"security_counter\":1,"
                  "\"size\":5,\"sha256\":\""
                  "0011223344556677889900112233445566778899"
                  "001122334455667788\",\"url\":\"\"}"),
         LB_E_CORRUPT},
        {MANIFEST("{\"kind\":\"app\",\"version\":\"1\",\"security_counter\":1,"
                  "\"size\":5,\"sha256\":\""
                  "0011223344556677889900112233445566778899"
                  "001122334455667788\"}"),
         LB_E_CORRUPT},
    };
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        lb_manifest_entry_t e;
        char product[LB_IMAGE_PRODUCT_MAX + 1];
        int rc = read_kind(cases[i].text, LB_IMAGE_KIND_APP, &e, product);
        if (cases[i].want == 0 && rc == LB_E_NOTFOUND) {
            rc = 0; /* valid, without an app entry */
        }
        if (rc != cases[i].want) {
            fail_msg("case %u (%s): got %d, want %d", i, cases[i].text, rc, cases[i].want);
        }
    }
}

static void test_manifest_read_bounds_size_nul_and_entries(void **state)
{
    (void)state;
    static char text[LB_MANIFEST_MAX_SIZE + 2];
    lb_manifest_entry_t e;
    char product[LB_IMAGE_PRODUCT_MAX + 1];
    const char *m = MANIFEST(APP_ENTRY(""));
    size_t n = strlen(m);
    /* White space up to the limit is fine; one byte more is not. */
    memset(text, ' ', LB_MANIFEST_MAX_SIZE);
    memcpy(text, m, n);
    text[LB_MANIFEST_MAX_SIZE] = '\0';
    assert_int_equal(lb_manifest_read(text, LB_MANIFEST_MAX_SIZE, LB_IMAGE_KIND_APP, &e, product),
                     0);
    text[LB_MANIFEST_MAX_SIZE] = ' ';
    text[LB_MANIFEST_MAX_SIZE + 1] = '\0';
    assert_int_equal(
        lb_manifest_read(text, LB_MANIFEST_MAX_SIZE + 1, LB_IMAGE_KIND_APP, &e, product),
        LB_E_RANGE);
    /* A NUL inside the announced length. */
    memcpy(text, m, n + 1);
    assert_int_equal(lb_manifest_read(text, n + 1, LB_IMAGE_KIND_APP, &e, product), LB_E_RANGE);
    /* More entries than the limit (of unknown kinds: still counted). */
    char big[1024] = "{\"manifest\":1,\"product\":\"p\",\"images\":[";
    for (unsigned i = 0; i <= LB_MANIFEST_MAX_IMAGES; i++) {
        strcat(big, i == 0 ? "{\"kind\":\"x\"}" : ",{\"kind\":\"x\"}");
    }
    strcat(big, "]}");
    assert_int_equal(read_kind(big, LB_IMAGE_KIND_APP, &e, product), LB_E_NOSPACE);
}

static void test_manifest_check_compares_with_the_image(void **state)
{
    (void)state;
    lb_manifest_entry_t e = entry(LB_IMAGE_KIND_APP, 1, "a.bin");
    lb_image_info_t info;
    memset(&info, 0, sizeof info);
    info.kind = LB_IMAGE_KIND_APP;
    info.version = e.version;
    info.security_counter = e.security_counter;
    info.total_size = e.size;
    snprintf(info.product, sizeof info.product, "demo-sensor");
    assert_int_equal(lb_manifest_check(&e, "demo-sensor", &info), 0);
    lb_image_info_t bad = info;
    bad.kind = LB_IMAGE_KIND_RECOVERY;
    assert_int_equal(lb_manifest_check(&e, "demo-sensor", &bad), LB_E_MISMATCH);
    bad = info;
    bad.version.build++;
    assert_int_equal(lb_manifest_check(&e, "demo-sensor", &bad), LB_E_MISMATCH);
    bad = info;
    bad.security_counter++;
    assert_int_equal(lb_manifest_check(&e, "demo-sensor", &bad), LB_E_MISMATCH);
    bad = info;
    bad.total_size--;
    assert_int_equal(lb_manifest_check(&e, "demo-sensor", &bad), LB_E_MISMATCH);
    assert_int_equal(lb_manifest_check(&e, "other", &info), LB_E_MISMATCH);
}

static void test_manifest_version_text_both_ways(void **state)
{
    (void)state;
    lb_image_version_t v;
    char s[LB_IMAGE_VERSION_STR_MAX];
    assert_int_equal(lb_image_version_parse("255.255.65535+4294967295", &v), 0);
    assert_int_equal(lb_image_version_format(&v, s), LB_IMAGE_VERSION_STR_MAX - 1);
    assert_string_equal(s, "255.255.65535+4294967295");
    assert_int_equal(lb_image_version_parse("7", &v), 0);
    lb_image_version_format(&v, s);
    assert_string_equal(s, "7.0.0+0");
    assert_int_equal(lb_image_version_parse("1.2+9", &v), 0);
    lb_image_version_format(&v, s);
    assert_string_equal(s, "1.2.0+9");
    static const char *const bad[] = {"",        "256",  "1.256", "1.2.65536", "1.2.3+4294967296",
                                      "1.2.3.4", "1..2", "+1",    "1.2.3+",    "a",
                                      "1.2.3 ",  "-1"};
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (lb_image_version_parse(bad[i], &v) != LB_E_INVAL) {
            fail_msg("'%s' accepted", bad[i]);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_manifest_write_then_read_round_trips),
        cmocka_unit_test(test_manifest_write_refuses_what_the_reader_would),
        cmocka_unit_test(test_manifest_read_skips_unknown_members_and_kinds),
        cmocka_unit_test(test_manifest_read_refuses_each_bad_member),
        cmocka_unit_test(test_manifest_read_bounds_size_nul_and_entries),
        cmocka_unit_test(test_manifest_check_compares_with_the_image),
        cmocka_unit_test(test_manifest_version_text_both_ways),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
