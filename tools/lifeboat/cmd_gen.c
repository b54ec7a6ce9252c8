/* `lifeboat gen` and `lifeboat check`: validate a layout YAML and (gen)
 * write everything the firmware needs. Nothing is written unless the whole
 * layout is valid and every output was rendered: files go to a temporary
 * folder beside DIR and are renamed into DIR only at the end. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "emit.h"
#include "layout.h"
#include "lb/err.h"

static void gen_usage(FILE *f)
{
    fprintf(f, "usage: lifeboat gen LAYOUT.yaml -o DIR [--key PUB.pem] [--export FORMAT]...\n"
               "\n"
               "Validates the layout and writes into DIR:\n"
               "  ptable.bin      binary partition table (docs/SPEC.md)\n"
               "  partitions.h    offsets, sizes, geometry, table blob, boot policy, key hash\n"
               "  ota_handler.h   what an app needs: slots, product, version, update URL\n"
               "  loader.ld recovery.ld app.ld   linker MEMORY fragments\n"
               "  layout.txt      human-readable map\n"
               "  layout.svg      the flash drawn to scale\n"
               "Every problem is reported as file:line:column: message; on any error\n"
               "nothing is written.\n"
               "\n"
               "options:\n"
               "  -o, --output DIR    output folder (created if missing)\n"
               "  -k, --key PUB.pem   trusted signing key; overrides keys.signing_public\n"
               "  --export FORMAT     also write esp-idf-csv (partitions.csv, held to\n"
               "                      ESP-IDF's rules: a layout they refuse is an error)\n"
               "                      or zephyr-dts (partitions.dtsi); may be repeated\n"
               "  -q, --quiet         print nothing on success\n"
               "  -h, --help          this text\n");
}

static void check_usage(FILE *f)
{
    fprintf(f, "usage: lifeboat check LAYOUT.yaml [--key PUB.pem] [--export FORMAT]... [-q] "
               "[--json]\n"
               "\n"
               "Validates the layout exactly like `lifeboat gen` and writes nothing.\n"
               "Exit status 0 when valid, 1 when not (each problem printed as\n"
               "file:line:column: message), 2 on a usage error.\n"
               "\n"
               "options (--opt VALUE or --opt=VALUE):\n"
               "  -k, --key PUB.pem   trusted signing key; overrides keys.signing_public\n"
               "  --export FORMAT     also hold it to an export's rules (esp-idf-csv:\n"
               "                      ESP-IDF's partition table), as gen would\n"
               "  -q, --quiet         print nothing when the layout is valid\n"
               "  --json              print the result as one JSON object: {\"ok\": true, ...}\n"
               "                      or {\"ok\": false, \"errors\": [{line, column, message}]}\n"
               "  -h, --help          this text\n");
}

/* Writes `len` bytes to a new file. Returns 0 or -1 (errno set). */
static int write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f) {
        return -1;
    }
    size_t n = len ? fwrite(data, 1, len, f) : 0;
    int bad = n != len || ferror(f);
    if (fclose(f) != 0 || bad) {
        return -1;
    }
    return 0;
}

/* mkdir -p. Returns 0 or -1 (errno set). */
static int make_dirs(const char *path)
{
    char buf[LB_LAYOUT_PATH_MAX];
    size_t len = strlen(path);
    if (len == 0 || len >= sizeof(buf)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(buf, path, len + 1);
    for (char *p = buf + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            if (mkdir(buf, 0777) != 0 && errno != EEXIST) {
                return -1;
            }
            *p = '/';
        }
    }
    if (mkdir(buf, 0777) != 0 && errno != EEXIST) {
        return -1;
    }
    return 0;
}

/* Writes the outputs into `dir` through a temporary folder beside it.
 * Returns 0, or -1 after printing why (nothing is left behind in DIR
 * except when the final renames themselves fail). */
