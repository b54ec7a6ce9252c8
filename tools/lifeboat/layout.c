/* Layout YAML -> validated lb_layout_t. The YAML is first read into a tree
 * (ytree.c) so that every value keeps its line:column; this file walks the
 * tree once, checking each key against the schema, and reports every
 * problem it finds rather than stopping at the first. */
#include "layout.h"

#include "lb/url.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/ecp.h>
#include <mbedtls/pk.h>
#include <mbedtls/sha256.h>
#include <mbedtls/x509_crt.h>

#include "lb/err.h"
#include "keys.h"
#include "ytree.h"

/* ---- small helpers ------------------------------------------------------ */

typedef struct {
    lb_diag_t *d;
    lb_layout_t *l;
} ctx_t;

static void err_at(ctx_t *c, const lb_ynode_t *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void err_at(ctx_t *c, const lb_ynode_t *n, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    lb_diag_add(c->d, n ? n->line : 0, n ? n->col : 0, "%s", msg);
}

static lb_layout_pos_t pos_of(const lb_ynode_t *n)
{
    lb_layout_pos_t p = {0, 0};
    if (n) {
        p.line = n->line;
        p.col = n->col;
    }
    return p;
}

/* Shortens a scalar for quoting in a message. */
static const char *shown(const lb_ynode_t *n, char *buf, size_t cap)
{
    if (n->kind != LB_Y_SCALAR) {
        snprintf(buf, cap, "%s", lb_ytree_kind(n));
        return buf;
    }
    size_t len = strlen(n->str);
    if (len + 3 > cap) {
        snprintf(buf, cap, "'%.*s...'", (int)(cap > 8 ? cap - 8 : 0), n->str);
    } else {
        snprintf(buf, cap, "'%s'", n->str);
    }
    /* Keep messages on one line and printable whatever the input held. */
    for (char *p = buf; *p; p++) {
        if ((unsigned char)*p < 0x20 || (unsigned char)*p == 0x7f) {
            *p = '?';
        }
    }
    return buf;
}

typedef struct {
    const char *name;
    const lb_ynode_t *key; /* filled by get_fields */
    const lb_ynode_t *val;
} field_t;

/* Looks up the known keys of mapping `map` (described as `what` in
 * messages), reporting unknown and duplicate keys. Returns 0 (after an
 * error) if `map` is not a mapping. */
static int get_fields(ctx_t *c, const lb_ynode_t *map, const char *what, field_t *f, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        f[i].key = f[i].val = NULL;
    }
    if (map->kind != LB_Y_MAP) {
        char b[48];
        err_at(c, map, "%s: expected a mapping, got %s", what, shown(map, b, sizeof(b)));
        return 0;
    }
    for (size_t k = 0; k < map->count; k++) {
        const lb_ynode_t *key = map->keys[k];
        if (key->kind != LB_Y_SCALAR) {
            err_at(c, key, "%s: keys must be plain names, not %s", what, lb_ytree_kind(key));
            continue;
        }
        size_t i;
        for (i = 0; i < n; i++) {
            if (strcmp(key->str, f[i].name) == 0) {
                break;
            }
        }
        if (i == n) {
            char b[48], list[256] = "";
            for (size_t j = 0; j < n; j++) {
                size_t used = strlen(list);
                snprintf(list + used, sizeof(list) - used, "%s%s", j ? ", " : "", f[j].name);
            }
            err_at(c, key, "%s: unknown key %s (known: %s)", what, shown(key, b, sizeof(b)), list);
            continue;
        }
        if (f[i].key) {
            err_at(c, key, "%s: duplicate key '%s' (first at line %u)", what, f[i].name,
                   f[i].key->line);
            continue;
        }
        f[i].key = key;
        f[i].val = map->items[k];
    }
    return 1;
}

/* Reports a missing required key. Returns 1 if present. */
static int need(ctx_t *c, const lb_ynode_t *map, const char *what, const field_t *f)
{
    if (f->val) {
        return 1;
    }
    err_at(c, map, "%s: missing key '%s'", what, f->name);
    return 0;
}

/* A scalar with a value (not null, not a mapping/list). */
static int scalar(ctx_t *c, const lb_ynode_t *n, const char *what, const char *expect)
{
    if (n->kind == LB_Y_SCALAR && !lb_ytree_is_null(n)) {
        return 1;
    }
    char b[48];
    err_at(c, n, "%s: expected %s, got %s", what, expect, shown(n, b, sizeof(b)));
    return 0;
}

/* Plain unsigned integer: decimal or 0x hex. Returns 0 ok, LB_E_INVAL,
 * LB_E_RANGE; `*end` points after the digits. */
static int parse_digits(const char *s, uint32_t *out, const char **end)
{
    uint64_t v = 0;
    int base = 10, any = 0, over = 0;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
    for (;; s++) {
        int dig;
        if (*s >= '0' && *s <= '9') {
            dig = *s - '0';
        } else if (base == 16 && *s >= 'a' && *s <= 'f') {
            dig = *s - 'a' + 10;
        } else if (base == 16 && *s >= 'A' && *s <= 'F') {
            dig = *s - 'A' + 10;
        } else {
            break;
        }
        any = 1;
        if (!over) {
            v = v * (uint64_t)base + (uint64_t)dig;
            if (v > UINT32_MAX) {
                over = 1;
            }
        }
    }
    *end = s;
    if (!any) {
        return LB_E_INVAL;
    }
    *out = (uint32_t)v;
    return over ? LB_E_RANGE : LB_OK;
}

int lb_layout_parse_size(const char *s, uint32_t *out, const char **why)
{
    const char *end;
    uint32_t v;
    static const char *const nan = "not a number (use decimal, 0x hex, optional K/KiB/M/MiB)";
    if (s[0] == '-') {
        *why = "negative";
        return LB_E_INVAL;
    }
    int r = parse_digits(s, &v, &end);
    if (r == LB_E_INVAL) {
        *why = nan;
        return r;
    }
    uint64_t mul;
    if (*end == '\0') {
        mul = 1;
    } else if (strcmp(end, "K") == 0 || strcmp(end, "KiB") == 0) {
        mul = 1024u;
    } else if (strcmp(end, "M") == 0 || strcmp(end, "MiB") == 0) {
        mul = 1024u * 1024u;
    } else {
        *why = "unknown size suffix (use K, KiB, M or MiB; all mean powers of 1024)";
        return LB_E_INVAL;
    }
    if (r == LB_E_RANGE || (uint64_t)v * mul > UINT32_MAX) {
        *why = "does not fit in 32 bits";
        return LB_E_RANGE;
    }
    *out = (uint32_t)(v * mul);
    return LB_OK;
}

