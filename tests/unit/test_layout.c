/* The layout reader/validator (tools/lifeboat/layout.c): values, defaults,
 * placement, located errors, keys, and agreement with lb_ptable_check. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <mbedtls/sha256.h>

#include "diag.h"
#include "emit.h"
#include "layout.h"
#include "lb/err.h"
#include "lb/ptable.h"

static const char base_yaml[] = "version: 1\n"
                                "product: test\n"
                                "board: host\n"
                                "flash:\n"
                                "  size: 1M\n"
                                "  erase:\n"
                                "    - { count: 256, size: 4K }\n"
                                "partitions:\n"
                                "  - { name: loader,    type: loader,    size: 16K }\n"
                                "  - { name: ptable,    type: ptable,    size: 4K }\n"
                                "  - { name: bootstate, type: bootstate, size: 8K }\n"
                                "  - { name: recovery,  type: recovery,  size: 96K }\n"
                                "  - { name: app_a,     type: app,       size: 384K }\n"
                                "  - { name: app_b,     type: app,       size: 384K }\n"
                                "  - { name: storage,   type: data,      size: rest }\n"
                                "recovery:\n"
                                "  auth: { user: admin, password: lifeboat }\n";

/* The layout and diagnostics are large: keep them off the stack. */
static lb_layout_t layout;
static lb_diag_t diag;

static unsigned parse(const char *text)
{
    lb_diag_free(&diag);
    lb_diag_init(&diag, "t.yaml");
    return lb_layout_parse(&layout, text, strlen(text), "dir/t.yaml", &diag);
}

/* Replaces the first `from` in base_yaml by `to`, parses, returns errors. */
static unsigned parse_edit(const char *from, const char *to)
{
    static char buf[4096];
    const char *at = strstr(base_yaml, from);
    assert_non_null(at);
    snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(at - base_yaml), base_yaml, to, at + strlen(from));
    return parse(buf);
}

/* True if some stored error is at line:col and contains `text`. */
static int has_error(unsigned line, unsigned col, const char *text)
{
    for (unsigned i = 0; i < diag.stored; i++) {
        const lb_diag_entry_t *e = &diag.entries[i];
        if (e->line == line && e->col == col && strstr(e->msg, text)) {
            return 1;
        }
    }
    for (unsigned i = 0; i < diag.stored; i++) {
        print_error("  have %u:%u: %s\n", diag.entries[i].line, diag.entries[i].col,
                    diag.entries[i].msg);
    }
    return 0;
}

static void test_layout_valid_values_and_defaults(void **state)
{
    (void)state;
    assert_int_equal(parse(base_yaml), 0);
    assert_string_equal(layout.product, "test");
    assert_string_equal(layout.board, "host");
    assert_int_equal(layout.geom.size, 1u << 20);
    assert_int_equal(layout.geom.erased, 0xFF);
    assert_int_equal(layout.geom.program_size, 4);
    assert_int_equal(layout.part_count, 7);
    assert_int_equal(layout.parts[3].offset, 0x7000);
    assert_int_equal(layout.parts[4].slot, 0);
    assert_int_equal(layout.parts[5].slot, 1);
    assert_int_equal(layout.parts[6].slot, LB_PTABLE_SLOT_NONE);
    assert_true(layout.parts[6].size_rest);
    assert_int_equal(layout.parts[6].offset + layout.parts[6].size, 1u << 20);
    assert_int_equal(layout.boot.trial_boots, 3);
    assert_int_equal(layout.boot.crash_limit, 3);
    assert_int_equal(layout.boot.strap_hold_ms, 50);
    assert_int_equal(layout.boot.crash_resets, 0x19);
    assert_int_equal(layout.boot.watchdog_ms, 2000);
    assert_false(layout.boot.verify_signature);
    assert_true(layout.recovery.net.dhcp);
    assert_true(layout.app.net.dhcp);
    assert_int_equal(layout.app.first_check_s, 30);
    assert_int_equal(layout.recovery.port, 80);
    assert_string_equal(layout.recovery.auth_realm, "lifeboat");
    /* hex SHA-256("admin:lifeboat:lifeboat") */
    assert_string_equal(layout.recovery.auth_ha1,
                        "252f0a8b701b89291e4d5c710fb209243128d1bbc2f30e58cf5bdc8fc01606a3");
    assert_string_equal(layout.app.name, "test"); /* defaults to the product */
    assert_int_equal(layout.retained.address, 0); /* host: asked at run time */
    assert_int_equal(layout.parts[4].size_pos.line, 13);
    assert_int_equal(layout.parts[4].size_pos.col, 47);
}