static int commit_outputs(const lb_outputs_t *o, const char *dir_in)
{
    char dir[LB_LAYOUT_PATH_MAX], parent[LB_LAYOUT_PATH_MAX], tmp[2 * LB_LAYOUT_PATH_MAX + 64];
    char from[3 * LB_LAYOUT_PATH_MAX], to[2 * LB_LAYOUT_PATH_MAX];
    size_t len = strlen(dir_in);
    if (len == 0 || len >= sizeof(dir)) {
        fprintf(stderr, "lifeboat gen: bad output folder '%s'\n", dir_in);
        return -1;
    }
    memcpy(dir, dir_in, len + 1);
    while (len > 1 && dir[len - 1] == '/') {
        dir[--len] = '\0';
    }
    const char *slash = strrchr(dir, '/');
    const char *base = slash ? slash + 1 : dir;
    if (slash == dir) {
        snprintf(parent, sizeof(parent), "/");
    } else if (slash) {
        snprintf(parent, sizeof(parent), "%.*s", (int)(slash - dir), dir);
    } else {
        snprintf(parent, sizeof(parent), ".");
    }
    if (make_dirs(parent) != 0) {
        fprintf(stderr, "lifeboat gen: cannot create %s: %s\n", parent, strerror(errno));
        return -1;
    }
    snprintf(tmp, sizeof(tmp), "%s/.%s.lifeboat-XXXXXX", parent, base);
    if (!mkdtemp(tmp)) {
        fprintf(stderr, "lifeboat gen: cannot create a temporary folder in %s: %s\n", parent,
                strerror(errno));
        return -1;
    }
    int rc = 0;
    unsigned written = 0;
    for (; written < o->count; written++) {
        snprintf(from, sizeof(from), "%s/%s", tmp, o->files[written].name);
        if (write_file(from, o->files[written].sb.data, o->files[written].sb.len) != 0) {
            fprintf(stderr, "lifeboat gen: cannot write %s: %s\n", from, strerror(errno));
            rc = -1;
            break;
        }
    }
    if (rc == 0 && mkdir(dir, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "lifeboat gen: cannot create %s: %s\n", dir, strerror(errno));
        rc = -1;
    }
    for (unsigned i = 0; i < written; i++) {
        snprintf(from, sizeof(from), "%s/%s", tmp, o->files[i].name);
        snprintf(to, sizeof(to), "%s/%s", dir, o->files[i].name);
        if (rc == 0 && rename(from, to) != 0) {
            fprintf(stderr, "lifeboat gen: cannot move %s to %s: %s\n", from, to, strerror(errno));
            rc = -1;
        }
        unlink(from); /* no-op after a successful rename */
    }
    rmdir(tmp);
    return rc;
}

typedef struct {
    const char *layout, *out, *key;
    unsigned exports;
    int quiet;
    int json; /* check only */
} gen_args_t;

/* The synopses for one-line usage errors (lb_cli_usage_hint). */
#define GEN_SYNOPSIS "LAYOUT.yaml -o DIR [--key PUB.pem] [--export FORMAT]..."
#define CHECK_SYNOPSIS "LAYOUT.yaml [--key PUB.pem] [--export FORMAT]... [-q] [--json]"

/* One getopt_long parser for gen and check: `--opt V` and `--opt=V`, short
 * forms -o, -k, -q, -h. Returns -1 for --help (printed), LB_CLI_EXIT_USAGE
 * on a usage error (one line and the synopsis), 0 ok. */