/* Integer value in [min, max]; with `size` set, size suffixes are allowed. */
static int get_u32(ctx_t *c, const lb_ynode_t *n, const char *what, uint32_t min, uint32_t max,
                   int size, uint32_t *out)
{
    if (!scalar(c, n, what, size ? "a size" : "an integer")) {
        return 0;
    }
    char b[48];
    uint32_t v;
    if (size) {
        const char *why;
        int r = lb_layout_parse_size(n->str, &v, &why);
        if (r == LB_E_RANGE) {
            err_at(c, n, "%s: %s overflows 32 bits", what, shown(n, b, sizeof(b)));
            return 0;
        }
        if (r != LB_OK) {
            err_at(c, n, "%s: %s: %s", what, shown(n, b, sizeof(b)), why);
            return 0;
        }
    } else {
        const char *end;
        int r = parse_digits(n->str, &v, &end);
        if (r == LB_E_INVAL || *end != '\0') {
            err_at(c, n, "%s: expected an integer (decimal or 0x hex), got %s", what,
                   shown(n, b, sizeof(b)));
            return 0;
        }
        if (r == LB_E_RANGE) {
            err_at(c, n, "%s: %s overflows 32 bits", what, shown(n, b, sizeof(b)));
            return 0;
        }
    }
    if (v < min || v > max) {
        err_at(c, n, "%s: %s out of range (%u..%u)", what, shown(n, b, sizeof(b)), min, max);
        return 0;
    }
    *out = v;
    return 1;
}

static int get_bool(ctx_t *c, const lb_ynode_t *n, const char *what, bool *out)
{
    if (n->kind == LB_Y_SCALAR && (strcmp(n->str, "true") == 0 || strcmp(n->str, "false") == 0)) {
        *out = n->str[0] == 't';
        return 1;
    }
    char b[48];
    err_at(c, n, "%s: expected true or false, got %s", what, shown(n, b, sizeof(b)));
    return 0;
}

enum { CH_ID, CH_NAME, CH_TEXT };

static int char_ok(int set, char ch, size_t i)
{
    unsigned char u = (unsigned char)ch;
    int alnum_lower = (u >= 'a' && u <= 'z') || (u >= '0' && u <= '9');
    switch (set) {
    case CH_NAME: /* partition names: C identifiers in lower case */
        return (u >= 'a' && u <= 'z') || (i > 0 && (alnum_lower || u == '_'));
    case CH_ID: /* product, board, app name */
        return alnum_lower || (u >= 'A' && u <= 'Z') || u == '_' || u == '-' || u == '.';
    default: /* text that goes into C string literals: printable, no quote/backslash */
        return u >= 0x20 && u < 0x7f && u != '"' && u != '\\';
    }
}

static const char *const set_desc[] = {
    [CH_ID] = "letters, digits, '.', '_' or '-'",
    [CH_NAME] = "lower-case letters, digits and '_', starting with a letter",
    [CH_TEXT] = "printable ASCII without '\"' or '\\'",
};

static int get_str(ctx_t *c, const lb_ynode_t *n, const char *what, int set, char *buf, size_t cap)
{
    if (!scalar(c, n, what, "a string")) {
        return 0;
    }
    char b[48];
    size_t len = strlen(n->str);
    if (len == 0) {
        err_at(c, n, "%s: must not be empty", what);
        return 0;
    }
    if (len >= cap) {
        err_at(c, n, "%s: %s is longer than %zu characters", what, shown(n, b, sizeof(b)), cap - 1);
        return 0;
    }
    for (size_t i = 0; i < len; i++) {
        if (!char_ok(set, n->str[i], i)) {
            err_at(c, n, "%s: %s: use only %s", what, shown(n, b, sizeof(b)), set_desc[set]);
            return 0;
        }
    }
    memcpy(buf, n->str, len + 1);
    return 1;
}

/* An update url: http://, or https:// where `https` (the app, with a
 * pinned key; recovery speaks plain HTTP, the image signature being its
 * trust). */
static int get_url(ctx_t *c, const lb_ynode_t *n, const char *what, bool https, char *buf,
                   size_t cap)
{
    if (!get_str(c, n, what, CH_TEXT, buf, cap)) {
        return 0;
    }
    size_t skip = strncmp(buf, "http://", 7) == 0             ? 7
                  : https && strncmp(buf, "https://", 8) == 0 ? 8
                                                              : 0;
    if (skip == 0 || buf[skip] == '\0' || strchr(buf, ' ')) {
        char b[48];
        err_at(c, n,
               https ? "%s: %s is not an http:// or https:// URL"
                     : "%s: %s is not an http:// URL (recovery speaks plain HTTP: the image "
                       "signature is its trust)",
               what, shown(n, b, sizeof(b)));
        buf[0] = '\0';
        return 0;
    }
    return 1;
}

/* ---- flash geometry ------------------------------------------------------ */

/* Returns 1 when the geometry is complete and consistent, so that later
 * checks may rely on erase boundaries. */
static int parse_flash(ctx_t *c, const lb_ynode_t *n, bool *size_ok)
{
    lb_layout_t *l = c->l;
    lb_geom_t *g = &l->geom;
    field_t f[] = {{"size", 0, 0},  {"erased", 0, 0}, {"program", 0, 0},
                   {"erase", 0, 0}, {"base", 0, 0},   {"program_once", 0, 0}};
    unsigned before = c->d->count;
    *size_ok = false;
    g->erased = 0xFF;
    g->program_size = 4;
    if (!get_fields(c, n, "flash", f, 6)) {
        return 0;
    }
    if (need(c, n, "flash", &f[0]) &&
        get_u32(c, f[0].val, "flash.size", 1, UINT32_MAX, 1, &g->size)) {
        *size_ok = true;
    }
    uint32_t v;
    if (f[1].val && get_u32(c, f[1].val, "flash.erased", 0, 255, 0, &v)) {
        if (v != 0xFF && v != 0x00) {
            err_at(c, f[1].val, "flash.erased: must be 0xff or 0x00");
        }
        g->erased = (uint8_t)v;
    }
    if (f[2].val && get_u32(c, f[2].val, "flash.program", 1, 4096, 1, &v)) {
        if (v & (v - 1)) {
            err_at(c, f[2].val, "flash.program: %u is not a power of two", v);
        }
        g->program_size = v;
    }
    if (f[4].val) {
        get_u32(c, f[4].val, "flash.base", 0, UINT32_MAX, 1, &l->flash_base);
    }
    if (f[5].val) {
        bool once;
        if (get_bool(c, f[5].val, "flash.program_once", &once)) {
            g->program_once = once ? 1 : 0;
        }
    }
    uint64_t total = 0;
    if (need(c, n, "flash", &f[3])) {
        const lb_ynode_t *e = f[3].val;
        if (e->kind != LB_Y_SEQ || e->count == 0) {
            char b[48];
            err_at(c, e, "flash.erase: expected a list of {count, size} regions, got %s",
                   shown(e, b, sizeof(b)));
        } else {
            for (size_t i = 0; i < e->count; i++) {
                char what[48];
                snprintf(what, sizeof(what), "flash.erase[%zu]", i);
                if (i >= LB_GEOM_MAX_REGIONS) {
                    err_at(c, e->items[i], "%s: more than %u erase regions", what,
                           LB_GEOM_MAX_REGIONS);
                    break;
                }
                field_t rf[] = {{"count", 0, 0}, {"size", 0, 0}};
                if (!get_fields(c, e->items[i], what, rf, 2)) {
                    continue;
                }
                lb_erase_region_t r = {0, 0};
                char w2[64];
                snprintf(w2, sizeof(w2), "%s.count", what);
                if (need(c, e->items[i], what, &rf[0])) {
                    get_u32(c, rf[0].val, w2, 1, UINT32_MAX, 0, &r.count);
                }
                snprintf(w2, sizeof(w2), "%s.size", what);
                if (need(c, e->items[i], what, &rf[1]) &&
                    get_u32(c, rf[1].val, w2, 1, UINT32_MAX, 1, &r.size)) {
                    if (r.size % g->program_size != 0) {
                        err_at(c, rf[1].val,
                               "%s: erase unit 0x%x is not a multiple of the program size %u", w2,
                               r.size, g->program_size);
                    }
                }
                g->regions[g->region_count++] = r;
                total += (uint64_t)r.count * r.size;
            }
            if (c->d->count == before && total > UINT32_MAX) {
                err_at(c, e,
                       "flash.erase: the regions add up to more than 4 GiB (32-bit overflow)");
            } else if (c->d->count == before && *size_ok && total != g->size) {
                err_at(c, f[0].val,
                       "flash.size: 0x%x does not match the erase regions, which add up to 0x%llx",
                       g->size, (unsigned long long)total);
            }
        }
    }
    if (c->d->count == before && *size_ok && (uint64_t)l->flash_base + g->size > (1ull << 32)) {
        err_at(c, f[4].val, "flash.base: 0x%x + size 0x%x passes the 4 GiB address space",
               l->flash_base, g->size);
    }
    return c->d->count == before && lb_geom_check(g) == LB_OK;
}

