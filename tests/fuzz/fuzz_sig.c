/* libFuzzer target: the two ECDSA backends of lib/src/sig/ must give the
 * same answer for every key, digest and signature (a differential fuzzer).
 * The BearSSL backend is compiled into this target under the name
 * lb_image_sig_verify_bearssl (mk/tests.mk); the plain name is the mbedTLS
 * backend of the host library.
 *
 * Input: one mode byte, then
 *   mode & 3 == 0: the fixed key below, 32-byte digest, signature
 *   mode & 3 == 1: the fixed key's SPKI prefix + 65 point bytes from the
 *                  input (points off the curve, infinity, compressed tags)
 *   otherwise:     one length byte L, L key bytes, digest, signature
 * The seeds (tests/fuzz/corpus/sig/, tests/image/make_fuzz_seeds.py) hold
 * valid signatures under the fixed key, so mutations start next to the
 * accepting path. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/src/image_sig.h"
#include "lb/err.h"

int lb_image_sig_verify_bearssl(const uint8_t *key_der, size_t key_len, const uint8_t hash[32],
                                const uint8_t *sig, size_t sig_len);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#include "fuzz_key.h"

#define SPKI_PREFIX (sizeof fuzz_key - LB_IMAGE_SIG_POINT_SIZE)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t key[256];
    size_t key_len;
    if (size < 1) {
        return 0;
    }
    uint8_t mode = data[0] & 3u;
    data++;
    size--;
    if (mode == 0) {
        memcpy(key, fuzz_key, sizeof fuzz_key);
        key_len = sizeof fuzz_key;
    } else if (mode == 1) {
        if (size < LB_IMAGE_SIG_POINT_SIZE) {
            return 0;
        }
        memcpy(key, fuzz_key, SPKI_PREFIX);
        memcpy(key + SPKI_PREFIX, data, LB_IMAGE_SIG_POINT_SIZE);
        key_len = sizeof fuzz_key;
        data += LB_IMAGE_SIG_POINT_SIZE;
        size -= LB_IMAGE_SIG_POINT_SIZE;
    } else {
        if (size < 1 || size - 1 < data[0]) {
            return 0;
        }
        key_len = data[0];
        memcpy(key, data + 1, key_len);
        data += 1 + key_len;
        size -= 1 + key_len;
    }
    if (size < 32) {
        return 0;
    }
    const uint8_t *hash = data;
    int a = lb_image_sig_verify(key, key_len, hash, data + 32, size - 32);
    int b = lb_image_sig_verify_bearssl(key, key_len, hash, data + 32, size - 32);
    if (a != b || (a != 0 && a != LB_E_KEY && a != LB_E_SIG)) {
        abort();
    }
    return 0;
}
