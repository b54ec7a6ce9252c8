/* `lifeboat publish`: a folder any static web server can serve as the
 * update source of a fleet: the signed images and version.json (lib's
 * manifest format, lb/manifest.h) naming them. The images' own headers are
 * the source of truth; nothing is written unless every image is accepted. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mbedtls/sha256.h>

#include "cli.h"
#include "keys.h"
#include "lb/err.h"
#include "lb/image.h"
#include "lb/manifest.h"
#include "sb.h"

static const char publish_usage[] =
    "--out DIR [-k PUB.pem] [--json] IMAGE...\n"
    "  Writes DIR/version.json and a copy of each signed image next to it\n"
    "  (DIR/<kind>-<major>.<minor>.<revision>-<build>.bin), so that DIR can be\n"
    "  served as it is by nginx, S3 or a CDN: devices read version.json and\n"
    "  fetch what it offers. At most one image per kind (app, recovery), all\n"
    "  for one product; each must be intact and signed. version.json is\n"
    "  written last and replaced in one step, so a device never reads one\n"
    "  that names a file not yet there; older image files are left in place.\n"
    "options (--opt VALUE or --opt=VALUE):\n"
    "  -o, --out DIR                the folder to write (created if missing)\n"
    "  -k, --key PUB.pem            also check each signature with this key\n"
    "  --json                       print what was published as JSON\n"
    "  -h, --help                   this text\n"
    "exit 0 when everything was written; 1 an image was refused or a file\n"
    "could not be written (then version.json is unchanged); 2 usage error";

typedef struct {
    const char *path;
    uint8_t *data;
    lb_image_info_t info;
    lb_manifest_entry_t entry;
} pub_image_t;

/* Writes `len` bytes to DIR/NAME through a temporary file and a rename, so
 * that a reader sees the old content or the new, never a part. Returns 0 or
 * -1 with the reason printed. */
