/* layout.txt and the table printers shared with `lifeboat dump`. */
#include <stdio.h>
#include <string.h>

#include "emit.h"

static void region_list(const lb_geom_t *g, lb_sb_t *sb)
{
    for (unsigned i = 0; i < g->region_count; i++) {
        char h[32];
        lb_emit_human_size(g->regions[i].size, h, sizeof(h));
        lb_sb_printf(sb, "%s%u x %s", i ? " + " : "", g->regions[i].count, h);
    }
}

static void free_row(lb_sb_t *sb, uint32_t from, uint32_t to)
{
    char h[32];
    lb_emit_human_size(to - from, h, sizeof(h));
    lb_sb_printf(sb, "  %-15s %-9s %-4s 0x%08x  0x%08x  %s\n", "(free)", "-", "-", from, to, h);
}

void lb_emit_table_text(const lb_ptable_t *t, uint32_t flash_base, lb_sb_t *sb)
{
    const lb_geom_t *g = &t->geom;
    char h[32];
    lb_emit_human_size(g->size, h, sizeof(h));
    lb_sb_printf(sb, "flash:  %s (0x%08x) at 0x%08x, erased 0x%02x, program %u B%s\n", h, g->size,
                 flash_base, g->erased, g->program_size, g->program_once ? ", program once" : "");
    lb_sb_printf(sb, "erase:  ");
    region_list(g, sb);
    lb_sb_printf(sb, "\n\n  %-15s %-9s %-4s %-10s  %-10s  %s\n", "name", "type", "slot", "offset",
                 "end", "size");
    uint32_t cursor = 0;
    for (unsigned i = 0; i < t->count; i++) {
        const lb_part_t *p = &t->parts[i];
        if (p->offset > cursor) {
            free_row(sb, cursor, p->offset);
        }
        char slot[8] = "-";
        if (p->slot != LB_PTABLE_SLOT_NONE) {
            snprintf(slot, sizeof(slot), "%u", p->slot);
        }
        char name[LB_PTABLE_NAME_LEN + 1];
        memcpy(name, p->name, LB_PTABLE_NAME_LEN);
        name[LB_PTABLE_NAME_LEN] = '\0';
        lb_emit_human_size(p->size, h, sizeof(h));
        lb_sb_printf(sb, "  %-15s %-9s %-4s 0x%08x  0x%08x  %s\n", name, lb_part_type_name(p->type),
                     slot, p->offset, p->offset + p->size, h);
        cursor = p->offset + p->size;
    }
    if (cursor < g->size) {
        free_row(sb, cursor, g->size);
    }
}

void lb_emit_table_json(const lb_ptable_t *t, lb_sb_t *sb)
{
    const lb_geom_t *g = &t->geom;
    lb_sb_printf(sb,
                 "{\n  \"version\": %u,\n  \"flash\": {\"size\": %u, \"erased\": %u, "
                 "\"program\": %u, \"program_once\": %s, \"erase\": [",
                 LB_PTABLE_VERSION, g->size, g->erased, g->program_size,
                 g->program_once ? "true" : "false");
    for (unsigned i = 0; i < g->region_count; i++) {
        lb_sb_printf(sb, "%s{\"count\": %u, \"size\": %u}", i ? ", " : "", g->regions[i].count,
                     g->regions[i].size);
    }
    lb_sb_printf(sb, "]},\n  \"partitions\": [\n");
    for (unsigned i = 0; i < t->count; i++) {
        const lb_part_t *p = &t->parts[i];
        char name[LB_PTABLE_NAME_LEN + 1];
        memcpy(name, p->name, LB_PTABLE_NAME_LEN);
        name[LB_PTABLE_NAME_LEN] = '\0';
        lb_sb_printf(sb, "    {\"name\": ");
        lb_sb_put_json(sb, name);
        lb_sb_printf(sb, ", \"type\": \"%s\", \"slot\": ", lb_part_type_name(p->type));
        if (p->slot == LB_PTABLE_SLOT_NONE) {
            lb_sb_printf(sb, "null");
        } else {
            lb_sb_printf(sb, "%u", p->slot);
        }
        lb_sb_printf(sb, ", \"offset\": %u, \"size\": %u}%s\n", p->offset, p->size,
                     i + 1 < t->count ? "," : "");
    }
    lb_sb_printf(sb, "  ]\n}\n");
}

