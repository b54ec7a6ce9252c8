/* One signature backend (lib/src/sig/) over many cases, for the
 * differential test (tests/image/test_sig_backends.py). Built once per
 * backend with the firmware configuration: build/image/sigcheck-<backend>.
 * Input lines on stdin: KEY_HEX HASH_HEX SIG_HEX ("-" for an empty
 * signature). Output: the return code of lb_image_sig_verify, one per line. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../../lib/src/image_sig.h"

static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
    size_t n = 0;
    if (strcmp(s, "-") == 0) {
        return 0;
    }
    for (; s[0] && s[1] && n < cap; s += 2) {
        unsigned v;
        if (sscanf(s, "%2x", &v) != 1) {
            break;
        }
        out[n++] = (uint8_t)v;
    }
    return n;
}

int main(void)
{
    static char key_hex[1024], hash_hex[256], sig_hex[1024];
    uint8_t key[512], hash[32], sig[512];
    while (scanf("%1023s %255s %1023s", key_hex, hash_hex, sig_hex) == 3) {
        size_t kl = unhex(key_hex, key, sizeof key);
        if (unhex(hash_hex, hash, sizeof hash) != sizeof hash) {
            fprintf(stderr, "sigcheck: the hash must be 32 bytes\n");
            return 2;
        }
        size_t sl = unhex(sig_hex, sig, sizeof sig);
        printf("%d\n", lb_image_sig_verify(key, kl, hash, sig, sl));
    }
    return 0;
}
