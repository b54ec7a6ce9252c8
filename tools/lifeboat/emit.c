#include "emit.h"

#include <stdio.h>
#include <string.h>

#include "lb/err.h"

const char *lb_emit_basename(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

void lb_emit_human_size(uint32_t size, char *buf, size_t cap)
{
    if (size != 0 && size % (1024u * 1024u) == 0) {
        snprintf(buf, cap, "%u MiB", size / (1024u * 1024u));
    } else if (size != 0 && size % 1024u == 0) {
        snprintf(buf, cap, "%u KiB", size / 1024u);
    } else {
        snprintf(buf, cap, "%u B", size);
    }
}

static lb_sb_t *add(lb_outputs_t *o, const char *name)
{
    if (o->count >= LB_OUTPUTS_MAX) {
        return NULL;
    }
    lb_output_t *f = &o->files[o->count++];
    memset(f, 0, sizeof(*f));
    f->name = name;
    return &f->sb;
}

int lb_emit_all(const lb_layout_t *l, unsigned exports, lb_outputs_t *o)
{
    memset(o, 0, sizeof(*o));
    lb_sb_t *sb = add(o, "ptable.bin");
    int r = lb_emit_ptable_bin(l, sb);
    if (r < 0) {
        return r;
    }
    lb_emit_partitions_h(l, add(o, "partitions.h"));
    lb_emit_ota_handler_h(l, add(o, "ota_handler.h"));
    lb_emit_ld(l, LB_PART_LOADER, LB_PTABLE_SLOT_NONE, add(o, "loader.ld"));
    lb_emit_ld(l, LB_PART_RECOVERY, LB_PTABLE_SLOT_NONE, add(o, "recovery.ld"));
    lb_emit_ld(l, LB_PART_APP, 0, add(o, "app.ld"));
    lb_emit_layout_txt(l, add(o, "layout.txt"));
    lb_emit_layout_svg(l, add(o, "layout.svg"));
    if (exports & LB_EXPORT_ESP_IDF_CSV) {
        lb_emit_esp_idf_csv(l, add(o, "partitions.csv"));
    }
    if (exports & LB_EXPORT_ZEPHYR_DTS) {
        lb_emit_zephyr_dts(l, add(o, "partitions.dtsi"));
    }
    for (unsigned i = 0; i < o->count; i++) {
        if (o->files[i].sb.oom) {
            return LB_E_NOSPACE;
        }
    }
    return LB_OK;
}

void lb_outputs_free(lb_outputs_t *o)
{
    for (unsigned i = 0; i < o->count; i++) {
        lb_sb_free(&o->files[i].sb);
    }
    o->count = 0;
}