static void test_layout_table_passes_loader_check(void **state)
{
    (void)state;
    lb_ptable_t t, back;
    uint8_t buf[LB_PTABLE_MAX_SIZE];
    assert_int_equal(parse(base_yaml), 0);
    lb_layout_to_ptable(&layout, &t);
    assert_int_equal(lb_ptable_check(&t, NULL), LB_OK);
    int n = lb_ptable_encode(&t, buf, sizeof(buf));
    assert_true(n > 0);
    assert_int_equal(lb_ptable_decode(&back, buf, (size_t)n), LB_OK);
    assert_int_equal(back.count, 7);
    assert_string_equal(back.parts[6].name, "storage");
}

static void test_layout_sizes(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        int r;
        uint32_t v;
    } cases[] = {
        {"4K", LB_OK, 4096},
        {"4KiB", LB_OK, 4096},
        {"1M", LB_OK, 1048576},
        {"3MiB", LB_OK, 3145728},
        {"0x1000", LB_OK, 4096},
        {"0X10K", LB_OK, 16384},
        {"4096", LB_OK, 4096},
        {"4294967295", LB_OK, 4294967295u},
        {"4294967296", LB_E_RANGE, 0},
        {"4096M", LB_E_RANGE, 0},
        {"0x100000000", LB_E_RANGE, 0},
        {"99999999999999999999999", LB_E_RANGE, 0},
        {"12KB", LB_E_INVAL, 0},
        {"4Q", LB_E_INVAL, 0},
        {"4k", LB_E_INVAL, 0},
        {"4 K", LB_E_INVAL, 0},
        {"K", LB_E_INVAL, 0},
        {"", LB_E_INVAL, 0},
        {"-4K", LB_E_INVAL, 0},
        {"0x", LB_E_INVAL, 0},
        {"1.5M", LB_E_INVAL, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint32_t v = 0;
        const char *why = NULL;
        int r = lb_layout_parse_size(cases[i].s, &v, &why);
        if (r != cases[i].r) {
            fail_msg("'%s': got %d want %d", cases[i].s, r, cases[i].r);
        }
        if (r == LB_OK) {
            assert_int_equal(v, cases[i].v);
        } else {
            assert_non_null(why);
        }
    }
}

static void test_layout_errors_are_located(void **state)
{
    (void)state;
    assert_int_equal(parse_edit("size: 96K", "size: 96KB"), 1);
    assert_true(has_error(12, 47, "unknown size suffix"));

    assert_int_equal(parse_edit("name: app_b,", "name: app_a,"), 1);
    assert_true(has_error(14, 13, "duplicate partition name 'app_a' (first at line 13)"));

    assert_int_equal(parse_edit("product: test\n", "product: test\nproduct: x\n"), 1);
    assert_true(has_error(3, 1, "duplicate key 'product'"));

    assert_int_equal(parse_edit("size: 8K", "size: 4K"), 1);
    assert_true(has_error(11, 47, "at least two erase units"));

    assert_int_equal(parse_edit("  size: 1M", "\tsize: 1M"), 1);
    assert_true(has_error(5, 1, "YAML syntax error"));

    assert_int_equal(parse(""), 1);
    assert_true(has_error(1, 1, "empty layout"));
}

static void test_layout_reports_all_errors(void **state)
{
    (void)state;
    static const char text[] = "version: 3\n"
                               "product: a b\n"
                               "board: host\n"
                               "flash: { size: 1M, erase: [ { count: 256, size: 4K } ] }\n"
                               "partitions:\n"
                               "  - { name: loader, type: loader, size: 16K }\n"
                               "  - { name: ptable, type: ptable, size: 4K, extra: 1 }\n"
                               "  - { name: bootstate, type: bootstate, size: 8K }\n"
                               "  - { name: app, type: app, size: 12K }\n"
                               "  - { name: app, type: app, size: 0 }\n"
                               "recovery: { auth: { user: u, password: p }, port: 0 }\n";
    assert_int_equal(parse(text), 7);
    assert_true(has_error(1, 10, "version 3 is not supported"));
    assert_true(has_error(2, 10, "use only letters"));
    assert_true(has_error(7, 45, "unknown key 'extra'"));
    assert_true(has_error(10, 13, "duplicate partition name"));
    assert_true(has_error(10, 35, "size is zero"));
    assert_true(has_error(6, 3, "no 'recovery' partition"));
    assert_true(has_error(11, 51, "out of range"));
}

