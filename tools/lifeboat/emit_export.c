/* Exports for other ecosystems: an ESP-IDF partitions.csv that ESP-IDF's
 * own gen_esp32part.py accepts without a warning, and a Zephyr
 * fixed-partitions devicetree fragment that replaces a board's own.
 *
 * ESP-IDF's rules, as its tool and its partition-table guide state them
 * (learned from them, checked by tests/gen/esp_idf_rules.py):
 *  - its table sits at CONFIG_PARTITION_TABLE_OFFSET (0x8000 by default)
 *    and fills that 4 KiB sector; every row lies past it;
 *  - app partitions start on 64 KiB boundaries (the MMU maps apps in
 *    64 KiB pages) and are 4 KiB multiples; others start on 4 KiB ones;
 *  - names are at most 16 bytes; a name that is an ESP-IDF type or subtype
 *    keyword but not this row's type/subtype draws a warning;
 *  - one data/ota ("otadata") of exactly 0x2000 bytes at most; types
 *    0x00-0x3f are ESP-IDF's, 0x40-0xfe are free for custom partitions. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "emit.h"

#define ESP_TABLE_OFFSET 0x8000u /* CONFIG_PARTITION_TABLE_OFFSET's default */
#define ESP_TABLE_SIZE 0x1000u   /* the table's sector */
#define ESP_APP_ALIGN 0x10000u
#define ESP_DATA_ALIGN 0x1000u
#define ESP_LB_TYPE "0x40" /* lifeboat's own regions: the first custom type */

/* A lifeboat name is [a-z0-9_]{1,15}: always within ESP-IDF's 16 bytes,
 * and 16 entries are far from its 95. */
_Static_assert(LB_PTABLE_NAME_LEN - 1u <= 16u, "names fit ESP-IDF's 16-byte field");
_Static_assert(LB_PTABLE_MAX_ENTRIES <= 95u, "rows fit ESP-IDF's table");

/* ESP-IDF data subtypes a data partition takes when it carries that name
 * (nvs named nvs, as ESP-IDF projects write it). "ota" is not among them:
 * that is otadata, ESP-IDF's own boot selection, which lifeboat replaces. */
static const char *const esp_data_subtypes[] = {
    "phy",       "nvs",      "coredump", "nvs_keys", "efuse",
    "undefined", "esphttpd", "fat",      "spiffs",   "littlefs",
};

/* The data subtype keyword `name` is (one of the above), or NULL. */
static const char *esp_data_subtype(const char *name)
{
    for (size_t i = 0; i < sizeof(esp_data_subtypes) / sizeof(esp_data_subtypes[0]); i++) {
        if (strcmp(name, esp_data_subtypes[i]) == 0) {
            return esp_data_subtypes[i];
        }
    }
    return NULL;
}

/* One table row as it is exported. */
typedef struct {
    bool row;         /* false: a comment (below ESP-IDF's table) */
    const char *type; /* "app", "data" or ESP_LB_TYPE */
    char sub[16];     /* keyword or 0xNN */
} esp_row_t;

static void esp_map(const lb_layout_part_t *p, esp_row_t *r)
{
    memset(r, 0, sizeof(*r));
    r->row = true;
    switch (p->type) {
    case LB_PART_APP:
        r->type = "app";
        snprintf(r->sub, sizeof(r->sub), "ota_%u", p->slot);
        break;
    case LB_PART_RECOVERY:
        r->type = "app";
        snprintf(r->sub, sizeof(r->sub), "test"); /* ESP-IDF's strap-selected app */
        break;
    case LB_PART_PTABLE:
        r->type = ESP_LB_TYPE;
        snprintf(r->sub, sizeof(r->sub), "0x00");
        break;
    case LB_PART_BOOTSTATE:
        r->type = ESP_LB_TYPE;
        snprintf(r->sub, sizeof(r->sub), "0x01");
        break;
    case LB_PART_DATA: {
        const char *k = esp_data_subtype(p->name);
        r->type = "data";
        snprintf(r->sub, sizeof(r->sub), "%s", k != NULL ? k : "undefined");
        break;
    }
    default: /* the loader: ESP-IDF's second stage is not a row either */
        r->row = false;
        break;
    }
}

