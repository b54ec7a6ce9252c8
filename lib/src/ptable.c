#include "lb/ptable.h"

#include <stddef.h>
#include <string.h>

#include "lb/crc32.h"
#include "lb/endian.h"
#include "lb/err.h"

#define HDR_SIZE sizeof(lb_ptable_hdr_wire_t)
#define REGION_SIZE sizeof(lb_ptable_region_wire_t)
#define ENTRY_SIZE sizeof(lb_ptable_entry_wire_t)
#define HOFF(f) offsetof(lb_ptable_hdr_wire_t, f)
#define EOFF(f) offsetof(lb_ptable_entry_wire_t, f)

/* Length of a name field, at most LB_PTABLE_NAME_LEN. (strnlen is POSIX,
 * not C11: firmware builds with -std=c11 and newlib do not declare it.) */
static size_t name_len(const char *name)
{
    size_t n = 0;
    while (n < LB_PTABLE_NAME_LEN && name[n] != '\0') {
        n++;
    }
    return n;
}

/* strncmp(a, b, LB_PTABLE_NAME_LEN) == 0, without libc's strncmp (the
 * loader links no C library beyond lib/fw/libc_min.c). */
static bool name_eq(const char *a, const char *b)
{
    for (size_t i = 0; i < LB_PTABLE_NAME_LEN; i++) {
        if (a[i] != b[i]) {
            return false;
        }
        if (a[i] == '\0') {
            break;
        }
    }
    return true;
}

static size_t wire_size(unsigned regions, unsigned entries)
{
    return HDR_SIZE + regions * REGION_SIZE + entries * ENTRY_SIZE + 4u;
}

size_t lb_ptable_encoded_size(const lb_ptable_t *t)
{
    return wire_size(t->geom.region_count, t->count);
}

int lb_ptable_encode(const lb_ptable_t *t, uint8_t *buf, size_t cap)
{
    if (t->geom.region_count == 0 || t->geom.region_count > LB_GEOM_MAX_REGIONS || t->count == 0 ||
        t->count > LB_PTABLE_MAX_ENTRIES) {
        return LB_E_INVAL;
    }
    size_t total = lb_ptable_encoded_size(t);
    if (cap < total) {
        return LB_E_NOSPACE;
    }
    memset(buf, 0, total);
    lb_put_le32(buf + HOFF(magic), LB_PTABLE_MAGIC);
    lb_put_le16(buf + HOFF(version), LB_PTABLE_VERSION);
    lb_put_le16(buf + HOFF(header_size), (uint16_t)HDR_SIZE);
    lb_put_le32(buf + HOFF(total_size), (uint32_t)total);
    lb_put_le32(buf + HOFF(flash_size), t->geom.size);
    lb_put_le32(buf + HOFF(program_size), t->geom.program_size);
    buf[HOFF(erased)] = t->geom.erased;
    buf[HOFF(flags)] = t->geom.program_once ? LB_PTABLE_FLAG_PROGRAM_ONCE : 0;
    buf[HOFF(region_count)] = t->geom.region_count;
    buf[HOFF(entry_count)] = t->count;

    uint8_t *p = buf + HDR_SIZE;
    for (unsigned i = 0; i < t->geom.region_count; i++, p += REGION_SIZE) {
        lb_put_le32(p + offsetof(lb_ptable_region_wire_t, count), t->geom.regions[i].count);
        lb_put_le32(p + offsetof(lb_ptable_region_wire_t, size), t->geom.regions[i].size);
    }
    for (unsigned i = 0; i < t->count; i++, p += ENTRY_SIZE) {
        const lb_part_t *e = &t->parts[i];
        /* name_len keeps a full-length (unterminated) name from overrunning;
         * such a table then fails lb_ptable_check on decode. */
        size_t n = name_len(e->name);
        memcpy(p + EOFF(name), e->name, n);
        p[EOFF(type)] = e->type;
        p[EOFF(slot)] = e->slot;
        lb_put_le16(p + EOFF(flags), e->flags);
        lb_put_le32(p + EOFF(offset), e->offset);
        lb_put_le32(p + EOFF(size), e->size);
    }
    lb_put_le32(p, lb_crc32(0, buf, (size_t)(p - buf)));
    return (int)total;
}