static void test_layout_placement(void **state)
{
    (void)state;
    /* Explicit offset leaves a gap; `rest` runs up to the next explicit offset. */
    assert_int_equal(parse_edit("  - { name: storage,   type: data,      size: rest }\n",
                                "  - { name: storage,   type: data,      offset: 0xF0000, "
                                "size: 64K }\n"),
                     0);
    assert_int_equal(layout.parts[6].offset, 0xF0000);
    assert_int_equal(parse_edit("type: app,       size: 384K }\n  - { name: app_b",
                                "type: app,       size: rest }\n  - { name: app_b,  offset: "
                                "0x80000"),
                     0);
    assert_int_equal(layout.parts[4].size, 0x80000 - layout.parts[4].offset);
    /* Overlap through an explicit offset. */
    assert_int_equal(
        parse_edit("type: recovery,  size: 96K }", "type: recovery,  size: 96K, offset: 0x6000 }"),
        1);
    assert_true(has_error(12, 60, "overlaps 'bootstate'"));
    /* Past the end: the partition that crosses is blamed at its size. */
    assert_int_equal(parse_edit("size: 384K }\n  - { name: app_b,     type: app,       size: 384K",
                                "size: 384K }\n  - { name: app_b,     type: app,       size: 640K"),
                     1);
    assert_true(has_error(14, 47, "runs past the end of flash"));
}

static void test_layout_mixed_geometry(void **state)
{
    (void)state;
    static const char text[] = "version: 1\nproduct: p\nboard: b\n"
                               "flash:\n  size: 1M\n  base: 0x08000000\n  erase:\n"
                               "    - { count: 4, size: 16K }\n"
                               "    - { count: 1, size: 64K }\n"
                               "    - { count: 7, size: 128K }\n"
                               "partitions:\n"
                               "  - { name: loader, type: loader, size: 16K }\n"
                               "  - { name: ptable, type: ptable, size: 16K }\n"
                               "  - { name: bootstate, type: bootstate, size: 32K }\n"
                               "  - { name: scratch, type: data, size: 64K }\n"
                               "  - { name: recovery, type: recovery, size: 128K }\n"
                               "  - { name: app, type: app, size: rest }\n"
                               "recovery: { auth: { user: u, password: p } }\n";
    assert_int_equal(parse(text), 0);
    assert_int_equal(layout.flash_base, 0x08000000u);
    assert_int_equal(layout.geom.region_count, 3);
    assert_int_equal(layout.parts[5].offset, 0x40000);
    assert_int_equal(layout.parts[5].size, 0xC0000);
    /* A 64 KiB bootstate starting at 32 KiB ends inside the 64 KiB sector. */
    static char bad[sizeof(text) + 8];
    const char *at = strstr(text, "size: 32K");
    snprintf(bad, sizeof(bad), "%.*ssize: 48K%s", (int)(at - text), text, at + 9);
    /* Reported once: the partitions placed after it are not blamed too. */
    assert_int_equal(parse(bad), 1);
    assert_true(has_error(14, 47, "nearest boundaries 0x10000 and 0x20000"));
}

static void test_layout_keys(void **state)
{
    (void)state;
    /* Unit tests run from the repository root (make test-unit). */
    assert_int_equal(parse(base_yaml), 0);
    assert_int_equal(lb_layout_load_key(&layout, "config/keys/example-p256.pub.pem", &diag), 0);
    assert_true(layout.key.present);
    assert_int_equal(layout.key.der_len, 91); /* P-256 SubjectPublicKeyInfo */
    assert_int_equal(layout.key.der[0], 0x30);
    uint8_t h[32];
    mbedtls_sha256_ret(layout.key.der, layout.key.der_len, h, 0);
    assert_memory_equal(h, layout.key.hash, 32);

    assert_int_equal(lb_layout_load_key(&layout, "no/such/key.pem", &diag), 1);
    assert_true(has_error(0, 0, "--key no/such/key.pem: cannot read"));
    assert_int_equal(lb_layout_load_key(&layout, "config/default.yaml", &diag), 1);
    assert_true(has_error(0, 0, "not a PEM or DER public key"));

    /* keys.signing_public is relative to the YAML's folder ("dir/"). */
    static char text[sizeof(base_yaml) + 64];
    snprintf(text, sizeof(text), "%skeys: { signing_public: k.pem }\n", base_yaml);
    assert_int_equal(parse(text), 0);
    assert_int_equal(lb_layout_load_key(&layout, NULL, &diag), 1);
    assert_true(has_error(18, 25, "dir/k.pem: cannot read"));

    /* verify: signature needs a key. */
    snprintf(text, sizeof(text), "%sboot: { verify: signature }\n", base_yaml);
    assert_int_equal(parse(text), 0);
    assert_int_equal(lb_layout_load_key(&layout, NULL, &diag), 1);
    assert_true(has_error(18, 17, "signature needs a public key"));
    assert_int_equal(lb_layout_load_key(&layout, "config/keys/example-p256.pub.pem", &diag), 0);
}