/* ---- partitions ------------------------------------------------------------ */

/* Describes the erase boundaries around `off` for a message. */
static void boundary_hint(const lb_geom_t *g, uint32_t off, char *buf, size_t cap)
{
    uint32_t start, size;
    if (lb_geom_unit_at(g, off, &start, &size) == LB_OK) {
        snprintf(buf, cap, "nearest boundaries 0x%x and 0x%x", start, start + size);
    } else {
        snprintf(buf, cap, "past the end of flash");
    }
}

static void parse_partitions(ctx_t *c, const lb_ynode_t *n, int geom_ok, bool size_ok)
{
    lb_layout_t *l = c->l;
    const lb_geom_t *g = &l->geom;
    if (n->kind != LB_Y_SEQ || n->count == 0) {
        char b[48];
        err_at(c, n, "partitions: expected a list of partitions, got %s", shown(n, b, sizeof(b)));
        return;
    }
    /* Raw values, positions of the nodes to blame. */
    const lb_ynode_t *offset_node[LB_PTABLE_MAX_ENTRIES] = {0};
    const lb_ynode_t *size_node[LB_PTABLE_MAX_ENTRIES] = {0};
    const lb_ynode_t *type_node[LB_PTABLE_MAX_ENTRIES] = {0};
    const lb_ynode_t *name_node[LB_PTABLE_MAX_ENTRIES] = {0};
    bool size_valid[LB_PTABLE_MAX_ENTRIES] = {0};
    bool offset_valid[LB_PTABLE_MAX_ENTRIES] = {0};
    unsigned count = 0;

    for (size_t i = 0; i < n->count; i++) {
        const lb_ynode_t *pn = n->items[i];
        char what[48];
        snprintf(what, sizeof(what), "partitions[%zu]", i);
        if (i >= LB_PTABLE_MAX_ENTRIES) {
            err_at(c, pn, "%s: more than %u partitions", what, LB_PTABLE_MAX_ENTRIES);
            break;
        }
        lb_layout_part_t *p = &l->parts[count];
        memset(p, 0, sizeof(*p));
        p->slot = LB_PTABLE_SLOT_NONE;
        p->pos = pos_of(pn);
        field_t f[] = {{"name", 0, 0}, {"type", 0, 0}, {"size", 0, 0}, {"offset", 0, 0}};
        if (!get_fields(c, pn, what, f, 4)) {
            count++;
            continue;
        }
        char w2[64];
        if (need(c, pn, what, &f[0])) {
            snprintf(w2, sizeof(w2), "%s.name", what);
            name_node[count] = f[0].val;
            p->name_pos = pos_of(f[0].val);
            if (!get_str(c, f[0].val, w2, CH_NAME, p->name, sizeof(p->name))) {
                name_node[count] = NULL;
            }
        }
        if (need(c, pn, what, &f[1])) {
            snprintf(w2, sizeof(w2), "%s.type", what);
            p->type_pos = pos_of(f[1].val);
            if (scalar(c, f[1].val, w2, "a partition type")) {
                p->type = lb_part_type_from_name(f[1].val->str);
                if (!p->type) {
                    char b[48];
                    err_at(c, f[1].val,
                           "%s: unknown partition type %s (known: loader, ptable, bootstate, "
                           "recovery, app, data)",
                           w2, shown(f[1].val, b, sizeof(b)));
                } else {
                    type_node[count] = f[1].val;
                }
            }
        }
        if (need(c, pn, what, &f[2])) {
            snprintf(w2, sizeof(w2), "%s.size", what);
            size_node[count] = f[2].val;
            p->size_pos = pos_of(f[2].val);
            if (f[2].val->kind == LB_Y_SCALAR && strcmp(f[2].val->str, "rest") == 0) {
                p->size_rest = true;
                size_valid[count] = true;
            } else if (get_u32(c, f[2].val, w2, 0, UINT32_MAX, 1, &p->size)) {
                size_valid[count] = true;
                if (p->size == 0) {
                    err_at(c, f[2].val, "%s: partition size is zero", w2);
                    size_valid[count] = false;
                }
            }
        }
        if (f[3].val) {
            snprintf(w2, sizeof(w2), "%s.offset", what);
            offset_node[count] = f[3].val;
            p->offset_pos = pos_of(f[3].val);
            p->offset_given = true;
            offset_valid[count] = get_u32(c, f[3].val, w2, 0, UINT32_MAX, 1, &p->offset);
        }
        count++;
    }
    l->part_count = count;

    /* Names unique. */
    for (unsigned i = 0; i < count; i++) {
        for (unsigned j = 0; j < i && name_node[i]; j++) {
            if (name_node[j] && strcmp(l->parts[i].name, l->parts[j].name) == 0) {
                err_at(c, name_node[i],
                       "partitions[%u].name: duplicate partition name '%s' "
                       "(first at line %u)",
                       i, l->parts[i].name, name_node[j]->line);
                break;
            }
        }
    }

    /* Roles: exactly one of each system partition, one or two app slots. */
    const lb_ynode_t *first_of[LB_PART_DATA + 1] = {0};
    unsigned apps = 0;
    for (unsigned i = 0; i < count; i++) {
        lb_layout_part_t *p = &l->parts[i];
        if (!type_node[i]) {
            continue;
        }
        if (p->type == LB_PART_APP) {
            if (apps >= LB_PTABLE_MAX_SLOTS) {
                err_at(c, type_node[i],
                       "partitions[%u].type: more than two app partitions "
                       "(slots)",
                       i);
            } else {
                p->slot = (uint8_t)apps;
            }
            apps++;
        } else if (p->type != LB_PART_DATA && first_of[p->type]) {
            err_at(c, type_node[i],
                   "partitions[%u].type: more than one '%s' partition (first "
                   "at line %u)",
                   i, lb_part_type_name(p->type), first_of[p->type]->line);
        }
        if (!first_of[p->type]) {
            first_of[p->type] = type_node[i];
        }
    }
    /* Only blame a missing role when every type was readable; otherwise the
     * unreadable one may be the "missing" partition. */
    int all_typed = 1;
    for (unsigned i = 0; i < count; i++) {
        all_typed &= type_node[i] != NULL;
    }
    if (all_typed && count == n->count) {
        static const uint8_t needed[] = {LB_PART_LOADER, LB_PART_PTABLE, LB_PART_BOOTSTATE,
                                         LB_PART_RECOVERY, LB_PART_APP};
        for (size_t k = 0; k < sizeof(needed); k++) {
            if (!first_of[needed[k]]) {
                err_at(c, n,
                       "partitions: no '%s' partition (every layout needs a loader, "
                       "ptable, bootstate, recovery and at least one app)",
                       lb_part_type_name(needed[k]));
            }
        }
    }

    /* Placement: auto offsets follow the previous partition; `rest` runs to
     * the next explicit offset or the end of flash. */
    if (!size_ok) {
        return;
    }
    uint64_t cursor = 0;
    int placed_ok = 1; /* every earlier partition had a known extent */
    int prev = -1;
    for (unsigned i = 0; i < count; i++) {
        lb_layout_part_t *p = &l->parts[i];
        const char *nm = p->name[0] ? p->name : "?";
        if (p->offset_given) {
            if (!offset_valid[i]) {
                placed_ok = 0;
                continue;
            }
            if (placed_ok && prev >= 0 && p->offset < cursor) {
                const lb_layout_part_t *q = &l->parts[prev];
                err_at(c, offset_node[i],
                       "partitions[%u].offset: '%s' at 0x%x overlaps '%s' (0x%x..0x%llx)", i, nm,
                       p->offset, q->name[0] ? q->name : "?", q->offset,
                       (unsigned long long)cursor);
            }
            if (p->offset >= g->size) {
                err_at(c, offset_node[i],
                       "partitions[%u].offset: 0x%x is past the end of flash (0x%x)", i, p->offset,
                       g->size);
                placed_ok = 0;
                continue;
            }
            if (geom_ok && !lb_geom_is_boundary(g, p->offset)) {
                char hint[80];
                boundary_hint(g, p->offset, hint, sizeof(hint));
                err_at(c, offset_node[i],
                       "partitions[%u].offset: 0x%x is not on an erase boundary (%s)", i, p->offset,
                       hint);
            }
        } else {
            if (!placed_ok) {
                continue; /* position unknown: nothing sensible to check */
            }
            if (cursor >= g->size) {
                err_at(c, size_node[i] ? size_node[i] : n->items[i],
                       "partitions[%u]: '%s' starts at 0x%llx, past the end of flash (0x%x)", i, nm,
                       (unsigned long long)cursor, g->size);
                placed_ok = 0;
                continue;
            }
            p->offset = (uint32_t)cursor;
        }
        if (!size_valid[i]) {
            placed_ok = 0;
            continue;
        }
        placed_ok = 1;
        if (p->size_rest) {
            uint64_t limit = g->size;
            if (i + 1 < count) {
                if (!l->parts[i + 1].offset_given) {
                    err_at(c, size_node[i],
                           "partitions[%u].size: 'rest' must be the last partition or be "
                           "followed by one with an explicit offset",
                           i);
                    placed_ok = 0;
                    continue;
                }
                if (!offset_valid[i + 1]) {
                    placed_ok = 0;
                    continue;
                }
                limit = l->parts[i + 1].offset;
            }
            if (limit <= p->offset) {
                err_at(c, size_node[i], "partitions[%u].size: no room left for 'rest' at 0x%x", i,
                       p->offset);
                placed_ok = 0;
                continue;
            }
            p->size = (uint32_t)(limit - p->offset);
        }
        uint64_t end = (uint64_t)p->offset + p->size;
        /* After a partition that ends off the grid, the auto-placed ones
         * behind it would all be reported too: blame only the first, and
         * check again from the next explicit offset. */
        int misplaced = 1;
        if (end > g->size) {
            err_at(c, size_node[i],
                   "partitions[%u].size: '%s' (0x%x + 0x%x = 0x%llx) runs past the end of flash "
                   "(0x%x)",
                   i, nm, p->offset, p->size, (unsigned long long)end, g->size);
        } else if (geom_ok && !lb_geom_is_boundary(g, (uint32_t)end)) {
            char hint[80];
            boundary_hint(g, (uint32_t)end, hint, sizeof(hint));
            err_at(c, size_node[i],
                   "partitions[%u].size: '%s' ends at 0x%llx, not on an erase boundary (%s)", i, nm,
                   (unsigned long long)end, hint);
        } else if (geom_ok && p->type == LB_PART_BOOTSTATE && lb_geom_is_boundary(g, p->offset) &&
                   lb_geom_units_in(g, p->offset, p->size) < 2) {
            err_at(c, size_node[i],
                   "partitions[%u].size: bootstate needs at least two erase units (has %d)", i,
                   lb_geom_units_in(g, p->offset, p->size));
            misplaced = 0;
        } else {
            misplaced = 0;
        }
        if (p->type == LB_PART_PTABLE && p->size < LB_PTABLE_MAX_SIZE) {
            err_at(c, size_node[i], "partitions[%u].size: ptable must hold %zu bytes", i,
                   (size_t)LB_PTABLE_MAX_SIZE);
        }
        cursor = end;
        prev = (int)i;
        if (misplaced) {
            placed_ok = 0;
        }
    }
}