static int write_atomic(const char *dir, const char *name, const void *data, size_t len)
{
    char path[4096], tmp[4096];
    if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path ||
        snprintf(tmp, sizeof tmp, "%s/.%s.tmp", dir, name) >= (int)sizeof tmp) {
        fprintf(stderr, "lifeboat publish: %s: path too long\n", dir);
        return -1;
    }
    FILE *f = fopen(tmp, "wb");
    if (f == NULL || fwrite(data, 1, len, f) != len || fflush(f) != 0 || fsync(fileno(f)) != 0) {
        fprintf(stderr, "lifeboat publish: %s: %s\n", tmp, strerror(errno));
        if (f != NULL) {
            fclose(f);
            unlink(tmp);
        }
        return -1;
    }
    if (fclose(f) != 0 || rename(tmp, path) != 0) {
        fprintf(stderr, "lifeboat publish: %s: %s\n", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

/* mkdir -p: creates `dir` and its missing parents. Returns 0 or -1 with
 * errno set. */
static int make_dirs(const char *dir)
{
    char path[4096];
    size_t n = strlen(dir);
    if (n == 0 || n >= sizeof path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(path, dir, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (path[i] == '/' || path[i] == '\0') {
            char c = path[i];
            path[i] = '\0';
            if (mkdir(path, 0755) != 0 && errno != EEXIST) {
                return -1;
            }
            path[i] = c;
        }
    }
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        return -1;
    }
    return 0;
}

static const char *kind_name(uint8_t kind)
{
    return kind == LB_IMAGE_KIND_APP ? "app" : "recovery";
}

/* Reads and checks one image; fills im. Returns 0 or -1 (reason printed). */
static int load_image(pub_image_t *im, const uint8_t *key_der, size_t key_len)
{
    size_t len;
    im->data = lb_cli_read_file(im->path, &len);
    if (im->data == NULL) {
        fprintf(stderr, "lifeboat publish: %s: %s\n", im->path, strerror(errno));
        return -1;
    }
    lb_image_policy_t p = {
        .require_signature = key_der != NULL,
        .key_der = key_der,
        .key_der_len = key_len,
        .accept_deflate = true,
    };
    int rc = lb_image_verify(im->data, len, &p, &im->info);
    if (rc == 0 && (im->info.flags & LB_IMAGE_F_DEFLATE)) {
        /* Published as it is; devices inflate it, so the image inside must
         * pass too (docs/SPEC.md, "Compressed images"). */
        uint8_t *out = malloc(im->info.decomp_size ? im->info.decomp_size : 1);
        size_t n = 0;
        rc = out != NULL ? lb_image_verify_deflated(im->data, len, &p, out, im->info.decomp_size,
                                                    &n, &im->info, NULL)
                         : LB_E_NOSPACE;
        free(out);
    }
    const char *why = rc != 0                       ? lb_err_str(rc)
                      : !im->info.has_signature     ? "image not signed (devices refuse it)"
                      : im->info.kind == 0          ? "no kind TLV (sign it with --kind)"
                      : im->info.product[0] == '\0' ? "no product TLV (sign it with --product)"
                                                    : NULL;
    if (why != NULL) {
        fprintf(stderr, "lifeboat publish: %s: refused: %s\n", im->path, why);
        return -1;
    }
    lb_manifest_entry_t *e = &im->entry;
    e->kind = im->info.kind;
    e->version = im->info.version;
    e->security_counter = im->info.security_counter;
    e->size = im->info.total_size; /* the image proper: padding is not published */
    mbedtls_sha256_ret(im->data, e->size, e->sha256, 0);
    const lb_image_version_t *v = &e->version;
    snprintf(e->url, sizeof e->url, "%s-%u.%u.%u-%" PRIu32 ".bin", kind_name(e->kind), v->major,
             v->minor, v->revision, v->build);
    return 0;
}

static void print_result(const char *dir, const pub_image_t *ims, size_t n, int json)
{
    if (!json) {
        for (size_t i = 0; i < n; i++) {
            const lb_manifest_entry_t *e = &ims[i].entry;
            char ver[LB_IMAGE_VERSION_STR_MAX];
            lb_image_version_format(&e->version, ver);
            printf("%s/%s: %s %s, security counter %" PRIu32 ", %" PRIu32 " bytes (from %s)\n", dir,
                   e->url, kind_name(e->kind), ver, e->security_counter, e->size, ims[i].path);
        }
        printf("%s/%s: %zu image%s for %s\n", dir, LB_MANIFEST_NAME, n, n == 1 ? "" : "s",
               ims[0].info.product);
        return;
    }
    lb_sb_t sb = {0};
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, LB_MANIFEST_NAME);
    lb_sb_printf(&sb, "{\"manifest\": ");
    lb_sb_put_json(&sb, path);
    lb_sb_printf(&sb, ", \"product\": ");
    lb_sb_put_json(&sb, ims[0].info.product);
    lb_sb_printf(&sb, ", \"images\": [");
    for (size_t i = 0; i < n; i++) {
        const lb_manifest_entry_t *e = &ims[i].entry;
        char ver[LB_IMAGE_VERSION_STR_MAX], hex[2 * LB_IMAGE_HASH_SIZE + 1];
        lb_image_version_format(&e->version, ver);
        for (unsigned b = 0; b < LB_IMAGE_HASH_SIZE; b++) {
            snprintf(hex + 2 * b, 3, "%02x", e->sha256[b]);
        }
        snprintf(path, sizeof path, "%s/%s", dir, e->url);
        lb_sb_printf(&sb,
                     "%s{\"kind\": \"%s\", \"version\": \"%s\", \"security_counter\": %" PRIu32
                     ", \"size\": %" PRIu32 ", \"sha256\": \"%s\", \"file\": ",
                     i == 0 ? "" : ", ", kind_name(e->kind), ver, e->security_counter, e->size,
                     hex);
        lb_sb_put_json(&sb, path);
        lb_sb_printf(&sb, ", \"from\": ");
        lb_sb_put_json(&sb, ims[i].path);
        lb_sb_printf(&sb, "}");
    }
    lb_sb_printf(&sb, "]}\n");
    fputs(sb.data != NULL ? sb.data : "", stdout);
    lb_sb_free(&sb);
}

int lb_cmd_publish(int argc, char **argv)
{
    enum { O_JSON = 256 };
    static const struct option opts[] = {
        {"out", required_argument, NULL, 'o'},
        {"key", required_argument, NULL, 'k'},
        {"json", no_argument, NULL, O_JSON},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *dir = NULL, *key_path = NULL;
    int json = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":o:k:h", opts, NULL)) != -1) {
        switch (c) {
        case 'o':
            dir = optarg;
            break;
        case 'k':
            key_path = optarg;
            break;
        case O_JSON:
            json = 1;
            break;
        case 'h':
            printf("usage: lifeboat publish %s\n", publish_usage);
            return LB_CLI_EXIT_OK;
        default:
            return lb_cli_opt_error("publish", publish_usage, c, argv);
        }
    }
    size_t n = (size_t)(argc - optind);
    if (dir == NULL || n == 0) {
        return lb_cli_usage_hint("publish", publish_usage, "--out DIR and an IMAGE are required",
                                 NULL);
    }
    if (n > LB_MANIFEST_MAX_IMAGES) {
        return lb_cli_usage_hint("publish", publish_usage, "too many images", NULL);
    }
    uint8_t der[128];
    int der_len = 0;
    if (key_path != NULL &&
        (der_len = lb_key_file_public_der("publish", key_path, der, sizeof der)) < 0) {
        return LB_CLI_EXIT_FAIL;
    }

    pub_image_t ims[LB_MANIFEST_MAX_IMAGES] = {0};
    lb_manifest_entry_t entries[LB_MANIFEST_MAX_IMAGES];
    int rc = LB_CLI_EXIT_FAIL;
    for (size_t i = 0; i < n; i++) {
        ims[i].path = argv[optind + (int)i];
        if (load_image(&ims[i], key_path != NULL ? der : NULL, (size_t)der_len) != 0) {
            goto out;
        }
        if (strcmp(ims[i].info.product, ims[0].info.product) != 0) {
            fprintf(stderr,
                    "lifeboat publish: %s: refused: for product '%s', %s is for '%s' "
                    "(one manifest per product)\n",
                    ims[i].path, ims[i].info.product, ims[0].path, ims[0].info.product);
            goto out;
        }
        for (size_t j = 0; j < i; j++) {
            if (ims[j].entry.kind == ims[i].entry.kind) {
                fprintf(stderr,
                        "lifeboat publish: %s: refused: a second %s image (%s is one); "
                        "the manifest offers one per kind\n",
                        ims[i].path, kind_name(ims[i].entry.kind), ims[j].path);
                goto out;
            }
        }
        entries[i] = ims[i].entry;
    }
    char text[LB_MANIFEST_MAX_SIZE + 1];
    int len = lb_manifest_write(text, sizeof text, ims[0].info.product, entries, n);
    if (len < 0) {
        fprintf(stderr, "lifeboat publish: cannot write the manifest: %s\n", lb_err_str(len));
        goto out;
    }
    if (make_dirs(dir) != 0) {
        fprintf(stderr, "lifeboat publish: %s: %s\n", dir, strerror(errno));
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        if (write_atomic(dir, ims[i].entry.url, ims[i].data, ims[i].entry.size) != 0) {
            goto out;
        }
    }
    if (write_atomic(dir, LB_MANIFEST_NAME, text, (size_t)len) != 0) {
        goto out;
    }
    print_result(dir, ims, n, json);
    rc = LB_CLI_EXIT_OK;
out:
    for (size_t i = 0; i < n; i++) {
        free(ims[i].data);
    }
    return rc;
}
