/* libFuzzer target for lb/url.h: any text as a URL and as a reference
 * against a fixed manifest URL and against itself. No crash; whatever is
 * accepted parses again, fits the limits, and resolving an absolute URL
 * gives it back; an accepted IPv4 address prints back as the same text. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lb/url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 2 * LB_URL_MAX) {
        return 0;
    }
    char *s = malloc(size + 1);
    if (s == NULL) {
        return 0;
    }
    memcpy(s, data, size);
    s[size] = '\0';
    lb_url_t u, v;
    char out[LB_URL_MAX + 1];
    if (lb_url_parse(s, &u) == 0) {
        if (strlen(u.host) == 0 || strlen(u.host) > LB_URL_HOST_MAX || u.path[0] != '/' ||
            strlen(u.path) > LB_URL_PATH_MAX || u.port == 0) {
            abort();
        }
        if (lb_url_resolve(s, s, out, sizeof out) == 0 && strcmp(out, s) != 0) {
            abort(); /* an absolute reference stands alone */
        }
    }
    if (lb_url_resolve("http://10.0.2.2:8080/fleet/demo-sensor/version.json", s, out, sizeof out) ==
        0) {
        if (lb_url_parse(out, &v) != 0 || strlen(out) > LB_URL_MAX) {
            abort();
        }
    }
    uint8_t a[4];
    if (lb_url_ipv4(s, a) == 0) {
        char back[16];
        snprintf(back, sizeof back, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
        if (strcmp(back, s) != 0) {
            abort(); /* one spelling per address: no octal, no leading zeros */
        }
    }
    free(s);
    return 0;
}
