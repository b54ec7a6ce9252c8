/* The update manifest (version.json): reader, image check and writer.
 * Format: docs/SPEC.md "Update manifest"; limits: lb/manifest.h. */
#include "lb/manifest.h"

#include <string.h>

#include "lb/err.h"
#include "lb/json.h"
#include "text.h"

/* Room for a scalar copied out of the text: the longest member we read is
 * the url; one byte more tells a value that was cut. */
#define TEXT_MAX (LB_MANIFEST_URL_MAX + 2u)

static const char *const kind_names[] = {NULL, "app", "recovery"};
#define KIND_COUNT (sizeof kind_names / sizeof kind_names[0])

/* Decimal 0..UINT32_MAX without sign, fraction, exponent or leading zero. */
static bool parse_u32(const char *s, uint32_t *out)
{
    return (s[0] != '0' || s[1] == '\0') && lb_text_u32(&s, UINT32_MAX, out) && *s == '\0';
}

/* A member that must be a JSON string: its decoded text in buf (cap
 * TEXT_MAX). False when absent, not a string or malformed. */
static bool get_string(const char *obj, const char *key, char buf[TEXT_MAX])
{
    const char *v = lb_json_member(obj, key);
    return v != NULL && *v == '"' && lb_json_text(v, buf, TEXT_MAX);
}

/* A member that must be a JSON number in 0..UINT32_MAX. */
static bool get_u32(const char *obj, const char *key, uint32_t *out)
{
    char buf[TEXT_MAX];
    const char *v = lb_json_member(obj, key);
    return v != NULL && *v != '"' && lb_json_text(v, buf, sizeof buf) && parse_u32(buf, out);
}

/* Printable ASCII other than space, quote and backslash (which a URL
 * carries percent-encoded), 1..LB_MANIFEST_URL_MAX bytes. */
static bool url_ok(const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < n; i++) {
        if (s[i] <= ' ' || s[i] > '~' || s[i] == '"' || s[i] == '\\') {
            return false;
        }
    }
    return n > 0 && n <= LB_MANIFEST_URL_MAX;
}

/* 1..LB_IMAGE_PRODUCT_MAX bytes, none of them a control character (the
 * image's PRODUCT TLV is compared with it byte for byte). */
static bool product_ok(const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7F) {
            return false;
        }
    }
    return n > 0 && n <= LB_IMAGE_PRODUCT_MAX;
}

/* Reads one entry. Returns 0 with *kind set (0 for a kind this build does
 * not know: then only the framing was checked), or LB_E_CORRUPT. */
