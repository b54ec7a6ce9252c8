/* `lifeboat dump`: decode and print a binary partition table, from a
 * ptable.bin or from inside a whole flash image (--offset). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "emit.h"
#include "layout.h"
#include "lb/err.h"

static void dump_usage(FILE *f)
{
    fprintf(f, "usage: lifeboat dump FILE [--offset N] [--json]\n"
               "\n"
               "Decodes a binary partition table (ptable.bin, or a flash image with\n"
               "--offset at the ptable partition), checks it exactly like the loader\n"
               "does, and prints it as a table or as JSON.\n"
               "\n"
               "options:\n"
               "  --offset N   where the table starts in FILE (decimal, 0x hex, K/M;\n"
               "               --offset=N too)\n"
               "  -j, --json   machine-readable output\n"
               "  -h, --help   this text\n");
}

int lb_cmd_dump(int argc, char **argv)
{
    static const struct option opts[] = {
        {"offset", required_argument, NULL, 'O'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    static const char synopsis[] = "FILE [--offset N] [--json]";
    const char *file = NULL;
    uint32_t offset = 0;
    int json = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":jh", opts, NULL)) != -1) {
        switch (c) {
        case 'h':
            dump_usage(stdout);
            return LB_CLI_EXIT_OK;
        case 'j':
            json = 1;
            break;
        case 'O': {
            const char *why;
            if (lb_layout_parse_size(optarg, &offset, &why) != LB_OK) {
                fprintf(stderr, "lifeboat dump: --offset: '%s': %s\n", optarg, why);
                return lb_cli_usage_hint("dump", synopsis, NULL, NULL);
            }
            break;
        }
        default:
            return lb_cli_opt_error("dump", synopsis, c, argv);
        }
    }
    if (optind < argc) {
        file = argv[optind++];
    }
    if (optind < argc) {
        return lb_cli_usage_hint("dump", synopsis, "unexpected argument", argv[optind]);
    }
    if (!file) {
        return lb_cli_usage_hint("dump", synopsis, "missing FILE", NULL);
    }
    FILE *f = fopen(file, "rb");
    if (!f) {
        fprintf(stderr, "%s: cannot open: %s\n", file, strerror(errno));
        return LB_CLI_EXIT_FAIL;
    }
    uint8_t buf[LB_PTABLE_MAX_SIZE];
    size_t n = 0;
    if (fseek(f, (long)offset, SEEK_SET) == 0) {
        n = fread(buf, 1, sizeof(buf), f);
    }
    fclose(f);
    lb_ptable_t t;
    int r = lb_ptable_decode(&t, buf, n);
    if (r != LB_OK) {
        fprintf(stderr, "%s: no valid partition table at offset 0x%x: %s\n", file, offset,
                lb_err_str(r));
        return LB_CLI_EXIT_FAIL;
    }
    lb_sb_t sb = {0};
    if (json) {
        lb_emit_table_json(&t, &sb);
    } else {
        lb_sb_printf(&sb, "%s: partition table v%u, %u partitions, %zu bytes, crc ok\n", file,
                     LB_PTABLE_VERSION, t.count, lb_ptable_encoded_size(&t));
        lb_emit_table_text(&t, 0, &sb);
    }
    int rc = LB_CLI_EXIT_OK;
    if (sb.oom || fwrite(sb.data, 1, sb.len, stdout) != sb.len) {
        rc = LB_CLI_EXIT_FAIL;
    }
    lb_sb_free(&sb);
    return rc;
}