static void test_layout_recovery_net(void **state)
{
    (void)state;
    assert_int_equal(parse_edit("recovery:\n", "recovery:\n  net: { address: 10.0.2.15/24, "
                                               "gateway: 10.0.2.2 }\n"),
                     0);
    assert_false(layout.recovery.net.dhcp);
    assert_string_equal(layout.recovery.net.ip, "10.0.2.15");
    assert_string_equal(layout.recovery.net.netmask, "255.255.255.0");
    assert_string_equal(layout.recovery.net.gateway, "10.0.2.2");
    assert_int_equal(parse_edit("recovery:\n", "recovery:\n  net: { address: 192.168.1.9, "
                                               "netmask: 255.255.0.0 }\n"),
                     0);
    assert_string_equal(layout.recovery.net.netmask, "255.255.0.0");
    assert_int_equal(
        parse_edit("recovery:\n", "recovery:\n  net: { address: 1.2.3.4, netmask: 255.0.255.0 }\n"),
        1);
    assert_int_equal(parse_edit("recovery:\n", "recovery:\n  net: { address: 01.2.3.4/8 }\n"), 1);
    assert_int_equal(parse_edit("recovery:\n", "recovery:\n  net: static\n"), 1);
}

/* app.net reads like recovery.net and names itself in its messages;
 * app.first_check_s is bounded. */
static void test_layout_app_net_and_first_check(void **state)
{
    (void)state;
    static char text[sizeof(base_yaml) + 128];
    snprintf(text, sizeof(text),
             "%sapp: { net: { address: 192.168.7.2/24, gateway: 192.168.7.1 }, "
             "first_check_s: 5 }\n",
             base_yaml);
    assert_int_equal(parse(text), 0);
    assert_false(layout.app.net.dhcp);
    assert_string_equal(layout.app.net.ip, "192.168.7.2");
    assert_string_equal(layout.app.net.netmask, "255.255.255.0");
    assert_string_equal(layout.app.net.gateway, "192.168.7.1");
    assert_int_equal(layout.app.first_check_s, 5);
    assert_true(layout.recovery.net.dhcp); /* the other image's network is its own */
    snprintf(text, sizeof(text), "%sapp: { net: { address: 10.0.0.300/8 } }\n", base_yaml);
    assert_int_equal(parse(text), 1);
    assert_true(has_error(18, 24, "app.net.address: '10.0.0.300/8' is not an IPv4 address"));
    snprintf(text, sizeof(text), "%sapp: { net: wifi }\n", base_yaml);
    assert_int_equal(parse(text), 1);
    assert_true(has_error(18, 13, "app.net: expected dhcp or"));
    snprintf(text, sizeof(text), "%sapp: { first_check_s: -1 }\n", base_yaml);
    assert_int_equal(parse(text), 1);
}

static void test_layout_outputs_render(void **state)
{
    (void)state;
    lb_outputs_t o;
    assert_int_equal(parse_edit("password: lifeboat", "password: s3cret-pw"), 0);
    assert_int_equal(lb_emit_all(&layout, LB_EXPORT_ESP_IDF_CSV | LB_EXPORT_ZEPHYR_DTS, &o), 0);
    assert_int_equal(o.count, 10);
    int seen = 0;
    for (unsigned i = 0; i < o.count; i++) {
        if (strcmp(o.files[i].name, "partitions.h") == 0) {
            assert_non_null(strstr(o.files[i].sb.data, "#define LB_SLOT1_OFFSET 0x0007f000u"));
            seen++;
        }
        /* The plaintext password never reaches an output, only its HA1. */
        for (size_t k = 0; k + 9 <= o.files[i].sb.len; k++) {
            assert_false(memcmp(o.files[i].sb.data + k, "s3cret-pw", 9) == 0);
        }
        if (strcmp(o.files[i].name, "app.ld") == 0) {
            assert_non_null(strstr(o.files[i].sb.data, "ORIGIN = 0x0001f000, LENGTH = 0x00060000"));
            seen++;
        }
    }
    assert_int_equal(seen, 2);
    lb_outputs_free(&o);
}

static int teardown(void **state)
{
    (void)state;
    lb_diag_free(&diag);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout_valid_values_and_defaults),
        cmocka_unit_test(test_layout_table_passes_loader_check),
        cmocka_unit_test(test_layout_sizes),
        cmocka_unit_test(test_layout_errors_are_located),
        cmocka_unit_test(test_layout_reports_all_errors),
        cmocka_unit_test(test_layout_placement),
        cmocka_unit_test(test_layout_mixed_geometry),
        cmocka_unit_test(test_layout_keys),
        cmocka_unit_test(test_layout_recovery_net),
        cmocka_unit_test(test_layout_app_net_and_first_check),
        cmocka_unit_test(test_layout_outputs_render),
    };
    return cmocka_run_group_tests(tests, NULL, teardown);
}