/* ---- boot, recovery, keys, app -------------------------------------------- */

static const char *const reset_names[] = {"unknown", "power_on", "software", "watchdog", "fault"};

static void parse_boot(ctx_t *c, const lb_ynode_t *n)
{
    lb_layout_t *l = c->l;
    field_t f[] = {{"strap", 0, 0},  {"trial_boots", 0, 0},  {"crash_limit", 0, 0},
                   {"verify", 0, 0}, {"crash_resets", 0, 0}, {"watchdog_ms", 0, 0}};
    if (!get_fields(c, n, "boot", f, 6)) {
        return;
    }
    if (f[0].val) {
        field_t sf[] = {{"hold_ms", 0, 0}};
        if (get_fields(c, f[0].val, "boot.strap", sf, 1) && sf[0].val) {
            get_u32(c, sf[0].val, "boot.strap.hold_ms", 0, 60000, 0, &l->boot.strap_hold_ms);
        }
    }
    if (f[1].val) {
        get_u32(c, f[1].val, "boot.trial_boots", 1, 255, 0, &l->boot.trial_boots);
    }
    if (f[2].val) {
        get_u32(c, f[2].val, "boot.crash_limit", 1, 255, 0, &l->boot.crash_limit);
    }
    if (f[3].val) {
        l->boot.verify_pos = pos_of(f[3].val);
        if (scalar(c, f[3].val, "boot.verify", "hash or signature")) {
            if (strcmp(f[3].val->str, "signature") == 0) {
                l->boot.verify_signature = true;
            } else if (strcmp(f[3].val->str, "hash") != 0) {
                char b[48];
                err_at(c, f[3].val, "boot.verify: expected hash or signature, got %s",
                       shown(f[3].val, b, sizeof(b)));
            }
        }
    }
    if (f[4].val) {
        const lb_ynode_t *s = f[4].val;
        if (s->kind != LB_Y_SEQ) {
            char b[48];
            err_at(c, s, "boot.crash_resets: expected a list of reset causes, got %s",
                   shown(s, b, sizeof(b)));
        } else {
            uint32_t mask = 0;
            for (size_t i = 0; i < s->count; i++) {
                const lb_ynode_t *it = s->items[i];
                unsigned k;
                if (!scalar(c, it, "boot.crash_resets", "a reset cause")) {
                    continue;
                }
                for (k = 0; k < sizeof(reset_names) / sizeof(reset_names[0]); k++) {
                    if (strcmp(it->str, reset_names[k]) == 0) {
                        break;
                    }
                }
                char b[48];
                if (k == sizeof(reset_names) / sizeof(reset_names[0])) {
                    err_at(c, it,
                           "boot.crash_resets: unknown reset cause %s (known: unknown, "
                           "power_on, software, watchdog, fault)",
                           shown(it, b, sizeof(b)));
                } else if (mask & (1u << k)) {
                    err_at(c, it, "boot.crash_resets: %s listed twice", shown(it, b, sizeof(b)));
                } else {
                    mask |= 1u << k;
                }
            }
            l->boot.crash_resets = mask;
        }
    }
    if (f[5].val) {
        get_u32(c, f[5].val, "boot.watchdog_ms", 10, 600000, 0, &l->boot.watchdog_ms);
    }
}