static int read_entry(const char *obj, uint8_t *kind, lb_manifest_entry_t *e)
{
    char buf[TEXT_MAX];
    if (obj == NULL || *obj != '{' || !get_string(obj, "kind", buf)) {
        return LB_E_CORRUPT;
    }
    *kind = 0;
    for (uint8_t k = 1; k < KIND_COUNT; k++) {
        if (lb_text_eq(buf, kind_names[k])) {
            *kind = k;
        }
    }
    if (*kind == 0) {
        return 0;
    }
    memset(e, 0, sizeof *e);
    e->kind = *kind;
    if (!get_string(obj, "version", buf) || lb_image_version_parse(buf, &e->version) != 0 ||
        !get_u32(obj, "security_counter", &e->security_counter) ||
        !get_u32(obj, "size", &e->size) || e->size == 0 || !get_string(obj, "sha256", buf) ||
        strlen(buf) != 2u * LB_IMAGE_HASH_SIZE) {
        return LB_E_CORRUPT;
    }
    for (unsigned i = 0; i < LB_IMAGE_HASH_SIZE; i++) {
        int hi = lb_text_hexval(buf[2 * i]), lo = lb_text_hexval(buf[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            return LB_E_CORRUPT;
        }
        e->sha256[i] = (uint8_t)(hi << 4 | lo);
    }
    if (!get_string(obj, "url", buf) || !url_ok(buf)) {
        return LB_E_CORRUPT;
    }
    memcpy(e->url, buf, strlen(buf) + 1);
    return 0;
}

int lb_manifest_read(const char *json, size_t len, uint8_t kind, lb_manifest_entry_t *out,
                     char product[LB_IMAGE_PRODUCT_MAX + 1])
{
    if (json == NULL || out == NULL || product == NULL) {
        return LB_E_INVAL;
    }
    if (len > LB_MANIFEST_MAX_SIZE || strlen(json) != len) {
        return LB_E_RANGE;
    }
    /* Exactly one object, nothing but white space after it. */
    const char *end = lb_json_skip(json);
    if (end == NULL || *lb_json_ws(json) != '{' || *lb_json_ws(end) != '\0') {
        return LB_E_CORRUPT;
    }
    uint32_t format;
    char buf[TEXT_MAX];
    if (!get_u32(json, "manifest", &format)) {
        return LB_E_CORRUPT;
    }
    if (format != LB_MANIFEST_FORMAT) {
        return LB_E_VERSION;
    }
    if (!get_string(json, "product", buf) || !product_ok(buf)) {
        return LB_E_CORRUPT;
    }
    const char *images = lb_json_member(json, "images");
    if (images == NULL || *images != '[') {
        return LB_E_CORRUPT;
    }
    unsigned n = lb_json_count(images);
    if (n > LB_MANIFEST_MAX_IMAGES) {
        return LB_E_NOSPACE;
    }
    bool seen[KIND_COUNT] = {false};
    for (unsigned i = 0; i < n; i++) {
        lb_manifest_entry_t e;
        uint8_t k;
        int err = read_entry(lb_json_index(images, i), &k, &e);
        if (err != 0) {
            return err;
        }
        if (k != 0 && seen[k]) {
            return LB_E_CORRUPT; /* two offers for one kind: ambiguous */
        }
        seen[k] = true;
        if (k == kind) {
            *out = e;
        }
    }
    if (kind == 0 || kind >= KIND_COUNT || !seen[kind]) {
        return LB_E_NOTFOUND;
    }
    memcpy(product, buf, strlen(buf) + 1);
    return 0;
}

int lb_manifest_check(const lb_manifest_entry_t *e, const char *product,
                      const lb_image_info_t *info)
{
    if (e == NULL || product == NULL || info == NULL) {
        return LB_E_INVAL;
    }
    bool same = info->kind == e->kind && lb_text_eq(info->product, product) &&
                lb_image_version_same(&info->version, &e->version) &&
                info->security_counter == e->security_counter && info->total_size == e->size;
    return same ? 0 : LB_E_MISMATCH;
}

/* ---- writer ---- */

typedef struct {
    char *buf;
    size_t cap, len;
    bool full;
} out_t;

static void put(out_t *o, const char *s, size_t n)
{
    if (o->full || n >= o->cap - o->len) {
        o->full = true;
        return;
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
    o->buf[o->len] = '\0';
}

static void puts_(out_t *o, const char *s)
{
    put(o, s, strlen(s));
}

static void put_u32(out_t *o, uint32_t v)
{
    char d[10];
    put(o, d, (size_t)(lb_text_dec(d, v) - d));
}

/* A JSON string of a checked product or url: only '"' and '\\' need an
 * escape (neither holds control characters). */
static void put_str(out_t *o, const char *s)
{
    puts_(o, "\"");
    for (; *s != '\0'; s++) {
        if (*s == '"' || *s == '\\') {
            puts_(o, "\\");
        }
        put(o, s, 1);
    }
    puts_(o, "\"");
}

int lb_manifest_write(char *buf, size_t cap, const char *product, const lb_manifest_entry_t *e,
                      size_t n)
{
    if (buf == NULL || cap == 0 || product == NULL || (e == NULL && n > 0) ||
        n > LB_MANIFEST_MAX_IMAGES || !product_ok(product)) {
        return LB_E_INVAL;
    }
    for (size_t i = 0; i < n; i++) {
        if (e[i].kind == 0 || e[i].kind >= KIND_COUNT || e[i].size == 0 || !url_ok(e[i].url)) {
            return LB_E_INVAL;
        }
        for (size_t j = 0; j < i; j++) {
            if (e[j].kind == e[i].kind) {
                return LB_E_INVAL;
            }
        }
    }
    out_t o = {buf, cap, 0, false};
    buf[0] = '\0';
    puts_(&o, "{\n  \"manifest\": ");
    put_u32(&o, LB_MANIFEST_FORMAT);
    puts_(&o, ",\n  \"product\": ");
    put_str(&o, product);
    puts_(&o, ",\n  \"images\": [");
    for (size_t i = 0; i < n; i++) {
        char ver[LB_IMAGE_VERSION_STR_MAX], hex[2 * LB_IMAGE_HASH_SIZE];
        static const char digits[] = "0123456789abcdef";
        for (unsigned b = 0; b < LB_IMAGE_HASH_SIZE; b++) {
            hex[2 * b] = digits[e[i].sha256[b] >> 4];
            hex[2 * b + 1] = digits[e[i].sha256[b] & 15u];
        }
        lb_image_version_format(&e[i].version, ver);
        puts_(&o, i == 0 ? "\n    {" : ",\n    {");
        puts_(&o, "\"kind\": ");
        put_str(&o, kind_names[e[i].kind]);
        puts_(&o, ", \"version\": ");
        put_str(&o, ver);
        puts_(&o, ", \"security_counter\": ");
        put_u32(&o, e[i].security_counter);
        puts_(&o, ",\n     \"size\": ");
        put_u32(&o, e[i].size);
        puts_(&o, ", \"sha256\": \"");
        put(&o, hex, sizeof hex);
        puts_(&o, "\",\n     \"url\": ");
        put_str(&o, e[i].url);
        puts_(&o, "}");
    }
    puts_(&o, n > 0 ? "\n  ]\n}\n" : "]\n}\n");
    if (o.full || o.len > LB_MANIFEST_MAX_SIZE) {
        return LB_E_NOSPACE;
    }
    return (int)o.len;
}
