/* Image versions as text: MAJOR[.MINOR[.REVISION]][+BUILD], the form
 * imgtool's --version takes and the manifest carries. */
#include <string.h>

#include "lb/err.h"
#include "lb/image.h"
#include "text.h"

int lb_image_version_parse(const char *s, lb_image_version_t *v)
{
    static const uint32_t max[4] = {255u, 255u, 65535u, UINT32_MAX};
    uint32_t part[4] = {0, 0, 0, 0};
    unsigned idx = 0;
    if (s == NULL || v == NULL) {
        return LB_E_INVAL;
    }
    for (;;) {
        if (!lb_text_u32(&s, max[idx], &part[idx])) {
            return LB_E_INVAL; /* every part has at least one digit */
        }
        if (*s == '\0') {
            break;
        }
        if (*s == '.' && idx < 2) {
            idx++;
        } else if (*s == '+' && idx < 3) {
            idx = 3;
        } else {
            return LB_E_INVAL;
        }
        s++;
    }
    v->major = (uint8_t)part[0];
    v->minor = (uint8_t)part[1];
    v->revision = (uint16_t)part[2];
    v->build = part[3];
    return 0;
}

size_t lb_image_version_format(const lb_image_version_t *v, char out[LB_IMAGE_VERSION_STR_MAX])
{
    char *p = lb_text_dec(out, v->major);
    *p++ = '.';
    p = lb_text_dec(p, v->minor);
    *p++ = '.';
    p = lb_text_dec(p, v->revision);
    *p++ = '+';
    p = lb_text_dec(p, v->build);
    *p = '\0';
    return (size_t)(p - out);
}

int lb_image_version_cmp(const lb_image_version_t *a, const lb_image_version_t *b)
{
    if (a->major != b->major) {
        return a->major < b->major ? -1 : 1;
    }
    if (a->minor != b->minor) {
        return a->minor < b->minor ? -1 : 1;
    }
    if (a->revision != b->revision) {
        return a->revision < b->revision ? -1 : 1;
    }
    return 0;
}

bool lb_image_version_same(const lb_image_version_t *a, const lb_image_version_t *b)
{
    return a->major == b->major && a->minor == b->minor && a->revision == b->revision &&
           a->build == b->build;
}