/* Dotted quad, no leading zeros. Returns 1 and the value. */
static int parse_ipv4(const char *s, size_t len, uint32_t *out)
{
    uint32_t v = 0;
    size_t i = 0;
    for (int part = 0; part < 4; part++) {
        if (part > 0) {
            if (i >= len || s[i] != '.') {
                return 0;
            }
            i++;
        }
        size_t start = i;
        uint32_t octet = 0;
        while (i < len && s[i] >= '0' && s[i] <= '9' && i - start < 3) {
            octet = octet * 10 + (uint32_t)(s[i] - '0');
            i++;
        }
        if (i == start || octet > 255 || (s[start] == '0' && i - start > 1)) {
            return 0;
        }
        v = (v << 8) | octet;
    }
    *out = v;
    return i == len;
}

static void format_ipv4(uint32_t v, char buf[16])
{
    snprintf(buf, 16, "%u.%u.%u.%u", (v >> 24) & 0xFFu, (v >> 16) & 0xFFu, (v >> 8) & 0xFFu,
             v & 0xFFu);
}

/* "key.leaf" for messages, in `buf` (32 bytes). */
static const char *sub(const char *key, const char *leaf, char buf[32])
{
    snprintf(buf, 32, "%s.%s", key, leaf);
    return buf;
}

/* recovery.net or app.net (`key`, for messages) into `net`; `dns`: the
 * image resolves host names (app.net), so a static network may name its
 * DNS server. */
static void parse_net(ctx_t *c, const lb_ynode_t *n, const char *key, lb_layout_net_t *net,
                      bool dns)
{
    if (n->kind == LB_Y_SCALAR && strcmp(n->str, "dhcp") == 0) {
        net->dhcp = true;
        return;
    }
    if (n->kind != LB_Y_MAP) {
        char b[48];
        err_at(c, n, "%s: expected dhcp or {address: a.b.c.d/prefix, gateway: ...}, got %s", key,
               shown(n, b, sizeof(b)));
        return;
    }
    net->dhcp = false;
    char kb[32];
    field_t f[] = {{"address", 0, 0}, {"netmask", 0, 0}, {"gateway", 0, 0}, {"dns", 0, 0}};
    if (!get_fields(c, n, key, f, dns ? 4u : 3u)) {
        return;
    }
    uint32_t ip = 0, mask = 0, gw = 0;
    int have_mask = 0, addr_ok = 0;
    if (need(c, n, key, &f[0]) && scalar(c, f[0].val, sub(key, "address", kb), "an IPv4 address")) {
        const char *s = f[0].val->str;
        const char *slash = strchr(s, '/');
        size_t len = slash ? (size_t)(slash - s) : strlen(s);
        char b[48];
        if (!parse_ipv4(s, len, &ip)) {
            err_at(c, f[0].val, "%s.address: %s is not an IPv4 address (a.b.c.d/prefix)", key,
                   shown(f[0].val, b, sizeof(b)));
        } else if (slash) {
            const char *end;
            uint32_t prefix;
            have_mask = 1; /* given, even if wrong: one error is enough */
            if (parse_digits(slash + 1, &prefix, &end) != LB_OK || *end || prefix > 32 ||
                (slash[1] == '0' && slash[2] != '\0')) {
                err_at(c, f[0].val, "%s.address: bad prefix length in %s (0..32)", key,
                       shown(f[0].val, b, sizeof(b)));
            } else {
                mask = prefix ? 0xFFFFFFFFu << (32 - prefix) : 0;
                addr_ok = 1;
            }
        } else {
            addr_ok = 1;
        }
    }
    if (f[1].val && scalar(c, f[1].val, sub(key, "netmask", kb), "an IPv4 netmask")) {
        char b[48];
        if (have_mask) {
            err_at(c, f[1].val, "%s.netmask: given twice (address has a /prefix)", key);
        } else if (!parse_ipv4(f[1].val->str, strlen(f[1].val->str), &mask) ||
                   (mask & (~mask >> 1)) != 0) {
            err_at(c, f[1].val, "%s.netmask: %s is not a netmask", key,
                   shown(f[1].val, b, sizeof(b)));
        }
        have_mask = 1;
    }
    if (addr_ok && !have_mask) {
        err_at(c, f[0].val, "%s.address: give a /prefix or a netmask", key);
    }
    if (f[2].val && scalar(c, f[2].val, sub(key, "gateway", kb), "an IPv4 address") &&
        !parse_ipv4(f[2].val->str, strlen(f[2].val->str), &gw)) {
        char b[48];
        err_at(c, f[2].val, "%s.gateway: %s is not an IPv4 address", key,
               shown(f[2].val, b, sizeof(b)));
    }
    format_ipv4(ip, net->ip);
    format_ipv4(mask, net->netmask);
    format_ipv4(gw, net->gateway);
    uint32_t ns;
    if (dns && f[3].val && scalar(c, f[3].val, sub(key, "dns", kb), "an IPv4 address")) {
        if (!parse_ipv4(f[3].val->str, strlen(f[3].val->str), &ns)) {
            char b[48];
            err_at(c, f[3].val, "%s.dns: %s is not an IPv4 address", key,
                   shown(f[3].val, b, sizeof(b)));
            snprintf(net->dns, sizeof(net->dns), "?"); /* given: one error is enough */
        } else {
            format_ipv4(ns, net->dns);
        }
    }
}

/* True when the http:// URL names its host (not an IPv4 literal): the
 * device must resolve it. */
static bool url_names_host(const char *url)
{
    lb_url_t u;
    uint8_t a[4];
    return url[0] != '\0' && lb_url_parse(url, &u) == 0 && lb_url_ipv4(u.host, a) != 0;
}

static void hex32(const uint8_t in[32], char out[65])
{
    for (int i = 0; i < 32; i++) {
        snprintf(out + 2 * i, 3, "%02x", in[i]);
    }
}

