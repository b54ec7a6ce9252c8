/* layout.svg: the flash as one vertical bar drawn to scale (offset 0 at
 * the top), every partition labelled with name, address and size. Thin
 * partitions get their label beside the bar with a leader line; labels are
 * spread so that they never overlap. The erase sectors are drawn as a strip
 * beside the bar and as lines across it where they are at least 3 px apart
 * (what decides which partition shares a sector with which); addresses are
 * absolute when the layout gives flash.base; a legend explains colours and
 * sectors. */
#include <stdbool.h>
#include <stdio.h>

#include "emit.h"

#define BAR_X 40
#define BAR_W 220
#define BAR_Y 50
#define BAR_H 720
#define LABEL_X 300
#define LABEL_GAP 30 /* minimum vertical distance between labels */
#define WIDTH 640
#define STRIP_X 24 /* the erase-sector strip, left of the bar */
#define STRIP_W 12
#define GRID_MIN_PX 3.0 /* sector lines closer than this are not drawn */
#define LEGEND_ROW 18

typedef struct {
    uint32_t off, size;
    const char *name; /* NULL for free space */
    uint8_t type;
} item_t;

static const char *fill_of(uint8_t type)
{
    switch (type) {
    case LB_PART_LOADER:
        return "#e07a5f";
    case LB_PART_PTABLE:
        return "#f2cc8f";
    case LB_PART_BOOTSTATE:
        return "#f4a261";
    case LB_PART_RECOVERY:
        return "#81b29a";
    case LB_PART_APP:
        return "#6d9dc5";
    case LB_PART_DATA:
        return "#b8b8d1";
    default:
        return "#ffffff";
    }
}

static const uint8_t legend_types[] = {LB_PART_LOADER,   LB_PART_PTABLE, LB_PART_BOOTSTATE,
                                       LB_PART_RECOVERY, LB_PART_APP,    LB_PART_DATA};

/* Where erase region r starts (flash offset). */
static uint32_t region_start(const lb_geom_t *g, unsigned r)
{
    uint32_t at = 0;
    for (unsigned i = 0; i < r; i++) {
        at += g->regions[i].count * g->regions[i].size;
    }
    return at;
}

static double y_of(uint32_t off, uint32_t total)
{
    return BAR_Y + (double)off * BAR_H / (double)total;
}

