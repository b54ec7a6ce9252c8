/* Unit tests of HTTP Digest authentication (recovery/auth). Known values
 * come from RFC 7616 §3.9.1 and from Python's hashlib:
 *   hashlib.sha256(b"admin:lifeboat:lifeboat").hexdigest() */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "auth/digest.h"
#include "lb/err.h"

#define ADMIN_HA1 "252f0a8b701b89291e4d5c710fb209243128d1bbc2f30e58cf5bdc8fc01606a3"
#define CLIENT 0x0a000202u /* 10.0.2.2 */

static void test_digest_rfc7616_vector(void **state)
{
    (void)state;
    char ha1[65], ha2[65], resp[65];
    const char *a1[] = {"Mufasa", "http-auth@example.org", "Circle of Life"};
    const char *a2[] = {"GET", "/dir/index.html"};
    assert_int_equal(lb_digest_h(ha1, a1, 3), 0);
    assert_string_equal(ha1, "7987c64c30e25f1b74be53f966b49b90f2808aa92faf9a00262392d7b4794232");
    assert_int_equal(lb_digest_h(ha2, a2, 2), 0);
    const char *r[] = {ha1,        "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
                       "00000001", "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
                       "auth",     ha2};
    assert_int_equal(lb_digest_h(resp, r, 6), 0);
    assert_string_equal(resp, "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
    const char *adm[] = {"admin", "lifeboat", "lifeboat"};
    assert_int_equal(lb_digest_h(ha1, adm, 3), 0);
    assert_string_equal(ha1, ADMIN_HA1);
}

static void test_digest_parse_rfc_example(void **state)
{
    (void)state;
    lb_digest_t d;
    const char *h = "Digest username=\"Mufasa\",\r\n"
                    "realm=\"http-auth@example.org\",\turi=\"/dir/index.html\", "
                    "algorithm=SHA-256, nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", "
                    "nc=00000001, cnonce=\"f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ\", "
                    "qop=auth, response=\"753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5"
                    "856cb6c1\", opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"";
    /* A header never contains CR LF (the HTTP parser splits lines): */
    assert_int_equal(lb_digest_parse(h, &d), LB_E_INVAL);
    h = "digest   username=\"Mufasa\" ,realm = \"http-auth@example.org\",,uri=\"/dir/index.html\","
        "algorithm=SHA-256,nc=00000001,qop=auth,cnonce=\"c\\\"q\",unknown=\"x, y\",response=ab";
    assert_int_equal(lb_digest_parse(h, &d), 0);
    assert_string_equal(d.username, "Mufasa");
    assert_string_equal(d.realm, "http-auth@example.org");
    assert_string_equal(d.uri, "/dir/index.html");
    assert_string_equal(d.algorithm, "SHA-256");
    assert_string_equal(d.nc, "00000001");
    assert_string_equal(d.qop, "auth");
    assert_string_equal(d.cnonce, "c\"q");
    assert_string_equal(d.response, "ab");
    assert_string_equal(d.nonce, "");
}

static void test_digest_parse_rejects_malformed(void **state)
{
    (void)state;
    lb_digest_t d;
    assert_int_equal(lb_digest_parse("Basic YWRtaW46bGlmZWJvYXQ=", &d), LB_E_UNSUPPORTED);
    assert_int_equal(lb_digest_parse("", &d), LB_E_UNSUPPORTED);
    assert_int_equal(lb_digest_parse("Digestusername=a", &d), LB_E_UNSUPPORTED);
    assert_int_equal(lb_digest_parse("Digest", &d), LB_E_INVAL);
    assert_int_equal(lb_digest_parse("Digest ", &d), LB_E_INVAL);
    assert_int_equal(lb_digest_parse("Digest username", &d), LB_E_INVAL);
    assert_int_equal(lb_digest_parse("Digest username=", &d), LB_E_INVAL);
    assert_int_equal(lb_digest_parse("Digest username=\"abc", &d), LB_E_INVAL);
    assert_int_equal(lb_digest_parse("Digest username=\"abc\\", &d), LB_E_INVAL);
    assert_int_equal(lb_digest_parse("Digest username=a b", &d), LB_E_INVAL);
    assert_int_equal(lb_digest_parse("Digest username=a, username=b", &d), LB_E_INVAL);
    assert_int_equal(lb_digest_parse("Digest =a", &d), LB_E_INVAL);
    assert_int_equal(lb_digest_parse("Digest a=\"\x01\"", &d), LB_E_INVAL);
    char big[200];
    snprintf(big, sizeof(big), "Digest nonce=\"%0*d\"", LB_DIGEST_VAL_MAX + 1, 0);
    assert_int_equal(lb_digest_parse(big, &d), LB_E_INVAL);
    snprintf(big, sizeof(big), "Digest nonce=\"%0*d\"", LB_DIGEST_VAL_MAX, 0);
    assert_int_equal(lb_digest_parse(big, &d), 0);
    /* Unknown parameters may be long: they are skipped, not stored. */
    snprintf(big, sizeof(big), "Digest x=\"%0*d\", nc=1", 150, 0);
    assert_int_equal(lb_digest_parse(big, &d), 0);
    assert_string_equal(d.nc, "1");
}

/* ---- the server ------------------------------------------------------------- */

static uint32_t now;

static void setup_server(void)
{
    now = 1000;
    assert_int_equal(lb_auth_init("admin", "lifeboat", ADMIN_HA1, "seed", 4, now), 0);
}

/* Gets a challenge and returns its nonce in `nonce`. */
static void challenge(char nonce[80], bool stale)
{
    char hdr[256];
    size_t n = lb_auth_challenge(hdr, sizeof(hdr), stale, now);
    assert_int_equal(n, strlen(hdr));
    static const char pre[] = "WWW-Authenticate: Digest realm=\"lifeboat\", qop=\"auth\", "
                              "algorithm=SHA-256, nonce=\"";
    assert_memory_equal(hdr, pre, sizeof(pre) - 1);
    const char *s = hdr + sizeof(pre) - 1;
    const char *e = strchr(s, '"');
    assert_non_null(e);
    assert_true((size_t)(e - s) < 80);
    memcpy(nonce, s, (size_t)(e - s));
    nonce[e - s] = '\0';
    assert_int_equal(strstr(hdr, ", stale=true") != NULL, stale);
    assert_string_equal(hdr + n - 2, "\r\n");
}

/* Builds the Authorization value a client knowing `password` sends. */
static void answer(char *out, size_t cap, const char *user, const char *password,
                   const char *method, const char *uri, const char *nonce, const char *nc)
{
    char ha1[65], ha2[65], resp[65];
    const char *a1[] = {user, "lifeboat", password};
    const char *a2[] = {method, uri};
    lb_digest_h(ha1, a1, 3);
    lb_digest_h(ha2, a2, 2);
    const char *r[] = {ha1, nonce, nc, "0a4f113b", "auth", ha2};
    lb_digest_h(resp, r, 6);
    snprintf(out, cap,
             "Digest username=\"%s\", realm=\"lifeboat\", nonce=\"%s\", uri=\"%s\", "
             "algorithm=SHA-256, qop=auth, nc=%s, cnonce=\"0a4f113b\", response=\"%s\"",
             user, nonce, uri, nc, resp);
}

static unsigned try_login(const char *password, lb_auth_result_t *res)
{
    char nonce[80], authz[600];
    challenge(nonce, false);
    answer(authz, sizeof(authz), "admin", password, "POST", "/api/update", nonce, "00000001");
    return lb_auth_check(authz, "POST", "/api/update", CLIENT, now, res);
}

static void test_digest_accepts_correct_answer_once(void **state)
{
    (void)state;
    setup_server();
    char nonce[80], authz[600];
    lb_auth_result_t res;
    challenge(nonce, false);
    assert_int_equal(strlen(nonce), 40);
    answer(authz, sizeof(authz), "admin", "lifeboat", "POST", "/api/update", nonce, "00000001");
    assert_int_equal(lb_auth_check(authz, "POST", "/api/update", CLIENT, now, &res), 200);
    /* Replaying the very same request: the nonce is used up. */
    assert_int_equal(lb_auth_check(authz, "POST", "/api/update", CLIENT, now, &res), 401);
    assert_true(res.stale);
    lb_auth_stats_t st;
    lb_auth_stats(&st);
    assert_int_equal(st.ok, 1);
    assert_int_equal(st.stale, 1);
    assert_int_equal(st.failures, 0);
    lb_audit_entry_t e;
    assert_int_equal(lb_audit_get(0, &e), 0);
    assert_int_equal(e.event, LB_AUDIT_STALE);
    assert_int_equal(e.client, CLIENT);
    assert_int_equal(lb_audit_get(1, &e), 0);
    assert_int_equal(e.event, LB_AUDIT_AUTH_OK);
    assert_int_equal(lb_audit_get(2, &e), LB_E_NOTFOUND);
    assert_string_equal(lb_audit_event_name(LB_AUDIT_STALE), "stale-nonce");
}

static void test_digest_uppercase_hex_response_accepted(void **state)
{
    (void)state;
    setup_server();
    char nonce[80], authz[600];
    lb_auth_result_t res;
    challenge(nonce, false);
    answer(authz, sizeof(authz), "admin", "lifeboat", "GET", "/x", nonce, "0000000A");
    char *r = strstr(authz, "response=\"") + 10;
    for (; *r != '"'; r++) {
        if (*r >= 'a' && *r <= 'f') {
            *r = (char)(*r - 'a' + 'A');
        }
    }
    assert_int_equal(lb_auth_check(authz, "GET", "/x", CLIENT, now, &res), 200);
}

static void test_digest_refusals(void **state)
{
    (void)state;
    setup_server();
    char nonce[80], authz[600];
    lb_auth_result_t res;
    assert_int_equal(lb_auth_check(NULL, "POST", "/api/update", CLIENT, now, &res), 401);
    assert_false(res.stale);
    assert_int_equal(
        lb_auth_check("Basic YWRtaW46bGlmZWJvYXQ=", "POST", "/api/update", CLIENT, now, &res), 401);
    challenge(nonce, false);
    /* Signed for another URI than the request's. */
    answer(authz, sizeof(authz), "admin", "lifeboat", "POST", "/api/reboot", nonce, "00000001");
    assert_int_equal(lb_auth_check(authz, "POST", "/api/update", CLIENT, now, &res), 400);
    /* Method swapped: the hash no longer matches. */
    answer(authz, sizeof(authz), "admin", "lifeboat", "GET", "/api/update", nonce, "00000001");
    assert_int_equal(lb_auth_check(authz, "POST", "/api/update", CLIENT, now, &res), 401);
    assert_false(res.stale);
    /* Unknown user. */
    answer(authz, sizeof(authz), "root", "lifeboat", "POST", "/api/update", nonce, "00000001");
    assert_int_equal(lb_auth_check(authz, "POST", "/api/update", CLIENT, now, &res), 401);
    /* MD5 is refused. */
    answer(authz, sizeof(authz), "admin", "lifeboat", "POST", "/api/update", nonce, "00000001");
    char *alg = strstr(authz, "SHA-256");
    memcpy(alg, "MD5,   ", 7);
    assert_int_equal(lb_auth_check(authz, "POST", "/api/update", CLIENT, now, &res), 401);
    lb_auth_stats_t st;
    lb_auth_stats(&st);
    assert_int_equal(st.failures, 4);
    /* Not yet locked (LB_AUTH_FREE_FAILURES = 5): the right answer works. */
    answer(authz, sizeof(authz), "admin", "lifeboat", "POST", "/api/update", nonce, "00000001");
    assert_int_equal(lb_auth_check(authz, "POST", "/api/update", CLIENT, now, &res), 200);
}

static void test_digest_forged_and_expired_nonces_are_stale(void **state)
{
    (void)state;
    setup_server();
    char nonce[80], authz[600];
    lb_auth_result_t res;
    challenge(nonce, false);
    /* A nonce we never issued (tag altered). */
    char forged[80];
    strcpy(forged, nonce);
    forged[31] = forged[31] == '0' ? '1' : '0';
    answer(authz, sizeof(authz), "admin", "lifeboat", "GET", "/", forged, "00000001");
    assert_int_equal(lb_auth_check(authz, "GET", "/", CLIENT, now, &res), 401);
    assert_true(res.stale);
    /* Expired. */
    now += LB_AUTH_NONCE_TTL_MS + 1;
    answer(authz, sizeof(authz), "admin", "lifeboat", "GET", "/", nonce, "00000001");
    assert_int_equal(lb_auth_check(authz, "GET", "/", CLIENT, now, &res), 401);
    assert_true(res.stale);
    /* A fresh one works, also across the 32-bit millisecond wrap. */
    now = 0xfffffff0u;
    challenge(nonce, true);
    now += 0x40;
    answer(authz, sizeof(authz), "admin", "lifeboat", "GET", "/", nonce, "00000001");
    assert_int_equal(lb_auth_check(authz, "GET", "/", CLIENT, now, &res), 200);
}

/* Stateless nonces: a flood of unauthenticated challenges (anyone can ask
 * for them) never costs a legitimate client its nonce. */
static void test_digest_nonce_survives_challenge_flood(void **state)
{
    (void)state;
    setup_server();
    char mine[80], nonce[80], authz[600];
    lb_auth_result_t res;
    challenge(mine, false);
    for (int i = 0; i < 10000; i++) {
        challenge(nonce, false);
        now += (i % 4 == 0); /* ~2.5 s of flooding */
    }
    answer(authz, sizeof(authz), "admin", "lifeboat", "GET", "/", mine, "00000001");
    assert_int_equal(lb_auth_check(authz, "GET", "/", CLIENT, now, &res), 200);
    /* still single-use */
    assert_int_equal(lb_auth_check(authz, "GET", "/", CLIENT, now, &res), 401);
    assert_true(res.stale);
    /* and a nonce whose issue time was edited fails its MAC */
    challenge(mine, false);
    mine[15] = mine[15] == '0' ? '1' : '0';
    answer(authz, sizeof(authz), "admin", "lifeboat", "GET", "/", mine, "00000001");
    assert_int_equal(lb_auth_check(authz, "GET", "/", CLIENT, now, &res), 401);
    assert_true(res.stale);
}

/* More correct answers within one TTL than the used-nonce table holds: the
 * oldest is forgotten and everything issued up to it is refused, so no
 * used nonce can ever be replayed. */
static void test_digest_used_nonce_overflow_never_allows_replay(void **state)
{
    (void)state;
    setup_server();
    enum { N = LB_AUTH_USED_NONCES + 3 };
    static char nonces[N][80], later[80], authz[600];
    lb_auth_result_t res;
    for (int i = 0; i < N; i++) {
        challenge(nonces[i], false);
    }
    challenge(later, false);
    for (int i = 0; i < N; i++) {
        now++;
        answer(authz, sizeof(authz), "admin", "lifeboat", "GET", "/", nonces[i], "00000001");
        assert_int_equal(lb_auth_check(authz, "GET", "/", CLIENT, now, &res), 200);
    }
    for (int i = 0; i < N; i++) {
        answer(authz, sizeof(authz), "admin", "lifeboat", "GET", "/", nonces[i], "00000001");
        assert_int_equal(lb_auth_check(authz, "GET", "/", CLIENT, now, &res), 401);
        assert_true(res.stale);
    }
    answer(authz, sizeof(authz), "admin", "lifeboat", "GET", "/", later, "00000001");
    assert_int_equal(lb_auth_check(authz, "GET", "/", CLIENT, now, &res), 200);
}

/* Brute force from `addrs` addresses, `rate` attempts per second each
 * round, for `minutes`: returns the wrong guesses the device evaluated
 * (401 "wrong user or password"), i.e. passwords actually tested. */
static unsigned long brute_force(unsigned addrs, unsigned per_s, unsigned minutes)
{
    setup_server();
    char nonce[80], authz[600];
    lb_auth_result_t res;
    unsigned long evaluated = 0;
    uint32_t end = now + minutes * 60000u;
    for (unsigned k = 0; now < end; k++) {
        now += 1000u / per_s;
        challenge(nonce, false);
        answer(authz, sizeof(authz), "admin", "lifeboat", "GET", "/", nonce, "00000001");
        authz[strlen(authz) - 3] ^= 1; /* a wrong response: a guess */
        uint32_t ip = 0x0a000000u + 2u + k % addrs;
        unsigned st = lb_auth_check(authz, "GET", "/", ip, now, &res);
        assert_true(st == 401 || st == 429);
        evaluated += st == 401 && strcmp(res.reason, "wrong user or password") == 0;
    }
    return evaluated;
}

static void test_digest_global_guess_ceiling(void **state)
{
    (void)state;
    const unsigned minutes = 10;
    unsigned long one = brute_force(1, 50, minutes);
    unsigned long many = brute_force(1000, 50, minutes);
    unsigned long budget = LB_AUTH_GUESS_BURST + minutes * 60000ul / LB_AUTH_GUESS_REFILL_MS;
    printf("auth: wrong guesses evaluated in %u min at 50 attempts/s: from 1 address %lu "
           "(%.1f/min), from 1000 addresses %lu (%.1f/min); device-wide ceiling %lu\n",
           minutes, one, (double)one / minutes, many, (double)many / minutes, budget);
    assert_true(one <= budget);
    assert_true(many <= budget);
    assert_true(many >= budget - 1); /* the ceiling, not something lower, is what binds */
    /* While the budget is spent, even the right password is not evaluated;
     * it works again once a guess has been refilled. */
    lb_auth_result_t res;
    assert_int_equal(try_login("lifeboat", &res), 429);
    assert_true(res.retry_after >= 1 && res.retry_after <= LB_AUTH_GUESS_REFILL_MS / 1000);
    now += res.retry_after * 1000u;
    assert_int_equal(try_login("lifeboat", &res), 200);
    lb_auth_stats_t st;
    lb_auth_stats(&st);
    assert_true(st.throttled > 0);
}

static void test_digest_lockout_grows(void **state)
{
    (void)state;
    setup_server();
    lb_auth_result_t res;
    for (int i = 0; i < LB_AUTH_FREE_FAILURES; i++) {
        assert_int_equal(try_login("wrong", &res), 401);
    }
    /* Now locked: even the right password is refused with 429. */
    assert_int_equal(try_login("lifeboat", &res), 429);
    assert_int_equal(res.retry_after, LB_AUTH_LOCKOUT_MS / 1000);
    /* Another client is not affected. */
    char nonce[80], authz[600];
    challenge(nonce, false);
    answer(authz, sizeof(authz), "admin", "lifeboat", "GET", "/", nonce, "00000001");
    assert_int_equal(lb_auth_check(authz, "GET", "/", CLIENT + 1, now, &res), 200);
    /* After the lockout, one more failure locks for twice as long. */
    now += LB_AUTH_LOCKOUT_MS;
    assert_int_equal(try_login("wrong", &res), 401);
    assert_int_equal(try_login("lifeboat", &res), 429);
    assert_int_equal(res.retry_after, 2 * LB_AUTH_LOCKOUT_MS / 1000);
    now += 2 * LB_AUTH_LOCKOUT_MS - 1;
    assert_int_equal(try_login("lifeboat", &res), 429);
    now += 1;
    /* Success clears the count: the next failure does not lock. */
    assert_int_equal(try_login("lifeboat", &res), 200);
    assert_int_equal(try_login("wrong", &res), 401);
    assert_int_equal(try_login("lifeboat", &res), 200);
    lb_auth_stats_t st;
    lb_auth_stats(&st);
    assert_int_equal(st.lockouts, 2);
    /* The audit ring saw the lockouts. */
    int lockouts = 0;
    lb_audit_entry_t e;
    for (unsigned i = 0; lb_audit_get(i, &e) == 0; i++) {
        lockouts += e.event == LB_AUDIT_LOCKOUT;
        if (i > 0) {
            lb_audit_entry_t newer;
            lb_audit_get(i - 1, &newer);
            assert_int_equal(newer.seq, e.seq + 1);
        }
    }
    assert_true(lockouts >= 1);
}

static void test_digest_lockout_is_capped(void **state)
{
    (void)state;
    setup_server();
    lb_auth_result_t res;
    for (int i = 0; i < 40; i++) {
        unsigned s = try_login("wrong", &res);
        if (s == 429) {
            now += res.retry_after * 1000u;
        } else {
            assert_int_equal(s, 401);
        }
    }
    now += LB_AUTH_LOCKOUT_MAX_MS;
    assert_int_equal(try_login("wrong", &res), 401);
    assert_int_equal(try_login("lifeboat", &res), 429);
    assert_int_equal(res.retry_after, LB_AUTH_LOCKOUT_MAX_MS / 1000);
}

static void test_digest_bad_credential_config_refuses_all(void **state)
{
    (void)state;
    lb_auth_result_t res;
    assert_int_equal(lb_auth_init("admin", "lifeboat", "xyz", "s", 1, 0), LB_E_INVAL);
    assert_int_equal(try_login("lifeboat", &res), 401);
    assert_int_equal(lb_auth_init("", "lifeboat", ADMIN_HA1, "s", 1, 0), LB_E_INVAL);
    assert_int_equal(lb_auth_init("admin", "lifeboat", ADMIN_HA1 "0", "s", 1, 0), LB_E_INVAL);
}

static void test_digest_audit_ring_keeps_newest(void **state)
{
    (void)state;
    setup_server();
    for (int i = 0; i < LB_AUTH_AUDIT_ENTRIES + 5; i++) {
        lb_audit_record(LB_AUDIT_UPDATE_FAIL, CLIENT, -i, (uint32_t)i);
    }
    lb_audit_entry_t e;
    assert_int_equal(lb_audit_get(0, &e), 0);
    assert_int_equal(e.detail, -(LB_AUTH_AUDIT_ENTRIES + 4));
    assert_int_equal(lb_audit_get(LB_AUTH_AUDIT_ENTRIES - 1, &e), 0);
    assert_int_equal(e.detail, -5);
    assert_int_equal(lb_audit_get(LB_AUTH_AUDIT_ENTRIES, &e), LB_E_NOTFOUND);
    assert_string_equal(lb_audit_event_name(99), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_digest_rfc7616_vector),
        cmocka_unit_test(test_digest_parse_rfc_example),
        cmocka_unit_test(test_digest_parse_rejects_malformed),
        cmocka_unit_test(test_digest_accepts_correct_answer_once),
        cmocka_unit_test(test_digest_uppercase_hex_response_accepted),
        cmocka_unit_test(test_digest_refusals),
        cmocka_unit_test(test_digest_forged_and_expired_nonces_are_stale),
        cmocka_unit_test(test_digest_nonce_survives_challenge_flood),
        cmocka_unit_test(test_digest_used_nonce_overflow_never_allows_replay),
        cmocka_unit_test(test_digest_global_guess_ceiling),
        cmocka_unit_test(test_digest_lockout_grows),
        cmocka_unit_test(test_digest_lockout_is_capped),
        cmocka_unit_test(test_digest_bad_credential_config_refuses_all),
        cmocka_unit_test(test_digest_audit_ring_keeps_newest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
