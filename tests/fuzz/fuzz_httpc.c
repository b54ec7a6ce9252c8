/* Fuzzes the CLI's HTTP client on what a device (or anything listening on
 * the URL) answers: the response parser and the Digest challenge parser.
 * Nothing may crash; a parsed answer keeps its body within the buffer. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "httpc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char in[65536];
    static lb_httpc_resp_t r;
    if (size >= sizeof(in)) {
        size = sizeof(in) - 1;
    }
    memcpy(in, data, size);
    in[size] = '\0';
    (void)lb_httpc_response_complete(in, size);
    char chal[512];
    memset(&r, 0, sizeof(r));
    if (lb_httpc_response_parse(in, size, &r, chal, sizeof(chal)) == 0) {
        if (r.body_len >= sizeof(r.body) || r.body[r.body_len] != '\0' ||
            strlen(chal) >= sizeof(chal)) {
            __builtin_trap();
        }
        char authz[1024];
        (void)lb_httpc_digest_answer(authz, sizeof(authz), chal, "admin", "lifeboat", "POST",
                                     "/api/update", "c0ffee");
    }
    /* The whole input as a WWW-Authenticate value, too. */
    memcpy(in, data, size);
    in[size] = '\0';
    char authz[1024];
    (void)lb_httpc_digest_answer(authz, sizeof(authz), in, "admin", "lifeboat", "POST",
                                 "/api/update", "c0ffee");
    return 0;
}
