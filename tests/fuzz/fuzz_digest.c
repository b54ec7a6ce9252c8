/* libFuzzer target: the Digest Authorization parser and the server-side
 * check (with a real credential, nonce table and lockout state). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "auth/digest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool ready;
    static uint32_t now = 1;
    char hdr[1024];
    if (!ready) {
        lb_auth_init("admin", "lifeboat",
                     "252f0a8b701b89291e4d5c710fb209243128d1bbc2f30e58cf5bdc8fc01606a3", "f", 1, 0);
        ready = true;
    }
    if (size >= sizeof(hdr)) {
        return 0;
    }
    memcpy(hdr, data, size);
    hdr[size] = '\0';
    lb_digest_t d;
    (void)lb_digest_parse(hdr, &d);
    /* Keep issuing nonces (stateless: nothing to evict) between checks. */
    char chal[256];
    if (lb_auth_challenge(chal, sizeof(chal), size & 1, now) == 0) {
        __builtin_trap();
    }
    lb_auth_result_t res;
    unsigned st = lb_auth_check(hdr, "POST", "/api/update", (uint32_t)size & 3u, now, &res);
    if (st == 200 || res.reason == NULL || (st != 400 && st != 401 && st != 429)) {
        __builtin_trap();
    }
    now += 1000;
    return 0;
}
