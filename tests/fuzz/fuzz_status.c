/* Fuzzes what `lifeboat status` does with a device's answer: the JSON
 * reader (lib/src/json.c) and the summary built on it. Nothing may
 * crash or read past the text. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lb/json.h"
#include "sb.h"
#include "status_fmt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (text == NULL) {
        return 0;
    }
    memcpy(text, data, size);
    text[size] = '\0';
    lb_sb_t sb = {0};
    (void)lb_status_summary(text, &sb);
    lb_sb_free(&sb);
    char out[64];
    const char *end = lb_json_skip(text);
    if (end != NULL && (end < text || end > text + size)) {
        __builtin_trap();
    }
    (void)lb_json_text(lb_json_index(text, 1), out, sizeof(out));
    (void)lb_json_count(text);
    free(text);
    return 0;
}