static const char *const reset_names[] = {"unknown", "power_on", "software", "watchdog", "fault"};

void lb_emit_layout_txt(const lb_layout_t *l, lb_sb_t *sb)
{
    lb_sb_printf(sb, "lifeboat layout of product '%s' on board '%s' (from %s)\n\n", l->product,
                 l->board, lb_emit_basename(l->file));
    lb_ptable_t t;
    lb_layout_to_ptable(l, &t);
    lb_emit_table_text(&t, l->flash_base, sb);

    lb_sb_printf(sb,
                 "\nboot:      strap hold %u ms, %u trial boots, crash limit %u, verify %s, "
                 "watchdog %u ms\n",
                 l->boot.strap_hold_ms, l->boot.trial_boots, l->boot.crash_limit,
                 l->boot.verify_signature ? "signature" : "hash", l->boot.watchdog_ms);
    lb_sb_printf(sb, "           unhealthy resets:");
    for (unsigned k = 0; k < sizeof(reset_names) / sizeof(reset_names[0]); k++) {
        if (l->boot.crash_resets & (1u << k)) {
            lb_sb_printf(sb, " %s", reset_names[k]);
        }
    }
    lb_sb_printf(sb, "\n");
    if (l->recovery.net.dhcp) {
        lb_sb_printf(sb, "recovery:  dhcp");
    } else {
        lb_sb_printf(sb, "recovery:  %s netmask %s gateway %s", l->recovery.net.ip,
                     l->recovery.net.netmask, l->recovery.net.gateway);
    }
    lb_sb_printf(sb, ", port %u, idle timeout %u s\n", l->recovery.port,
                 l->recovery.idle_timeout_s);
    lb_sb_printf(sb, "           auth user '%s' realm '%s' (HTTP Digest SHA-256)\n",
                 l->recovery.auth_user, l->recovery.auth_realm);
    if (l->recovery.update_url[0]) {
        lb_sb_printf(sb,
                     "           update_url %s (self-heal after a crash loop or no valid app)\n",
                     l->recovery.update_url);
    }
    if (l->key.present) {
        lb_sb_printf(sb, "key:       sha256 ");
        for (int i = 0; i < 32; i++) {
            lb_sb_printf(sb, "%02x", l->key.hash[i]);
        }
        lb_sb_printf(sb, "\n");
    } else {
        lb_sb_printf(sb, "key:       none\n");
    }
    lb_sb_printf(sb, "app:       %s %s", l->app.name, l->app.version);
    if (l->app.update_url[0]) {
        lb_sb_printf(sb, ", update_url %s, first check %u s, then every %u s", l->app.update_url,
                     l->app.first_check_s, l->app.check_interval_s);
        if (l->app.net.dhcp) {
            lb_sb_printf(sb, ", dhcp");
        } else {
            lb_sb_printf(sb, ", %s netmask %s gateway %s", l->app.net.ip, l->app.net.netmask,
                         l->app.net.gateway);
            if (l->app.net.dns[0]) {
                lb_sb_printf(sb, " dns %s", l->app.net.dns);
            }
        }
        if (lb_layout_app_dns(l)) {
            lb_sb_printf(sb, ", resolves host names");
        }
    }
    lb_sb_printf(sb, "\n");
    if (l->retained.address) {
        lb_sb_printf(sb, "bootinfo:  0x%08x (%u bytes of retained RAM)\n", l->retained.address,
                     l->retained.size);
    } else {
        lb_sb_printf(sb, "bootinfo:  retained RAM from the board at run time\n");
    }
}