int lb_ptable_decode(lb_ptable_t *t, const uint8_t *buf, size_t len)
{
    if (len < HDR_SIZE) {
        return LB_E_SIZE;
    }
    if (lb_get_le32(buf + HOFF(magic)) != LB_PTABLE_MAGIC) {
        return LB_E_MAGIC;
    }
    if (lb_get_le16(buf + HOFF(version)) != LB_PTABLE_VERSION) {
        return LB_E_VERSION;
    }
    unsigned regions = buf[HOFF(region_count)];
    unsigned entries = buf[HOFF(entry_count)];
    if (lb_get_le16(buf + HOFF(header_size)) != HDR_SIZE || regions == 0 ||
        regions > LB_GEOM_MAX_REGIONS || entries == 0 || entries > LB_PTABLE_MAX_ENTRIES) {
        return LB_E_SIZE;
    }
    size_t total = wire_size(regions, entries);
    if (lb_get_le32(buf + HOFF(total_size)) != total || len < total) {
        return LB_E_SIZE;
    }
    if (lb_crc32(0, buf, total - 4) != lb_get_le32(buf + total - 4)) {
        return LB_E_CORRUPT;
    }
    if (lb_get_le32(buf + HOFF(reserved)) != 0 || lb_get_le32(buf + HOFF(reserved) + 4) != 0 ||
        (buf[HOFF(flags)] & ~LB_PTABLE_FLAG_PROGRAM_ONCE) != 0) {
        return LB_E_CORRUPT;
    }

    memset(t, 0, sizeof(*t));
    t->geom.size = lb_get_le32(buf + HOFF(flash_size));
    t->geom.program_size = lb_get_le32(buf + HOFF(program_size));
    t->geom.erased = buf[HOFF(erased)];
    t->geom.program_once = (buf[HOFF(flags)] & LB_PTABLE_FLAG_PROGRAM_ONCE) ? 1 : 0;
    t->geom.region_count = (uint8_t)regions;
    const uint8_t *p = buf + HDR_SIZE;
    for (unsigned i = 0; i < regions; i++, p += REGION_SIZE) {
        t->geom.regions[i].count = lb_get_le32(p + offsetof(lb_ptable_region_wire_t, count));
        t->geom.regions[i].size = lb_get_le32(p + offsetof(lb_ptable_region_wire_t, size));
    }
    t->count = (uint8_t)entries;
    for (unsigned i = 0; i < entries; i++, p += ENTRY_SIZE) {
        lb_part_t *e = &t->parts[i];
        memcpy(e->name, p + EOFF(name), LB_PTABLE_NAME_LEN);
        e->type = p[EOFF(type)];
        e->slot = p[EOFF(slot)];
        e->flags = lb_get_le16(p + EOFF(flags));
        e->offset = lb_get_le32(p + EOFF(offset));
        e->size = lb_get_le32(p + EOFF(size));
        if (lb_get_le32(p + EOFF(reserved)) != 0) {
            return LB_E_CORRUPT;
        }
        /* Names are NUL-padded: anything after the first NUL must be NUL
         * too, so that one table has exactly one encoding. */
        size_t n = name_len(e->name);
        for (size_t k = n; k < LB_PTABLE_NAME_LEN; k++) {
            if (e->name[k] != '\0') {
                return LB_E_CORRUPT;
            }
        }
    }
    return lb_ptable_check(t, NULL);
}

static int fail(const char **why, const char *msg, int err)
{
    if (why) {
        *why = msg;
    }
    return err;
}

static int name_ok(const char *name)
{
    size_t n = name_len(name);
    if (n == 0 || n == LB_PTABLE_NAME_LEN) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
            return 0;
        }
    }
    return 1;
}