static void parse_auth(ctx_t *c, const lb_ynode_t *n)
{
    lb_layout_t *l = c->l;
    field_t f[] = {{"user", 0, 0}, {"realm", 0, 0}, {"password", 0, 0}, {"ha1", 0, 0}};
    if (!get_fields(c, n, "recovery.auth", f, 4)) {
        return;
    }
    int ok = 1;
    if (need(c, n, "recovery.auth", &f[0])) {
        ok &= get_str(c, f[0].val, "recovery.auth.user", CH_TEXT, l->recovery.auth_user,
                      sizeof(l->recovery.auth_user));
        if (strchr(l->recovery.auth_user, ':')) {
            err_at(c, f[0].val, "recovery.auth.user: must not contain ':'");
        }
    } else {
        ok = 0;
    }
    if (f[1].val) {
        ok &= get_str(c, f[1].val, "recovery.auth.realm", CH_TEXT, l->recovery.auth_realm,
                      sizeof(l->recovery.auth_realm));
    }
    if (f[2].val && f[3].val) {
        err_at(c, f[3].val, "recovery.auth: give either password or ha1, not both");
        return;
    }
    if (!f[2].val && !f[3].val) {
        err_at(c, n, "recovery.auth: missing key 'password' (or 'ha1')");
        return;
    }
    if (f[3].val) {
        char ha1[80];
        if (get_str(c, f[3].val, "recovery.auth.ha1", CH_TEXT, ha1, sizeof(ha1))) {
            size_t len = strlen(ha1);
            int hex = len == 64;
            for (size_t i = 0; hex && i < len; i++) {
                hex = (ha1[i] >= '0' && ha1[i] <= '9') || (ha1[i] >= 'a' && ha1[i] <= 'f');
            }
            if (!hex) {
                err_at(c, f[3].val,
                       "recovery.auth.ha1: expected 64 lower-case hex digits "
                       "(SHA-256 of user:realm:password)");
            } else {
                memcpy(l->recovery.auth_ha1, ha1, 65);
            }
        }
        return;
    }
    char pw[128];
    if (get_str(c, f[2].val, "recovery.auth.password", CH_TEXT, pw, sizeof(pw)) && ok) {
        char a1[LB_LAYOUT_ID_MAX * 2 + sizeof(pw) + 2];
        int len =
            snprintf(a1, sizeof(a1), "%s:%s:%s", l->recovery.auth_user, l->recovery.auth_realm, pw);
        uint8_t digest[32];
        mbedtls_sha256_ret((const unsigned char *)a1, (size_t)len, digest, 0);
        hex32(digest, l->recovery.auth_ha1);
    }
}

static void parse_recovery(ctx_t *c, const lb_ynode_t *n)
{
    lb_layout_t *l = c->l;
    field_t f[] = {{"net", 0, 0},
                   {"port", 0, 0},
                   {"idle_timeout_s", 0, 0},
                   {"update_url", 0, 0},
                   {"auth", 0, 0}};
    if (!get_fields(c, n, "recovery", f, 5)) {
        return;
    }
    if (f[0].val) {
        parse_net(c, f[0].val, "recovery.net", &l->recovery.net, false);
    }
    if (f[1].val) {
        get_u32(c, f[1].val, "recovery.port", 1, 65535, 0, &l->recovery.port);
    }
    if (f[2].val) {
        get_u32(c, f[2].val, "recovery.idle_timeout_s", 0, 604800, 0, &l->recovery.idle_timeout_s);
    }
    if (f[3].val &&
        get_url(c, f[3].val, "recovery.update_url", false, l->recovery.update_url,
                sizeof(l->recovery.update_url)) &&
        url_names_host(l->recovery.update_url)) {
        err_at(c, f[3].val,
               "recovery.update_url: recovery resolves no host names (no DNS within its "
               "64 KiB): give the server's IPv4 address");
    }
    if (f[4].val) {
        parse_auth(c, f[4].val);
    } else {
        err_at(c, n,
               "recovery: missing key 'auth' (the recovery image only accepts "
               "authenticated requests)");
    }
}

static void parse_app(ctx_t *c, const lb_ynode_t *n)
{
    lb_layout_t *l = c->l;
    field_t f[] = {{"name", 0, 0},
                   {"version", 0, 0},
                   {"update_url", 0, 0},
                   {"check_interval_s", 0, 0},
                   {"first_check_s", 0, 0},
                   {"net", 0, 0},
                   {"pin", 0, 0}};
    if (!get_fields(c, n, "app", f, 7)) {
        return;
    }
    if (f[0].val) {
        get_str(c, f[0].val, "app.name", CH_ID, l->app.name, sizeof(l->app.name));
    }
    if (f[1].val &&
        get_str(c, f[1].val, "app.version", CH_TEXT, l->app.version, sizeof(l->app.version))) {
        /* major.minor.revision[+build], the MCUboot image version. */
        uint32_t v[4] = {0, 0, 0, 0};
        static const uint32_t max[4] = {255, 255, 65535, UINT32_MAX};
        const char *s = l->app.version;
        int ok = 1, parts = 0;
        for (int i = 0; i < 4 && ok; i++) {
            const char *end;
            if (parse_digits(s, &v[i], &end) != LB_OK || (s[0] == '0' && s[1] == 'x') ||
                v[i] > max[i]) {
                ok = 0;
                break;
            }
            parts++;
            s = end;
            char sep = i < 2 ? '.' : '+';
            if (*s == '\0') {
                break;
            }
            if (*s != sep) {
                ok = 0;
                break;
            }
            s++;
        }
        if (!ok || parts < 3 || *s != '\0') {
            char b[48];
            err_at(c, f[1].val,
                   "app.version: %s is not major.minor.revision[+build] (0..255, 0..255, "
                   "0..65535, 32-bit)",
                   shown(f[1].val, b, sizeof(b)));
        } else {
            l->app.major = (uint8_t)v[0];
            l->app.minor = (uint8_t)v[1];
            l->app.revision = (uint16_t)v[2];
            l->app.build = v[3];
        }
    }
    if (f[2].val) {
        get_url(c, f[2].val, "app.update_url", true, l->app.update_url, sizeof(l->app.update_url));
    }
    if (f[3].val) {
        get_u32(c, f[3].val, "app.check_interval_s", 0, 31536000, 0, &l->app.check_interval_s);
    }
    if (f[4].val) {
        get_u32(c, f[4].val, "app.first_check_s", 0, 31536000, 0, &l->app.first_check_s);
    }
    if (f[5].val) {
        parse_net(c, f[5].val, "app.net", &l->app.net, true);
    }
    if (f[6].val) {
        l->app.pin_pos = pos_of(f[6].val);
        get_str(c, f[6].val, "app.pin", CH_TEXT, l->app.pin_path, sizeof(l->app.pin_path));
    }
    /* https:// is only as good as the key it insists on. */
    if (f[2].val && strncmp(l->app.update_url, "https://", 8) == 0 && !l->app.pin_path[0]) {
        err_at(c, f[2].val,
               "app.update_url: https:// needs app.pin (the update server's public key or "
               "certificate, PEM): the app accepts no other server");
    }
    /* A host name needs a DNS server: DHCP's, or app.net.dns. */
    if (f[2].val && url_names_host(l->app.update_url) && !l->app.net.dhcp &&
        l->app.net.dns[0] == '\0') {
        err_at(c, f[2].val,
               "app.update_url: names a host, but app.net is a static address without a DNS "
               "server: add dns: a.b.c.d to app.net (or use net: dhcp)");
    }
    /* A single-slot app cannot write the slot it runs from: its agent
     * hands updates to recovery, which fetches them from its own url. */
    unsigned slots = 0;
    for (unsigned i = 0; i < l->part_count; i++) {
        slots += l->parts[i].type == LB_PART_APP;
    }
    if (f[2].val && l->app.check_interval_s != 0 && slots == 1 && !l->recovery.update_url[0]) {
        err_at(c, f[2].val,
               "app.update_url: a single-slot layout's app updates through recovery: set "
               "recovery.update_url too (often the same url)");
    }
}