/* The ESP-IDF type a keyword name stands for ("app"/"data"), or NULL when
 * `name` is not a type or subtype keyword; *sub gets the subtype keyword
 * (NULL for a type name). */
static const char *esp_keyword(const char *name, const char **sub)
{
    /* Types (newer releases add bootloader and partition_table), and the
     * subtypes that are not data subtypes above ("ota" is otadata). */
    static const struct {
        const char *name, *type;
        bool sub;
    } kw[] = {
        {"app", "app", false},
        {"data", "data", false},
        {"bootloader", "bootloader", false},
        {"partition_table", "partition_table", false},
        {"factory", "app", true},
        {"test", "app", true},
        {"ota", "data", true},
    };
    for (size_t i = 0; i < sizeof(kw) / sizeof(kw[0]); i++) {
        if (strcmp(name, kw[i].name) == 0) {
            *sub = kw[i].sub ? name : NULL;
            return kw[i].type;
        }
    }
    unsigned n;
    char tail;
    *sub = name;
    if (sscanf(name, "ota_%u%c", &n, &tail) == 1 && n < 16u) {
        return "app";
    }
    return esp_data_subtype(name) != NULL ? "data" : NULL;
}

static void at(lb_diag_t *d, const lb_layout_pos_t *pos, unsigned i, const lb_layout_part_t *p,
               const char *what, const char *msg)
{
    lb_diag_add(d, pos->line, pos->col, "partitions[%u].%s: esp-idf-csv: '%s' %s", i, what, p->name,
                msg);
}

unsigned lb_export_esp_idf_check(const lb_layout_t *l, lb_diag_t *d)
{
    unsigned before = d->count;
    const uint32_t table_end = ESP_TABLE_OFFSET + ESP_TABLE_SIZE;
    for (unsigned i = 0; i < l->part_count; i++) {
        const lb_layout_part_t *p = &l->parts[i];
        const lb_layout_pos_t *opos = p->offset_given ? &p->offset_pos : &p->pos;
        const uint32_t end = p->offset + p->size;
        esp_row_t r;
        char m[200];
        esp_map(p, &r);
        if (!r.row) {
            if (end > ESP_TABLE_OFFSET) {
                snprintf(m, sizeof(m),
                         "ends at 0x%x, past 0x%x where ESP-IDF's partition table starts: "
                         "make it at most %u KiB",
                         end, ESP_TABLE_OFFSET, (ESP_TABLE_OFFSET - p->offset) / 1024u);
                at(d, &p->size_pos, i, p, "size", m);
            }
            continue;
        }
        if (p->offset < table_end) {
            snprintf(m, sizeof(m),
                     "at 0x%x lies before 0x%x: ESP-IDF's partition table takes 0x%x..0x%x; "
                     "start it at 0x%x or later (offset: 0x%x)",
                     p->offset, table_end, ESP_TABLE_OFFSET, table_end, table_end,
                     p->type == LB_PART_APP || p->type == LB_PART_RECOVERY ? 0x10000u : table_end);
            at(d, opos, i, p, "offset", m);
        } else if (strcmp(r.type, "app") == 0 && p->offset % ESP_APP_ALIGN) {
            snprintf(m, sizeof(m),
                     "at 0x%x is not on a 64 KiB boundary: ESP-IDF maps apps in 64 KiB MMU "
                     "pages (offset: 0x%x)",
                     p->offset, (p->offset + ESP_APP_ALIGN - 1u) & ~(ESP_APP_ALIGN - 1u));
            at(d, opos, i, p, "offset", m);
        } else if (p->offset % ESP_DATA_ALIGN) {
            snprintf(m, sizeof(m), "at 0x%x is not on a 4 KiB boundary", p->offset);
            at(d, opos, i, p, "offset", m);
        }
        if (p->size % ESP_DATA_ALIGN) {
            snprintf(m, sizeof(m), "is 0x%x bytes, not a multiple of 4 KiB", p->size);
            at(d, &p->size_pos, i, p, "size", m);
        }
        const char *ksub;
        const char *ktype = esp_keyword(p->name, &ksub);
        if (ktype && (strcmp(ktype, r.type) != 0 || (ksub && strcmp(ksub, r.sub) != 0))) {
            snprintf(m, sizeof(m),
                     "is an ESP-IDF %s name, but the partition exports as %s/%s: rename it "
                     "(ESP-IDF warns 'Mistake in partition table?')",
                     ksub ? "subtype" : "type", r.type, r.sub);
            at(d, &p->name_pos, i, p, "name", m);
        }
    }
    return d->count - before;
}

