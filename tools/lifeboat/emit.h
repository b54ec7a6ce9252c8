/* Emitters: each turns a validated layout (or a decoded table) into one
 * output, printed into a memory buffer. `lifeboat gen` collects them all
 * and only then writes files, so a failure leaves nothing behind. Every
 * output is a pure function of its input (no dates, no absolute paths), so
 * the same layout always gives byte-identical files. */
#ifndef LB_EMIT_H
#define LB_EMIT_H

#include "diag.h"
#include "layout.h"
#include "lb/ptable.h"
#include "sb.h"

/* Optional exports (`lifeboat gen --export NAME`), as bits. */
#define LB_EXPORT_ESP_IDF_CSV 0x1u /* partitions.csv for ESP-IDF's gen_esp32part */
#define LB_EXPORT_ZEPHYR_DTS 0x2u  /* partitions.dtsi, Zephyr fixed-partitions */

#define LB_OUTPUTS_MAX 16u

typedef struct {
    const char *name; /* file name inside the output folder (static string) */
    lb_sb_t sb;
} lb_output_t;

typedef struct {
    unsigned count;
    lb_output_t files[LB_OUTPUTS_MAX];
} lb_outputs_t;

/* Renders every output of `gen` for `l` (plus `exports`) into `o`.
 * Returns 0, or LB_E_NOSPACE / LB_E_INVAL if an output could not be built. */
int lb_emit_all(const lb_layout_t *l, unsigned exports, lb_outputs_t *o);

/* Frees all buffers of `o`. */
void lb_outputs_free(lb_outputs_t *o);

/* Individual emitters. The ptable one returns 0 or the lb_ptable_encode
 * error; the others cannot fail (allocation failures mark sb->oom). */
int lb_emit_ptable_bin(const lb_layout_t *l, lb_sb_t *sb);
void lb_emit_partitions_h(const lb_layout_t *l, lb_sb_t *sb);
void lb_emit_ota_handler_h(const lb_layout_t *l, lb_sb_t *sb);
/* Linker fragment for the partition of `type` (and app `slot`). */
void lb_emit_ld(const lb_layout_t *l, uint8_t type, uint8_t slot, lb_sb_t *sb);
void lb_emit_layout_txt(const lb_layout_t *l, lb_sb_t *sb);
void lb_emit_layout_svg(const lb_layout_t *l, lb_sb_t *sb);
void lb_emit_esp_idf_csv(const lb_layout_t *l, lb_sb_t *sb);
/* Holds `l` to ESP-IDF's partition-table rules (emit_export.c) before
 * partitions.csv is written: each breach is reported to `d` at the YAML
 * position to change. Returns the number of errors added (0: exportable). */
unsigned lb_export_esp_idf_check(const lb_layout_t *l, lb_diag_t *d);
void lb_emit_zephyr_dts(const lb_layout_t *l, lb_sb_t *sb);

/* The partition map of a table as an aligned text table (used by
 * layout.txt and `lifeboat dump`), and as JSON (`dump --json`). */
void lb_emit_table_text(const lb_ptable_t *t, uint32_t flash_base, lb_sb_t *sb);
void lb_emit_table_json(const lb_ptable_t *t, lb_sb_t *sb);

/* Human size: "4 MiB", "192 KiB", "100 B". */
void lb_emit_human_size(uint32_t size, char *buf, size_t cap);

/* Basename of a path (for "generated from" lines that must not depend on
 * the current directory). */
const char *lb_emit_basename(const char *path);

#endif