static void parse_keys(ctx_t *c, const lb_ynode_t *n)
{
    lb_layout_t *l = c->l;
    field_t f[] = {{"signing_public", 0, 0}};
    if (!get_fields(c, n, "keys", f, 1)) {
        return;
    }
    if (f[0].val) {
        l->key.pos = pos_of(f[0].val);
        get_str(c, f[0].val, "keys.signing_public", CH_TEXT, l->key.path, sizeof(l->key.path));
    }
}

/* Board facts the generator knows; other boards may give `retained`. */
static const struct {
    const char *board;
    uint32_t address, size;
} known_retained[] = {
    {"qemu-mps2-an385", 0x203FFC00u, 1024u},
};

static void net_default(lb_layout_net_t *n)
{
    n->dhcp = true;
    snprintf(n->ip, sizeof(n->ip), "0.0.0.0");
    snprintf(n->netmask, sizeof(n->netmask), "0.0.0.0");
    snprintf(n->gateway, sizeof(n->gateway), "0.0.0.0");
    n->dns[0] = '\0';
}

static void defaults(lb_layout_t *l)
{
    l->boot.strap_hold_ms = 50;
    l->boot.trial_boots = 3;
    l->boot.crash_limit = 3;
    l->boot.crash_resets = (1u << 3) | (1u << 4) | (1u << 0); /* watchdog, fault, unknown */
    l->boot.watchdog_ms = 2000;
    net_default(&l->recovery.net);
    net_default(&l->app.net);
    l->recovery.port = 80;
    l->recovery.idle_timeout_s = 600;
    snprintf(l->recovery.auth_realm, sizeof(l->recovery.auth_realm), "lifeboat");
    snprintf(l->app.version, sizeof(l->app.version), "0.0.0");
    l->app.check_interval_s = 21600;
    l->app.first_check_s = 30;
}

unsigned lb_layout_parse(lb_layout_t *l, const char *text, size_t len, const char *file,
                         lb_diag_t *d)
{
    memset(l, 0, sizeof(*l));
    snprintf(l->file, sizeof(l->file), "%s", file);
    defaults(l);
    unsigned before = d->count;
    ctx_t c = {d, l};
    lb_ynode_t *root = lb_ytree_parse(text, len, d);
    if (!root) {
        return d->count - before;
    }
    field_t f[] = {{"version", 0, 0},    {"product", 0, 0}, {"board", 0, 0},    {"flash", 0, 0},
                   {"partitions", 0, 0}, {"boot", 0, 0},    {"recovery", 0, 0}, {"keys", 0, 0},
                   {"app", 0, 0},        {"retained", 0, 0}};
    enum {
        F_VERSION,
        F_PRODUCT,
        F_BOARD,
        F_FLASH,
        F_PARTS,
        F_BOOT,
        F_RECOVERY,
        F_KEYS,
        F_APP,
        F_RETAINED,
        F_N
    };
    if (get_fields(&c, root, "layout", f, F_N)) {
        uint32_t v;
        if (need(&c, root, "layout", &f[F_VERSION]) &&
            get_u32(&c, f[F_VERSION].val, "version", 0, UINT32_MAX, 0, &v) &&
            v != LB_LAYOUT_VERSION) {
            err_at(&c, f[F_VERSION].val,
                   "version: layout version %u is not supported (this "
                   "lifeboat reads version %u)",
                   v, LB_LAYOUT_VERSION);
        }
        if (need(&c, root, "layout", &f[F_PRODUCT])) {
            get_str(&c, f[F_PRODUCT].val, "product", CH_ID, l->product, sizeof(l->product));
        }
        if (need(&c, root, "layout", &f[F_BOARD])) {
            get_str(&c, f[F_BOARD].val, "board", CH_ID, l->board, sizeof(l->board));
        }
        for (size_t i = 0; i < sizeof(known_retained) / sizeof(known_retained[0]); i++) {
            if (strcmp(l->board, known_retained[i].board) == 0) {
                l->retained.address = known_retained[i].address;
                l->retained.size = known_retained[i].size;
            }
        }
        int geom_ok = 0;
        bool size_ok = false;
        if (need(&c, root, "layout", &f[F_FLASH])) {
            geom_ok = parse_flash(&c, f[F_FLASH].val, &size_ok);
        }
        if (need(&c, root, "layout", &f[F_PARTS])) {
            parse_partitions(&c, f[F_PARTS].val, geom_ok, size_ok);
        }
        if (f[F_BOOT].val) {
            parse_boot(&c, f[F_BOOT].val);
        }
        if (need(&c, root, "layout", &f[F_RECOVERY])) {
            parse_recovery(&c, f[F_RECOVERY].val);
        }
        if (f[F_KEYS].val) {
            parse_keys(&c, f[F_KEYS].val);
        }
        if (f[F_APP].val) {
            parse_app(&c, f[F_APP].val);
        }
        if (!l->app.name[0]) {
            snprintf(l->app.name, sizeof(l->app.name), "%s", l->product);
        }
        if (f[F_RETAINED].val) {
            field_t rf[] = {{"address", 0, 0}, {"size", 0, 0}};
            if (get_fields(&c, f[F_RETAINED].val, "retained", rf, 2) &&
                need(&c, f[F_RETAINED].val, "retained", &rf[0]) &&
                need(&c, f[F_RETAINED].val, "retained", &rf[1])) {
                get_u32(&c, rf[0].val, "retained.address", 0, UINT32_MAX, 1, &l->retained.address);
                get_u32(&c, rf[1].val, "retained.size", 256, 65536, 1, &l->retained.size);
            }
        }
        /* The loader must have room for itself: its budget (docs/SPEC.md). */
        if (d->count == before) {
            for (unsigned i = 0; i < l->part_count; i++) {
                const lb_layout_part_t *p = &l->parts[i];
                uint32_t min =
                    l->boot.verify_signature ? LB_LAYOUT_LOADER_MIN_SIG : LB_LAYOUT_LOADER_MIN_HASH;
                if (p->type == LB_PART_LOADER && p->size < min) {
                    lb_diag_add(d, p->size_pos.line, p->size_pos.col,
                                "partitions[%u].size: loader partition of %u bytes leaves the "
                                "loader no room (at least %u KiB with verify: %s)",
                                i, p->size, min / 1024,
                                l->boot.verify_signature ? "signature" : "hash");
                }
            }
        }
        /* Belt and braces: the table the loader will decode must pass the
         * loader's own check. A failure here is a validator bug. */
        if (d->count == before) {
            lb_ptable_t t;
            const char *why = "?";
            lb_layout_to_ptable(l, &t);
            if (lb_ptable_check(&t, &why) != LB_OK) {
                err_at(&c, f[F_PARTS].val, "partitions: internal error: table rejected: %s", why);
            }
        }
    }
    lb_ytree_free(root);
    return d->count - before;
}

/* ---- keys ----------------------------------------------------------------------- */

/* Reports a key problem: at keys.signing_public, or for the --key option. */
static unsigned key_error(lb_layout_t *l, lb_diag_t *d, const char *override, const char *path,
                          const char *detail)
{
    if (override) {
        lb_diag_add(d, 0, 0, "--key %s: %s", path, detail);
    } else {
        lb_diag_add(d, l->key.pos.line, l->key.pos.col, "keys.signing_public: %s: %s", path,
                    detail);
    }
    return 1;
}