static int parse_args(int argc, char **argv, gen_args_t *a, int is_gen)
{
    enum { O_EXPORT = 256, O_JSON };
    static const struct option gen_opts[] = {
        {"output", required_argument, NULL, 'o'},
        {"key", required_argument, NULL, 'k'},
        {"export", required_argument, NULL, O_EXPORT},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    static const struct option check_opts[] = {
        {"key", required_argument, NULL, 'k'}, {"export", required_argument, NULL, O_EXPORT},
        {"quiet", no_argument, NULL, 'q'},     {"json", no_argument, NULL, O_JSON},
        {"help", no_argument, NULL, 'h'},      {NULL, 0, NULL, 0},
    };
    const char *cmd = is_gen ? "gen" : "check";
    const char *syn = is_gen ? GEN_SYNOPSIS : CHECK_SYNOPSIS;
    memset(a, 0, sizeof(*a));
    optind = 1;
    opterr = 0; /* our own messages, in our own style */
    int c;
    while ((c = getopt_long(argc, argv, is_gen ? ":o:k:qh" : ":k:qh",
                            is_gen ? gen_opts : check_opts, NULL)) != -1) {
        switch (c) {
        case 'h':
            (is_gen ? gen_usage : check_usage)(stdout);
            return -1;
        case 'q':
            a->quiet = 1;
            break;
        case O_JSON:
            a->json = 1;
            break;
        case 'o':
            a->out = optarg;
            break;
        case 'k':
            a->key = optarg;
            break;
        case O_EXPORT:
            if (strcmp(optarg, "esp-idf-csv") == 0) {
                a->exports |= LB_EXPORT_ESP_IDF_CSV;
            } else if (strcmp(optarg, "zephyr-dts") == 0) {
                a->exports |= LB_EXPORT_ZEPHYR_DTS;
            } else {
                return lb_cli_usage_hint(cmd, syn,
                                         "unknown export (esp-idf-csv, zephyr-dts):", optarg);
            }
            break;
        default:
            return lb_cli_opt_error(cmd, syn, c, argv);
        }
    }
    if (optind < argc) {
        a->layout = argv[optind++];
    }
    if (optind < argc) {
        return lb_cli_usage_hint(cmd, syn, "unexpected argument", argv[optind]);
    }
    if (!a->layout) {
        return lb_cli_usage_hint(cmd, syn, "missing LAYOUT.yaml", NULL);
    }
    if (is_gen && !a->out) {
        return lb_cli_usage_hint(cmd, syn, "missing -o DIR (where to write)", NULL);
    }
    return 0;
}

/* Loads and validates; prints the errors. Returns the layout (heap) or NULL. */
static lb_layout_t *load(const gen_args_t *a)
{
    lb_layout_t *l = malloc(sizeof(*l));
    lb_diag_t *d = malloc(sizeof(*d));
    if (!l || !d) {
        free(l);
        free(d);
        fprintf(stderr, "lifeboat: out of memory\n");
        return NULL;
    }
    lb_diag_init(d, a->layout);
    unsigned errs = lb_layout_load(l, a->layout, a->key, d);
    if (!errs && (a->exports & LB_EXPORT_ESP_IDF_CSV)) {
        errs = lb_export_esp_idf_check(l, d);
    }
    if (errs && a->json) {
        lb_diag_print_json(d, stdout);
        free(l);
        l = NULL;
    } else if (errs) {
        lb_diag_print(d, stderr);
        fprintf(stderr, "%s: %u error%s; nothing written\n", a->layout, errs, errs == 1 ? "" : "s");
        free(l);
        l = NULL;
    }
    lb_diag_free(d);
    free(d);
    return l;
}

int lb_cmd_gen(int argc, char **argv)
{
    gen_args_t a;
    int r = parse_args(argc, argv, &a, 1);
    if (r) {
        return r < 0 ? LB_CLI_EXIT_OK : r;
    }
    lb_layout_t *l = load(&a);
    if (!l) {
        return LB_CLI_EXIT_FAIL;
    }
    lb_outputs_t o;
    int rc = LB_CLI_EXIT_OK;
    r = lb_emit_all(l, a.exports, &o);
    if (r != LB_OK) {
        fprintf(stderr, "lifeboat gen: cannot render the outputs: %s\n", lb_err_str(r));
        rc = LB_CLI_EXIT_FAIL;
    } else if (commit_outputs(&o, a.out) != 0) {
        rc = LB_CLI_EXIT_FAIL;
    } else if (!a.quiet) {
        printf("%s: wrote", a.out);
        for (unsigned i = 0; i < o.count; i++) {
            printf(" %s", o.files[i].name);
        }
        printf("\n");
    }
    lb_outputs_free(&o);
    free(l);
    return rc;
}

int lb_cmd_check(int argc, char **argv)
{
    gen_args_t a;
    int r = parse_args(argc, argv, &a, 0);
    if (r) {
        return r < 0 ? LB_CLI_EXIT_OK : r;
    }
    lb_layout_t *l = load(&a);
    if (!l) {
        return LB_CLI_EXIT_FAIL;
    }
    if (a.json) {
        unsigned slots = 0;
        for (unsigned i = 0; i < l->part_count; i++) {
            slots += l->parts[i].type == LB_PART_APP;
        }
        lb_sb_t sb = {0};
        lb_sb_printf(&sb, "{\"file\": ");
        lb_sb_put_json(&sb, a.layout);
        lb_sb_printf(&sb, ", \"ok\": true, \"product\": ");
        lb_sb_put_json(&sb, l->product);
        lb_sb_printf(&sb, ", \"board\": ");
        lb_sb_put_json(&sb, l->board);
        lb_sb_printf(&sb, ", \"partitions\": %u, \"app_slots\": %u, \"verify\": \"%s\"}\n",
                     l->part_count, slots, l->boot.verify_signature ? "signature" : "hash");
        fputs(sb.data != NULL ? sb.data : "", stdout);
        lb_sb_free(&sb);
        free(l);
        return LB_CLI_EXIT_OK;
    }
    if (!a.quiet) {
        unsigned slots = 0;
        for (unsigned i = 0; i < l->part_count; i++) {
            slots += l->parts[i].type == LB_PART_APP;
        }
        printf("%s: ok: %s on %s, %u partitions, %u app slot%s, verify %s%s\n", a.layout,
               l->product, l->board, l->part_count, slots, slots == 1 ? "" : "s",
               l->boot.verify_signature ? "signature" : "hash",
               l->key.present ? ", key loaded" : "");
    }
    free(l);
    return LB_CLI_EXIT_OK;
}