void lb_emit_layout_svg(const lb_layout_t *l, lb_sb_t *sb)
{
    item_t items[2 * LB_PTABLE_MAX_ENTRIES + 1];
    unsigned n = 0;
    uint32_t cursor = 0, total = l->geom.size;
    for (unsigned i = 0; i < l->part_count; i++) {
        const lb_layout_part_t *p = &l->parts[i];
        if (p->offset > cursor) {
            items[n++] = (item_t){cursor, p->offset - cursor, NULL, 0};
        }
        items[n++] = (item_t){p->offset, p->size, p->name, p->type};
        cursor = p->offset + p->size;
    }
    if (cursor < total) {
        items[n++] = (item_t){cursor, total - cursor, NULL, 0};
    }

    /* Label positions: wanted at the item's middle, pushed down to keep
     * LABEL_GAP apart, then pulled back up from the bottom if they ran off. */
    double ly[2 * LB_PTABLE_MAX_ENTRIES + 1];
    for (unsigned i = 0; i < n; i++) {
        ly[i] = (y_of(items[i].off, total) + y_of(items[i].off + items[i].size, total)) / 2;
        if (i > 0 && ly[i] < ly[i - 1] + LABEL_GAP) {
            ly[i] = ly[i - 1] + LABEL_GAP;
        }
    }
    double bottom = BAR_Y + BAR_H + 10;
    for (unsigned i = n; i-- > 0;) {
        double limit = (i + 1 < n) ? ly[i + 1] - LABEL_GAP : bottom;
        if (ly[i] > limit) {
            ly[i] = limit;
        }
    }
    double legend_y = BAR_Y + BAR_H + 30;
    if (n > 0 && ly[n - 1] + 20 > legend_y) {
        legend_y = ly[n - 1] + 20;
    }
    double height = BAR_H + 2 * BAR_Y;
    if (n > 0 && ly[0] < 20) {
        /* Too many labels for the bar: shift them all down and grow. */
        double shift = 20 - ly[0];
        for (unsigned i = 0; i < n; i++) {
            ly[i] += shift;
        }
        height += shift;
        legend_y += shift;
    }
    unsigned rows = 2 + (l->geom.region_count + 1u) / 2u;
    if (legend_y + rows * LEGEND_ROW + 10 > height) {
        height = legend_y + rows * LEGEND_ROW + 10;
    }
    uint32_t base = l->flash_base;

    char h[32];
    lb_emit_human_size(total, h, sizeof(h));
    lb_sb_printf(sb,
                 "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%.0f\" "
                 "viewBox=\"0 0 %d %.0f\" font-family=\"monospace\" font-size=\"12\">\n",
                 WIDTH, height, WIDTH, height);
    lb_sb_printf(sb, "<title>lifeboat layout: ");
    lb_sb_put_xml(sb, l->product);
    lb_sb_printf(sb, " on ");
    lb_sb_put_xml(sb, l->board);
    lb_sb_printf(sb, "</title>\n<rect width=\"100%%\" height=\"100%%\" fill=\"#ffffff\"/>\n");
    lb_sb_printf(sb, "<text x=\"%d\" y=\"24\" font-size=\"14\" font-weight=\"bold\">", BAR_X);
    lb_sb_put_xml(sb, l->product);
    lb_sb_printf(sb, " / ");
    lb_sb_put_xml(sb, l->board);
    lb_sb_printf(sb, ": %s flash", h);
    if (base != 0) {
        lb_sb_printf(sb, " at 0x%08x", base);
    }
    lb_sb_printf(sb, ", to scale</text>\n");

    /* The erase sectors, beside the bar: one band per region, alternating. */
    uint32_t at = 0;
    for (unsigned r = 0; r < l->geom.region_count; r++) {
        const lb_erase_region_t *reg = &l->geom.regions[r];
        uint32_t end = at + reg->count * reg->size;
        double y0 = y_of(at, total), y1 = y_of(end, total);
        lb_sb_printf(sb,
                     "<rect x=\"%d\" y=\"%.2f\" width=\"%d\" height=\"%.2f\" fill=\"%s\" "
                     "stroke=\"#555555\" stroke-width=\"0.5\"/>\n",
                     STRIP_X, y0, STRIP_W, y1 - y0, r % 2 ? "#bbbbbb" : "#dddddd");
        at = end;
    }

    for (unsigned i = 0; i < n; i++) {
        const item_t *it = &items[i];
        double y0 = y_of(it->off, total), y1 = y_of(it->off + it->size, total);
        double mid = (y0 + y1) / 2;
        lb_sb_printf(sb,
                     "<rect x=\"%d\" y=\"%.2f\" width=\"%d\" height=\"%.2f\" fill=\"%s\" "
                     "stroke=\"#333333\" stroke-width=\"0.5\"%s/>\n",
                     BAR_X, y0, BAR_W, y1 - y0, it->name ? fill_of(it->type) : "#eeeeee",
                     it->name ? "" : " stroke-dasharray=\"4 2\"");
        lb_emit_human_size(it->size, h, sizeof(h));
        if (it->name && y1 - y0 >= 16) {
            lb_sb_printf(sb, "<text x=\"%d\" y=\"%.2f\" text-anchor=\"middle\">", BAR_X + BAR_W / 2,
                         mid + 4);
            lb_sb_put_xml(sb, it->name);
            lb_sb_printf(sb, "</text>\n");
        }
        lb_sb_printf(sb,
                     "<polyline points=\"%d,%.2f %d,%.2f %d,%.2f\" fill=\"none\" "
                     "stroke=\"#888888\" stroke-width=\"0.75\"/>\n",
                     BAR_X + BAR_W, mid, BAR_X + BAR_W + 20, mid, LABEL_X - 4, ly[i]);
        lb_sb_printf(sb, "<text x=\"%d\" y=\"%.2f\">", LABEL_X, ly[i] - 2);
        if (it->name) {
            lb_sb_printf(sb, "<tspan font-weight=\"bold\">");
            lb_sb_put_xml(sb, it->name);
            lb_sb_printf(sb, "</tspan> (%s)", lb_part_type_name(it->type));
        } else {
            lb_sb_printf(sb, "(free)");
        }
        lb_sb_printf(sb, "<tspan x=\"%d\" dy=\"14\">0x%08x, %s</tspan></text>\n", LABEL_X,
                     base + it->off, h);
    }
    /* Then every sector boundary across strip and bar, where sectors are
     * drawn far enough apart to tell. */
    at = 0;
    for (unsigned r = 0; r < l->geom.region_count; r++) {
        const lb_erase_region_t *reg = &l->geom.regions[r];
        if ((double)reg->size * BAR_H / (double)total >= GRID_MIN_PX) {
            for (uint32_t k = r == 0 ? 1u : 0u; k < reg->count; k++) {
                double y = y_of(at + k * reg->size, total);
                lb_sb_printf(sb,
                             "<line x1=\"%d\" y1=\"%.2f\" x2=\"%d\" y2=\"%.2f\" "
                             "stroke=\"#000000\" stroke-opacity=\"0.3\" stroke-width=\"0.5\"/>\n",
                             STRIP_X, y, BAR_X + BAR_W, y);
            }
        }
        at += reg->count * reg->size;
    }
    lb_sb_printf(sb, "<text x=\"%d\" y=\"%d\" font-size=\"10\">0x%08x</text>\n", BAR_X, BAR_Y - 4,
                 base);
    lb_sb_printf(sb, "<text x=\"%d\" y=\"%d\" font-size=\"10\">0x%08x</text>\n", BAR_X,
                 BAR_Y + BAR_H + 12, base + total);

    /* The legend: one swatch per partition type, free space, the sectors. */
    double y = legend_y;
    lb_sb_printf(sb, "<g font-size=\"11\">\n");
    for (unsigned t = 0; t <= sizeof legend_types; t++) {
        int x = BAR_X + (int)(t % 4u) * 150;
        double ry = y + (double)(t / 4u) * LEGEND_ROW;
        bool free_ = t == sizeof legend_types;
        lb_sb_printf(
            sb,
            "<rect x=\"%d\" y=\"%.2f\" width=\"14\" height=\"10\" fill=\"%s\" "
            "stroke=\"#333333\" stroke-width=\"0.5\"%s/><text x=\"%d\" y=\"%.2f\">%s</text>\n",
            x, ry, free_ ? "#eeeeee" : fill_of(legend_types[t]),
            free_ ? " stroke-dasharray=\"4 2\"" : "", x + 20, ry + 9,
            free_ ? "free" : lb_part_type_name(legend_types[t]));
    }
    y += 2 * LEGEND_ROW;
    lb_sb_printf(sb,
                 "<rect x=\"%d\" y=\"%.2f\" width=\"%d\" height=\"10\" fill=\"#dddddd\" "
                 "stroke=\"#555555\" stroke-width=\"0.5\"/><text x=\"%d\" y=\"%.2f\">erase "
                 "sectors: the strip on the left, a band per region, lines across the bar</text>\n",
                 STRIP_X, y, STRIP_W, BAR_X, y + 9);
    for (unsigned r = 0; r < l->geom.region_count; r++) {
        const lb_erase_region_t *reg = &l->geom.regions[r];
        lb_emit_human_size(reg->size, h, sizeof(h));
        bool drawn = (double)reg->size * BAR_H / (double)total >= GRID_MIN_PX;
        if (r % 2 == 0) {
            y += LEGEND_ROW;
            lb_sb_printf(sb, "%s<text x=\"%d\" y=\"%.2f\">", r ? "</text>\n" : "", BAR_X, y + 9);
        }
        lb_sb_printf(sb, "%s%u x %s at 0x%08x%s", r % 2 ? "; " : "", (unsigned)reg->count, h,
                     base + region_start(&l->geom, r), drawn ? "" : " (too fine to draw each)");
    }
    lb_sb_printf(sb, "</text>\n</g>\n</svg>\n");
}