/* A file the layout names (`rel`): relative to the YAML unless absolute. */
static void beside_layout(const lb_layout_t *l, const char *rel, char *out, size_t cap)
{
    const char *slash = strrchr(l->file, '/');
    if (rel[0] == '/' || !slash) {
        snprintf(out, cap, "%s", rel);
    } else {
        snprintf(out, cap, "%.*s/%s", (int)(slash - l->file), l->file, rel);
    }
}

/* Returns true, with why it is not into `why`, when `path` cannot be read. */
static bool unreadable(const char *path, char *why, size_t cap)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        snprintf(why, cap, "cannot read: %s", strerror(errno));
        return true;
    }
    fclose(fp);
    return false;
}

/* The DER SubjectPublicKeyInfo of `pk` into out (capacity cap). Returns
 * its length, or 0 when it does not fit. */
static size_t spki_der(mbedtls_pk_context *pk, uint8_t *out, size_t cap)
{
    unsigned char buf[LB_LAYOUT_KEY_DER_MAX];
    int n = mbedtls_pk_write_pubkey_der(pk, buf, sizeof(buf));
    if (n <= 0 || (size_t)n > cap) {
        return 0;
    }
    memcpy(out, buf + sizeof(buf) - (size_t)n, (size_t)n);
    return (size_t)n;
}

unsigned lb_layout_load_key(lb_layout_t *l, const char *override, lb_diag_t *d)
{
    char path[2 * LB_LAYOUT_PATH_MAX], why[128];
    l->key.present = false;
    if (override) {
        snprintf(path, sizeof(path), "%s", override);
    } else if (l->key.path[0]) {
        beside_layout(l, l->key.path, path, sizeof(path));
    } else {
        if (l->boot.verify_signature) {
            lb_diag_add(d, l->boot.verify_pos.line, l->boot.verify_pos.col,
                        "boot.verify: signature needs a public key (keys.signing_public or "
                        "--key PUB.pem)");
            return 1;
        }
        return 0;
    }
    if (unreadable(path, why, sizeof(why))) {
        return key_error(l, d, override, path, why);
    }
    mbedtls_pk_context pk;
    mbedtls_pk_init(&pk);
    int r = mbedtls_pk_parse_public_keyfile(&pk, path);
    unsigned errs = 0;
    if (r != 0) {
        errs = key_error(l, d, override, path, "not a PEM or DER public key");
    } else if (!lb_key_pk_is_p256(&pk)) {
        errs = key_error(l, d, override, path,
                         "not an ECDSA P-256 public key (lifeboat images use ECDSA P-256)");
    } else if ((l->key.der_len = spki_der(&pk, l->key.der, sizeof(l->key.der))) == 0) {
        errs = key_error(l, d, override, path, "cannot encode the key as DER");
    } else {
        mbedtls_sha256_ret(l->key.der, l->key.der_len, l->key.hash, 0);
        l->key.present = true;
    }
    mbedtls_pk_free(&pk);
    return errs;
}

static unsigned pin_error(const lb_layout_t *l, lb_diag_t *d, const char *path, const char *detail)
{
    lb_diag_add(d, l->app.pin_pos.line, l->app.pin_pos.col, "app.pin: %s: %s", path, detail);
    return 1;
}

unsigned lb_layout_load_pin(lb_layout_t *l, lb_diag_t *d)
{
    l->app.pin_len = 0;
    if (!l->app.pin_path[0]) {
        return 0;
    }
    char path[2 * LB_LAYOUT_PATH_MAX], why[128];
    beside_layout(l, l->app.pin_path, path, sizeof(path));
    if (unreadable(path, why, sizeof(why))) {
        return pin_error(l, d, path, why);
    }
    /* A certificate gives its key; else the file is the key. */
    mbedtls_x509_crt crt;
    mbedtls_x509_crt_init(&crt);
    mbedtls_pk_context pk;
    mbedtls_pk_init(&pk);
    mbedtls_pk_context *key = NULL;
    if (mbedtls_x509_crt_parse_file(&crt, path) == 0) {
        key = &crt.pk;
    } else if (mbedtls_pk_parse_public_keyfile(&pk, path) == 0) {
        key = &pk;
    }
    unsigned errs = 0;
    if (key == NULL) {
        errs = pin_error(l, d, path, "not a PEM certificate or a PEM/DER public key");
    } else if (key == &crt.pk && crt.next != NULL) {
        errs = pin_error(l, d, path, "holds more than one certificate: pin the server's own");
    } else if (!lb_key_pk_is_p256(key)) {
        errs = pin_error(l, d, path,
                         "not an ECDSA P-256 key (the app's TLS accepts "
                         "ECDHE-ECDSA-AES128-GCM-SHA256 with a P-256 server key)");
    } else if (key == &crt.pk) {
        /* The bytes as the server's certificate holds them: the device
         * compares those. */
        if (crt.pk_raw.len > sizeof(l->app.pin)) {
            errs = pin_error(l, d, path, "the certificate's key is too long");
        } else {
            memcpy(l->app.pin, crt.pk_raw.p, crt.pk_raw.len);
            l->app.pin_len = crt.pk_raw.len;
        }
    } else if ((l->app.pin_len = spki_der(key, l->app.pin, sizeof(l->app.pin))) == 0) {
        errs = pin_error(l, d, path, "cannot encode the key as DER");
    }
    mbedtls_x509_crt_free(&crt);
    mbedtls_pk_free(&pk);
    return errs;
}

unsigned lb_layout_load(lb_layout_t *l, const char *path, const char *key_override, lb_diag_t *d)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        memset(l, 0, sizeof(*l));
        lb_diag_add(d, 0, 0, "cannot open: %s", strerror(errno));
        return 1;
    }
    char *text = malloc(LB_YTREE_MAX_INPUT + 1);
    size_t len = text ? fread(text, 1, LB_YTREE_MAX_INPUT + 1, fp) : 0;
    int rerr = ferror(fp);
    fclose(fp);
    if (!text || rerr) {
        free(text);
        memset(l, 0, sizeof(*l));
        lb_diag_add(d, 0, 0, "cannot read the file");
        return 1;
    }
    unsigned errs = lb_layout_parse(l, text, len, path, d);
    free(text);
    if (errs == 0) {
        errs += lb_layout_load_key(l, key_override, d);
        errs += lb_layout_load_pin(l, d);
    }
    return errs;
}

void lb_layout_to_ptable(const lb_layout_t *l, lb_ptable_t *t)
{
    memset(t, 0, sizeof(*t));
    t->geom = l->geom;
    t->count = (uint8_t)l->part_count;
    for (unsigned i = 0; i < l->part_count && i < LB_PTABLE_MAX_ENTRIES; i++) {
        lb_part_t *e = &t->parts[i];
        const lb_layout_part_t *p = &l->parts[i];
        memcpy(e->name, p->name, sizeof(e->name));
        e->type = p->type;
        e->slot = p->slot;
        e->flags = 0;
        e->offset = p->offset;
        e->size = p->size;
    }
}

bool lb_layout_app_dns(const lb_layout_t *l)
{
    return url_names_host(l->app.update_url) || l->app.net.dns[0] != '\0';
}