void lb_emit_esp_idf_csv(const lb_layout_t *l, lb_sb_t *sb)
{
    lb_sb_printf(
        sb,
        "# ESP-IDF partition table for %s on %s, generated by `lifeboat gen` from %s.\n"
        "# For CONFIG_PARTITION_TABLE_OFFSET=0x8000 (the table itself fills 0x8000..0x9000).\n"
        "# App slots are ota_N, recovery the strap-selected 'test' app; lifeboat's own\n"
        "# table and boot state are type 0x40 (custom: ESP-IDF's otadata and\n"
        "# esp_ota_* are not used, lifeboat's loader chooses what boots). The loader\n"
        "# is the second stage and no row, as in ESP-IDF.\n"
        "# Name, Type, SubType, Offset, Size, Flags\n",
        l->product, l->board, lb_emit_basename(l->file));
    for (unsigned i = 0; i < l->part_count; i++) {
        const lb_layout_part_t *p = &l->parts[i];
        esp_row_t r;
        esp_map(p, &r);
        if (!r.row) {
            lb_sb_printf(sb, "# %s (%s) at 0x%x, size 0x%x\n", p->name, lb_part_type_name(p->type),
                         p->offset, p->size);
            continue;
        }
        lb_sb_printf(sb, "%s, %s, %s, 0x%x, 0x%x,\n", p->name, r.type, r.sub, p->offset, p->size);
    }
}

void lb_emit_zephyr_dts(const lb_layout_t *l, lb_sb_t *sb)
{
    /* A board's dts usually has its own partitions node with the same
     * conventional labels: defining them again is dtc's duplicate_label
     * error, so the fragment deletes that node (and its labels) first.
     * Deleting a node that is not there is no error. */
    lb_sb_printf(sb,
                 "/* Zephyr fixed-partitions for %s on %s, generated by `lifeboat gen` from %s.\n"
                 " * Include it after the board's .dts (an app's .overlay, or /include/ at the\n"
                 " * end of the board file); &flash0 must be the flash. It replaces the board's\n"
                 " * partitions node and its labels: point zephyr,code-partition at\n"
                 " * &slot0_partition (an app) or &recovery_partition (a recovery image). */\n\n"
                 "&flash0 {\n\t/delete-node/ partitions;\n\n\tpartitions {\n"
                 "\t\tcompatible = \"fixed-partitions\";\n"
                 "\t\t#address-cells = <1>;\n\t\t#size-cells = <1>;\n",
                 l->product, l->board, lb_emit_basename(l->file));
    for (unsigned i = 0; i < l->part_count; i++) {
        const lb_layout_part_t *p = &l->parts[i];
        char label[48];
        /* Zephyr's conventional labels where they exist (boot, slot0/1,
         * storage); otherwise derived from the (unique) name. */
        if (p->type == LB_PART_LOADER) {
            snprintf(label, sizeof(label), "boot_partition");
        } else if (p->type == LB_PART_APP) {
            snprintf(label, sizeof(label), "slot%u_partition", p->slot);
        } else if (strcmp(p->name, "boot") == 0 || strcmp(p->name, "slot0") == 0 ||
                   strcmp(p->name, "slot1") == 0) {
            snprintf(label, sizeof(label), "lb_%s_partition", p->name);
        } else {
            snprintf(label, sizeof(label), "%s_partition", p->name);
        }
        lb_sb_printf(sb,
                     "\n\t\t%s: partition@%x {\n\t\t\tlabel = \"%s\";\n"
                     "\t\t\treg = <0x%08x 0x%08x>;\n%s\t\t};\n",
                     label, p->offset, p->name, p->offset, p->size,
                     (p->type == LB_PART_LOADER || p->type == LB_PART_PTABLE) ? "\t\t\tread-only;\n"
                                                                              : "");
    }
    lb_sb_printf(sb, "\t};\n};\n");
}