int lb_ptable_check(const lb_ptable_t *t, const char **why)
{
    const lb_geom_t *g = &t->geom;
    if (lb_geom_check(g) != LB_OK) {
        return fail(why, "inconsistent flash geometry", LB_E_INVAL);
    }
    if (t->count == 0 || t->count > LB_PTABLE_MAX_ENTRIES) {
        return fail(why, "bad partition count", LB_E_SIZE);
    }
    unsigned seen[LB_PART_DATA + 1] = {0};
    unsigned slot_mask = 0;
    uint32_t end_prev = 0;
    for (unsigned i = 0; i < t->count; i++) {
        const lb_part_t *e = &t->parts[i];
        if (!name_ok(e->name)) {
            return fail(why, "bad partition name", LB_E_INVAL);
        }
        for (unsigned j = 0; j < i; j++) {
            if (name_eq(e->name, t->parts[j].name)) {
                return fail(why, "duplicate partition name", LB_E_INVAL);
            }
        }
        if (e->type < LB_PART_LOADER || e->type > LB_PART_DATA) {
            return fail(why, "unknown partition type", LB_E_INVAL);
        }
        if (e->flags != 0) {
            return fail(why, "reserved partition flags set", LB_E_INVAL);
        }
        if (e->size == 0) {
            return fail(why, "empty partition", LB_E_SIZE);
        }
        if ((uint64_t)e->offset + e->size > g->size) {
            return fail(why, "partition past the end of flash", LB_E_RANGE);
        }
        if (e->offset < end_prev) {
            return fail(why, "partitions overlap or are out of flash order", LB_E_RANGE);
        }
        if (!lb_geom_is_boundary(g, e->offset) || !lb_geom_is_boundary(g, e->offset + e->size)) {
            return fail(why, "partition not on erase-unit boundaries", LB_E_ALIGN);
        }
        end_prev = e->offset + e->size;
        seen[e->type]++;
        if (e->type == LB_PART_APP) {
            if (e->slot >= LB_PTABLE_MAX_SLOTS || (slot_mask & (1u << e->slot))) {
                return fail(why, "bad or duplicate app slot number", LB_E_INVAL);
            }
            slot_mask |= 1u << e->slot;
        } else if (e->slot != LB_PTABLE_SLOT_NONE) {
            return fail(why, "slot number on a non-app partition", LB_E_INVAL);
        }
        /* Both ends are on boundaries, so more bytes than its first unit
         * means at least two units (counting them all could take 2^32
         * steps on a crafted geometry of 1-byte units). */
        uint32_t first = 0;
        if (e->type == LB_PART_BOOTSTATE &&
            (lb_geom_unit_at(g, e->offset, NULL, &first) != LB_OK || e->size <= first)) {
            return fail(why, "bootstate smaller than two erase units", LB_E_SIZE);
        }
    }
    if (seen[LB_PART_LOADER] != 1 || seen[LB_PART_PTABLE] != 1 || seen[LB_PART_BOOTSTATE] != 1 ||
        seen[LB_PART_RECOVERY] != 1) {
        return fail(why, "need exactly one loader, ptable, bootstate and recovery partition",
                    LB_E_NOTFOUND);
    }
    if (slot_mask != 0x1u && slot_mask != 0x3u) {
        return fail(why, "need app slot 0, or slots 0 and 1", LB_E_NOTFOUND);
    }
    return LB_OK;
}

const lb_part_t *lb_ptable_find(const lb_ptable_t *t, uint8_t type, uint8_t slot)
{
    for (unsigned i = 0; i < t->count; i++) {
        const lb_part_t *e = &t->parts[i];
        if (e->type == type && (type != LB_PART_APP || e->slot == slot)) {
            return e;
        }
    }
    return NULL;
}

const lb_part_t *lb_ptable_find_name(const lb_ptable_t *t, const char *name)
{
    for (unsigned i = 0; i < t->count; i++) {
        if (name_eq(t->parts[i].name, name)) {
            return &t->parts[i];
        }
    }
    return NULL;
}

unsigned lb_ptable_slot_count(const lb_ptable_t *t)
{
    return lb_ptable_find(t, LB_PART_APP, 1) ? 2u : 1u;
}

static const char *const type_names[] = {
    [LB_PART_LOADER] = "loader",     [LB_PART_PTABLE] = "ptable", [LB_PART_BOOTSTATE] = "bootstate",
    [LB_PART_RECOVERY] = "recovery", [LB_PART_APP] = "app",       [LB_PART_DATA] = "data",
};

const char *lb_part_type_name(uint8_t type)
{
    if (type >= LB_PART_LOADER && type <= LB_PART_DATA) {
        return type_names[type];
    }
    return "unknown";
}

uint8_t lb_part_type_from_name(const char *name)
{
    for (uint8_t i = LB_PART_LOADER; i <= LB_PART_DATA; i++) {
        if (strcmp(type_names[i], name) == 0) {
            return i;
        }
    }
    return 0;
}
