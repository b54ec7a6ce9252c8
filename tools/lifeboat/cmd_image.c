/* `lifeboat keygen | sign | verify | info`: image keys and signed images.
 * Encoding and verification are lib/'s (lb/image.h); this file only reads
 * options and files and reports. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "cli.h"
#include "keys.h"
#include "lb/err.h"
#include "lb/image.h"

/* ---- small helpers ---- */

/* Writes a whole file with the given mode (new files only get it; existing
 * ones are chmod'ed too). Returns 0 or -1 with errno set. */
static int write_file(const char *path, const void *data, size_t len, mode_t mode, int excl)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | (excl ? O_EXCL : 0), mode);
    if (fd < 0) {
        return -1;
    }
    const uint8_t *p = data;
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0) {
            if (errno == EINTR) {
                continue;
            }
            close(fd);
            return -1;
        }
        p += w;
        len -= (size_t)w;
    }
    if (fchmod(fd, mode) != 0) {
        close(fd);
        return -1;
    }
    return close(fd);
}

/* Parses an unsigned number (decimal or 0x hex, optional K/M suffix).
 * Returns 0 or -1. */
static int parse_u32(const char *s, uint32_t *out)
{
    char *end;
    errno = 0;
    if (s == NULL || *s == '\0' || *s == '-') {
        return -1;
    }
    unsigned long long v = strtoull(s, &end, 0);
    if (errno != 0) {
        return -1;
    }
    if (*end == 'K' || *end == 'k') {
        v *= 1024u;
        end++;
    } else if (*end == 'M' || *end == 'm') {
        v *= 1024u * 1024u;
        end++;
    }
    if (*end != '\0' || v > UINT32_MAX) {
        return -1;
    }
    *out = (uint32_t)v;
    return 0;
}

static int parse_kind(const char *s, uint8_t *kind)
{
    if (strcmp(s, "app") == 0) {
        *kind = LB_IMAGE_KIND_APP;
    } else if (strcmp(s, "recovery") == 0) {
        *kind = LB_IMAGE_KIND_RECOVERY;
    } else {
        return -1;
    }
    return 0;
}

static const char *kind_name(uint8_t kind)
{
    switch (kind) {
    case LB_IMAGE_KIND_APP:
        return "app";
    case LB_IMAGE_KIND_RECOVERY:
        return "recovery";
    default:
        return "none";
    }
}

/* KEY.pem -> KEY.pub.pem; anything else -> NAME.pub.pem. */
static int pub_path(const char *priv, char *out, size_t cap)
{
    size_t n = strlen(priv);
    if (n > 4 && strcmp(priv + n - 4, ".pem") == 0) {
        n -= 4;
    }
    int w = snprintf(out, cap, "%.*s.pub.pem", (int)n, priv);
    return (w < 0 || (size_t)w >= cap) ? -1 : 0;
}

static int usage_err(const char *cmd, const char *usage, const char *msg)
{
    return lb_cli_usage_hint(cmd, usage, msg, NULL);
}

/* ---- untrusted text: product ids come from images ---- */

/* Length of the well-formed UTF-8 sequence at s (1..4), or 0: overlongs,
 * surrogates, code points above U+10FFFF and cut sequences are not. */
static size_t utf8_seq(const uint8_t *s, size_t n)
{
    if (n == 0) {
        return 0;
    }
    uint8_t c = s[0];
    size_t len = c < 0x80             ? 1
                 : (c & 0xE0) == 0xC0 ? 2
                 : (c & 0xF0) == 0xE0 ? 3
                 : (c & 0xF8) == 0xF0 ? 4
                                      : 0;
    if (len == 0 || len > n) {
        return 0;
    }
    uint32_t cp = len == 1 ? c : c & (0x7Fu >> len);
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            return 0;
        }
        cp = cp << 6 | (s[i] & 0x3Fu);
    }
    static const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        return 0;
    }
    return len;
}

/* 1 when the n bytes are well-formed UTF-8 without control characters (the
 * SPEC's rule for a product id). */
static int text_ok(const uint8_t *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        size_t k = utf8_seq(s + i, n - i);
        if (k == 0 || (k == 1 && (s[i] < 0x20 || s[i] == 0x7F))) {
            return 0;
        }
        i += k;
    }
    return 1;
}

/* A JSON string of untrusted bytes: always valid JSON (control characters
 * escaped, bytes that are not UTF-8 as U+FFFD). */
static void put_json_str(FILE *f, const uint8_t *s, size_t n)
{
    fputc('"', f);
    for (size_t i = 0; i < n;) {
        size_t k = utf8_seq(s + i, n - i);
        uint8_t ch = s[i];
        if (k == 0) {
            fputs("\\ufffd", f);
            k = 1;
        } else if (ch == '"' || ch == '\\') {
            fprintf(f, "\\%c", ch);
        } else if (k == 1 && (ch < 0x20 || ch == 0x7f)) {
            fprintf(f, "\\u%04x", ch);
        } else {
            fwrite(s + i, 1, k, f);
        }
        i += k;
    }
    fputc('"', f);
}

/* Untrusted bytes for a terminal: printable text as is, anything else
 * (escape sequences, other control bytes, broken UTF-8) as \xNN. */
static void put_text_str(FILE *f, const uint8_t *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        size_t k = utf8_seq(s + i, n - i);
        if (k == 0 || (k == 1 && (s[i] < 0x20 || s[i] == 0x7F || s[i] == '\\'))) {
            fprintf(f, "\\x%02x", s[i]);
            k = 1;
        } else {
            fwrite(s + i, 1, k, f);
        }
        i += k;
    }
}

/* A refused option value: names the option (as its long form, whichever
 * way it was given: `--opt V`, `--opt=V`) and the form it takes. Returns
 * the usage exit status. */
static int bad_value(const char *cmd, const char *usage, const struct option *opts, int c,
                     const char *value, const char *form)
{
    const char *name = "?";
    for (const struct option *o = opts; o->name != NULL; o++) {
        if (o->val == c) {
            name = o->name;
            break;
        }
    }
    fprintf(stderr, "lifeboat %s: --%s: '", cmd, name);
    put_text_str(stderr, (const uint8_t *)value, strlen(value));
    fprintf(stderr, "' is not %s\n", form);
    return usage_err(cmd, usage, NULL);
}

/* The form each kind of value takes, for bad_value. */
static const char form_version[] = "MAJ.MIN.REV[+BUILD] (0..255.0..255.0..65535+0..4294967295)";
static const char form_number[] = "a number (decimal, or hex with 0x)";
static const char form_kind[] = "app or recovery";
_Static_assert(LB_IMAGE_PRODUCT_MAX == 32u, "sign's message says 1 to 32 bytes");

/* ---- keygen ---- */

/* Creates the missing folders above `path` (mode `mode`, umask applied),
 * so `keygen -o keys/dev.pem` works in a fresh checkout. Returns 0, or -1
 * with errno set and the failing folder in `failed`. */
static int make_parents(const char *path, mode_t mode, char *failed, size_t cap)
{
    char dir[4096];
    if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir)) {
        errno = ENAMETOOLONG;
        snprintf(failed, cap, "%s", path);
        return -1;
    }
    for (char *p = dir + 1; *p != '\0'; p++) {
        if (*p != '/') {
            continue;
        }
        *p = '\0';
        if (mkdir(dir, mode) != 0 && errno != EEXIST) {
            snprintf(failed, cap, "%s", dir);
            return -1;
        }
        *p = '/';
    }
    return 0;
}

static const char keygen_usage[] =
    "-o KEY.pem [--pub PUB.pem] [--force]\n"
    "  Makes an ECDSA P-256 signing key pair: the private key KEY.pem (PKCS#8 PEM,\n"
    "  mode 0600; missing folders are created, mode 0700) and its public key\n"
    "  KEY.pub.pem beside it. The same PEM formats as imgtool keygen.\n"
    "options (--opt VALUE or --opt=VALUE):\n"
    "  -o, --output KEY.pem   where the private key goes (required)\n"
    "  -p, --pub PUB.pem      where the public key goes (default KEY.pub.pem)\n"
    "  -f, --force            replace existing files (default: refuse)\n"
    "  -h, --help             this text\n"
    "exit 0 written, 1 refused or failed, 2 usage error";

int lb_cmd_keygen(int argc, char **argv)
{
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'},
        {"pub", required_argument, NULL, 'p'},
        {"force", no_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *out = NULL, *pub_arg = NULL;
    int force = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":o:p:fh", opts, NULL)) != -1) {
        switch (c) {
        case 'o':
            out = optarg;
            break;
        case 'p':
            pub_arg = optarg;
            break;
        case 'f':
            force = 1;
            break;
        case 'h':
            printf("usage: lifeboat keygen %s\n", keygen_usage);
            return LB_CLI_EXIT_OK;
        default:
            return lb_cli_opt_error("keygen", keygen_usage, c, argv);
        }
    }
    if (out == NULL || optind != argc) {
        return usage_err("keygen", keygen_usage, out == NULL ? "missing -o KEY.pem" : NULL);
    }
    char pub[4096];
    if (pub_arg != NULL && strlen(pub_arg) < sizeof(pub)) {
        strcpy(pub, pub_arg);
    } else if (pub_path(out, pub, sizeof(pub)) != 0) {
        return usage_err("keygen", keygen_usage, "path too long");
    }
    lb_key_t *k;
    if (lb_key_generate(&k) != 0) {
        fprintf(stderr, "lifeboat keygen: key generation failed\n");
        return LB_CLI_EXIT_FAIL;
    }
    char priv_pem[1024], pub_pem[1024];
    int rc = lb_key_private_pem(k, priv_pem, sizeof(priv_pem));
    if (rc == 0) {
        rc = lb_key_public_pem(k, pub_pem, sizeof(pub_pem));
    }
    lb_key_free(k);
    if (rc != 0) {
        fprintf(stderr, "lifeboat keygen: cannot encode key: %s\n", lb_err_str(rc));
        return LB_CLI_EXIT_FAIL;
    }
    char dir[4096];
    if (make_parents(out, 0700, dir, sizeof(dir)) != 0 ||
        make_parents(pub, 0700, dir, sizeof(dir)) != 0) {
        fprintf(stderr, "lifeboat keygen: cannot create folder %s: %s\n", dir, strerror(errno));
        return LB_CLI_EXIT_FAIL;
    }
    /* The private key is created 0600 from the start, never widened. */
    if (write_file(out, priv_pem, strlen(priv_pem), 0600, !force) != 0) {
        fprintf(stderr, "lifeboat keygen: %s: %s%s\n", out, strerror(errno),
                errno == EEXIST ? " (use --force to overwrite)" : "");
        return LB_CLI_EXIT_FAIL;
    }
    memset(priv_pem, 0, sizeof(priv_pem));
    if (write_file(pub, pub_pem, strlen(pub_pem), 0644, 0) != 0) {
        fprintf(stderr, "lifeboat keygen: %s: %s\n", pub, strerror(errno));
        return LB_CLI_EXIT_FAIL;
    }
    printf("private key: %s (keep secret)\npublic key:  %s\n", out, pub);
    return LB_CLI_EXIT_OK;
}

/* ---- sign ---- */

static const char sign_usage[] =
    "-k KEY.pem --version MAJ.MIN.REV[+BUILD] --kind app|recovery --product ID IN.bin OUT.bin\n"
    "  Wraps a raw binary into a signed MCUboot-format image (what imgtool sign\n"
    "  makes, plus lifeboat's kind and product TLVs, docs/SPEC.md).\n"
    "options (--opt VALUE or --opt=VALUE):\n"
    "  -k, --key KEY.pem          private key (lifeboat keygen, or an imgtool key)\n"
    "  --version MAJ.MIN.REV[+BUILD]   e.g. 1.2.3+4\n"
    "  --kind app|recovery        which partitions accept it\n"
    "  --product ID               1-32 bytes of UTF-8; devices of another product refuse it\n"
    "  --security-counter N       anti-rollback counter (default: none, i.e. 0)\n"
    "  --load-addr A              RAM load address; sets the RAM_LOAD flag (as imgtool)\n"
    "  --ram-load                 set RAM_LOAD without changing the load address\n"
    "  --header-size N            header room before the body (default 32; 0x200 for\n"
    "                             the emulated board)\n"
    "  --pad-to SIZE              fill the output with 0xff up to SIZE bytes (a slot image)\n"
    "  --compress                 DEFLATE-compress the signed image and sign that again\n"
    "                             (installers inflate it into the slot; docs/SPEC.md)\n"
    "  -o, --output OUT.bin       instead of the second argument\n"
    "  --json                     print what was written as one JSON object\n"
    "  -h, --help                 this text\n"
    "exit 0 signed, 1 failed (e.g. a public key given), 2 usage error";

/* sign --compress: the signed image `*img` (n bytes), DEFLATE-compressed
 * (zlib, best) and signed again as the body of a compressed image with the
 * same header fields and protected TLVs, plus what it inflates to
 * (docs/SPEC.md, "Compressed images"). Replaces *img. Returns the new
 * length or a negative LB_E_* code. */
static int compress_image(const lb_image_build_opts_t *plain, uint8_t **img, size_t n)
{
    uint8_t sha[LB_IMAGE_HASH_SIZE];
    int rc = lb_image_sha256(*img, n, sha);
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (rc != 0 ||
        deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY) != Z_OK) {
        return rc != 0 ? rc : LB_E_NOSPACE;
    }
    size_t zcap = deflateBound(&zs, (uLong)n);
    uint8_t *z = malloc(zcap);
    zs.next_in = *img;
    zs.avail_in = (uInt)n;
    zs.next_out = z;
    zs.avail_out = (uInt)zcap;
    rc = z != NULL && deflate(&zs, Z_FINISH) == Z_STREAM_END ? 0 : LB_E_NOSPACE;
    size_t zlen = zs.total_out;
    deflateEnd(&zs);
    lb_image_build_opts_t o = *plain;
    o.flags |= LB_IMAGE_F_DEFLATE;
    o.decomp_sha256 = sha;
    o.decomp_size = (uint32_t)n;
    size_t cap = zlen + (o.hdr_size ? o.hdr_size : LB_IMAGE_HEADER_SIZE) + 1024u;
    uint8_t *out = rc == 0 ? malloc(cap) : NULL;
    int len = out != NULL ? lb_image_build(z, zlen, &o, out, cap) : LB_E_NOSPACE;
    free(z);
    if (len < 0) {
        free(out);
        return len;
    }
    free(*img);
    *img = out;
    return len;
}

int lb_cmd_sign(int argc, char **argv)
{
    enum {
        O_KEY = 256,
        O_VERSION,
        O_SECCNT,
        O_KIND,
        O_PRODUCT,
        O_LOAD,
        O_HDR,
        O_PAD,
        O_RAM,
        O_JSON,
        O_COMPRESS
    };
    static const struct option opts[] = {
        {"key", required_argument, NULL, O_KEY},
        {"version", required_argument, NULL, O_VERSION},
        {"security-counter", required_argument, NULL, O_SECCNT},
        {"kind", required_argument, NULL, O_KIND},
        {"product", required_argument, NULL, O_PRODUCT},
        {"load-addr", required_argument, NULL, O_LOAD},
        {"header-size", required_argument, NULL, O_HDR},
        {"pad-to", required_argument, NULL, O_PAD},
        {"ram-load", no_argument, NULL, O_RAM},
        {"json", no_argument, NULL, O_JSON},
        {"compress", no_argument, NULL, O_COMPRESS},
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    lb_image_build_opts_t o = {0};
    const char *key_path = NULL, *out_opt = NULL;
    int have_version = 0, json = 0, compress = 0, c;
    uint32_t pad_to = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":k:o:h", opts, NULL)) != -1) {
        int bad = 0;
        const char *form = form_number;
        switch (c) {
        case 'k': /* imgtool's short form */
        case O_KEY:
            key_path = optarg;
            break;
        case O_VERSION:
            bad = lb_image_version_parse(optarg, &o.version) != 0;
            form = form_version;
            have_version = 1;
            break;
        case O_SECCNT:
            bad = parse_u32(optarg, &o.security_counter);
            o.has_security_counter = true;
            break;
        case O_KIND:
            bad = parse_kind(optarg, &o.kind);
            form = form_kind;
            break;
        case O_PRODUCT:
            o.product = optarg;
            bad = strlen(optarg) == 0 || strlen(optarg) > LB_IMAGE_PRODUCT_MAX ||
                  !text_ok((const uint8_t *)optarg, strlen(optarg));
            form = "a product id of 1 to 32 bytes of UTF-8 text";
            break;
        case O_LOAD:
            bad = parse_u32(optarg, &o.load_addr);
            o.flags |= LB_IMAGE_F_RAM_LOAD;
            break;
        case O_HDR:
            bad = parse_u32(optarg, &o.hdr_size) || o.hdr_size < LB_IMAGE_HEADER_SIZE ||
                  o.hdr_size > 0xFFFFu;
            break;
        case O_PAD:
            bad = parse_u32(optarg, &pad_to);
            break;
        case O_JSON:
            json = 1;
            break;
        case O_RAM:
            o.flags |= LB_IMAGE_F_RAM_LOAD;
            break;
        case O_COMPRESS:
            compress = 1;
            break;
        case 'o':
            out_opt = optarg;
            break;
        case 'h':
            printf("usage: lifeboat sign %s\n", sign_usage);
            return LB_CLI_EXIT_OK;
        default:
            return lb_cli_opt_error("sign", sign_usage, c, argv);
        }
        if (bad) {
            return bad_value("sign", sign_usage, opts, c, optarg, form);
        }
    }
    if (key_path == NULL || !have_version || o.kind == 0 || o.product == NULL ||
        argc - optind != (out_opt != NULL ? 1 : 2)) {
        return usage_err("sign", sign_usage,
                         "--key, --version, --kind, --product, IN and OUT are required");
    }
    if (compress && pad_to != 0) {
        return usage_err("sign", sign_usage,
                         "--compress and --pad-to exclude each other (a slot holds plain images)");
    }
    const char *in_path = argv[optind];
    const char *out_path = out_opt != NULL ? out_opt : argv[optind + 1];

    lb_key_t *key;
    if (lb_key_file_load("sign", key_path, &key) != 0) {
        return LB_CLI_EXIT_FAIL;
    }
    if (!lb_key_is_private(key)) {
        fprintf(stderr, "lifeboat sign: %s: a private key is needed to sign\n", key_path);
        lb_key_free(key);
        return LB_CLI_EXIT_FAIL;
    }
    uint8_t der[128];
    int der_len = lb_key_public_der(key, der, sizeof(der));
    size_t body_len;
    uint8_t *body = lb_cli_read_file(in_path, &body_len);
    if (der_len <= 0 || body == NULL) {
        fprintf(stderr, "lifeboat sign: %s: %s\n", body == NULL ? in_path : key_path,
                body == NULL ? strerror(errno) : "cannot encode public key");
        free(body);
        lb_key_free(key);
        return LB_CLI_EXIT_FAIL;
    }
    o.key_der = der;
    o.key_der_len = (size_t)der_len;
    o.sign = lb_key_sign_cb;
    o.sign_arg = key;
    size_t cap = body_len + (o.hdr_size ? o.hdr_size : LB_IMAGE_HEADER_SIZE) + 1024u;
    if (cap < pad_to) {
        cap = pad_to;
    }
    uint8_t *img = malloc(cap);
    int n = img != NULL ? lb_image_build(body, body_len, &o, img, cap) : LB_E_NOSPACE;
    int plain_len = n;
    if (n > 0 && compress) {
        n = compress_image(&o, &img, (size_t)n);
    }
    free(body);
    lb_key_free(key);
    if (n < 0) {
        fprintf(stderr, "lifeboat sign: cannot build image: %s\n", lb_err_str(n));
        free(img);
        return LB_CLI_EXIT_FAIL;
    }
    size_t out_len = (size_t)n;
    if (pad_to != 0) {
        if (out_len > pad_to) {
            fprintf(stderr, "lifeboat sign: image is %zu bytes, larger than --pad-to %" PRIu32 "\n",
                    out_len, pad_to);
            free(img);
            return LB_CLI_EXIT_FAIL;
        }
        memset(img + out_len, 0xFF, pad_to - out_len);
        out_len = pad_to;
    }
    if (write_file(out_path, img, out_len, 0644, 0) != 0) {
        fprintf(stderr, "lifeboat sign: %s: %s\n", out_path, strerror(errno));
        free(img);
        return LB_CLI_EXIT_FAIL;
    }
    free(img);
    if (json) {
        char ver[LB_IMAGE_VERSION_STR_MAX];
        lb_image_version_format(&o.version, ver);
        fputs("{\"file\": ", stdout);
        put_json_str(stdout, (const uint8_t *)out_path, strlen(out_path));
        fprintf(stdout, ", \"kind\": \"%s\", \"product\": ", kind_name(o.kind));
        put_json_str(stdout, (const uint8_t *)o.product, strlen(o.product));
        fprintf(stdout,
                ", \"version\": \"%s\", \"security_counter\": %" PRIu32
                ", \"image_size\": %d, \"file_size\": %zu, \"compressed\": %s, "
                "\"inflated_size\": %d, \"key\": ",
                ver, o.security_counter, n, out_len, compress ? "true" : "false", plain_len);
        put_json_str(stdout, (const uint8_t *)key_path, strlen(key_path));
        fputs("}\n", stdout);
        return LB_CLI_EXIT_OK;
    }
    char ver[LB_IMAGE_VERSION_STR_MAX];
    lb_image_version_format(&o.version, ver);
    printf("%s: %s image for %s, version %s, %d bytes signed", out_path, kind_name(o.kind),
           o.product, ver, n);
    if (compress) {
        printf(", compressed from %d (%d %%)", plain_len,
               (int)((100LL * n + plain_len / 2) / plain_len));
    }
    putchar('\n');
    return LB_CLI_EXIT_OK;
}

/* ---- verify ---- */

static const char verify_usage[] =
    "-k PUB.pem [--product ID] [--kind app|recovery] [--min-security-counter N] IMAGE\n"
    "  Checks an image as a device would: its hash, the signature by PUB.pem and\n"
    "  every option given. Prints what it found, or why it refused.\n"
    "options (--opt VALUE or --opt=VALUE):\n"
    "  -k, --key PUB.pem            the public key that must have signed it\n"
    "  --product ID                 the product it must be for\n"
    "  --kind app|recovery          the kind it must be\n"
    "  --min-security-counter N     refuse a lower counter (the device's floor)\n"
    "  --max-size N                 refuse an image larger than N bytes (the slot)\n"
    "  --json                       print the verdict as one JSON object (refusals too)\n"
    "  -h, --help                   this text\n"
    "exit 0 only when the image is intact, signed by the key and matches every\n"
    "option; 1 refused; 2 usage error";

/* One sentence on why verification refused, with the values involved. */
static void explain(int rc, const lb_image_info_t *in, const lb_image_info_t *inner,
                    const lb_image_policy_t *p)
{
    /* A compressed image whose own checks passed: what it inflates to. */
    if ((in->flags & LB_IMAGE_F_DEFLATE) && in->signature_ok) {
        if (rc == LB_E_HASH) {
            fprintf(stderr, "  the image it inflates to does not hash to its DECOMP_SHA\n");
            return;
        }
        if (rc == LB_E_SIZE) {
            fprintf(stderr, "  it does not inflate to one image of DECOMP_SIZE bytes\n");
            return;
        }
        if (rc == LB_E_MISMATCH) {
            fprintf(stderr, "  the image it inflates to is not the one it names (version, kind,"
                            " product, security counter or load address)\n");
            return;
        }
        fprintf(stderr, "  the image it inflates to is refused:\n");
        in = inner;
    }
    switch (rc) {
    case LB_E_KIND:
        fprintf(stderr, "  image kind is %s, expected %s\n", kind_name(in->kind),
                kind_name(p->kind));
        break;
    case LB_E_PRODUCT:
        fputs("  image is for product '", stderr);
        put_text_str(stderr, (const uint8_t *)in->product, strlen(in->product));
        fprintf(stderr, "', expected '%s'\n", p->product);
        break;
    case LB_E_SECCNT:
        fprintf(stderr, "  security counter %" PRIu32 " is below the minimum %" PRIu32 "\n",
                in->security_counter, p->min_security_counter);
        break;
    case LB_E_RANGE:
        fprintf(stderr, "  header sizes wrap or exceed the allowed size (%" PRIu32 " bytes)\n",
                p->max_size);
        break;
    case LB_E_KEY:
        fprintf(stderr, "  the image's key hash does not name the given key\n");
        break;
    case LB_E_SIG:
        fprintf(stderr, "  the ECDSA signature does not verify with the given key\n");
        break;
    case LB_E_HASH:
        fprintf(stderr, "  SHA-256 of header, body and protected TLVs does not match\n");
        break;
    case LB_E_UNSIGNED:
        fprintf(stderr, "  the image carries no ECDSA signature\n");
        break;
    default:
        break;
    }
}

/* verify --json: {"file", "ok", "status" (lb_err_str), and what was
 * learned: "kind", "product", "version", "security_counter", "size",
 * "signature_ok" (verified with the key),
 * "key"}. Facts not reached are null. */
static void verify_json(const char *path, const char *key_path, int rc, const lb_image_info_t *in)
{
    FILE *f = stdout;
    fputs("{\"file\": ", f);
    put_json_str(f, (const uint8_t *)path, strlen(path));
    fprintf(f, ", \"ok\": %s, \"status\": \"%s\", \"kind\": ", rc == 0 ? "true" : "false",
            lb_err_str(rc));
    if (in->kind != 0) {
        fprintf(f, "\"%s\"", kind_name(in->kind));
    } else {
        fputs("null", f);
    }
    fputs(", \"product\": ", f);
    if (in->product[0] != '\0') {
        put_json_str(f, (const uint8_t *)in->product, strlen(in->product));
    } else {
        fputs("null", f);
    }
    if (in->total_size != 0) {
        char ver[LB_IMAGE_VERSION_STR_MAX];
        lb_image_version_format(&in->version, ver);
        fprintf(f, ", \"version\": \"%s\", \"security_counter\": %" PRIu32 ", \"size\": %" PRIu32,
                ver, in->security_counter, in->total_size);
    } else {
        fputs(", \"version\": null, \"security_counter\": null, \"size\": null", f);
    }
    fprintf(f, ", \"signature_ok\": %s, \"key\": ", in->signature_ok ? "true" : "false");
    put_json_str(f, (const uint8_t *)key_path, strlen(key_path));
    fputs("}\n", f);
}

/* Verifies a plain image, or a compressed one and the image it inflates to
 * (as an installer would: into a slot of the policy's max_size, else of
 * the size it names). Returns 0 or the first refusal; *inner_len is the
 * inflated image's length (0: plain). */
static int verify_any(const uint8_t *img, size_t len, const lb_image_policy_t *p,
                      lb_image_info_t *info, lb_image_info_t *inner, size_t *inner_len)
{
    lb_image_policy_t q = *p;
    q.require_signature = false; /* only to learn what it inflates to */
    q.accept_deflate = true;
    (void)lb_image_verify(img, len, &q, info);
    size_t cap = p->max_size != 0 ? p->max_size : info->decomp_size;
    uint8_t *out = (info->flags & LB_IMAGE_F_DEFLATE) ? malloc(cap ? cap : 1) : NULL;
    int rc = out != NULL || !(info->flags & LB_IMAGE_F_DEFLATE)
                 ? lb_image_verify_deflated(img, len, p, out, out ? cap : 0, inner_len, info, inner)
                 : LB_E_NOSPACE;
    free(out);
    return rc;
}

int lb_cmd_verify(int argc, char **argv)
{
    enum { O_KEY = 256, O_PRODUCT, O_KIND, O_MIN, O_MAX, O_JSON };
    static const struct option opts[] = {
        {"key", required_argument, NULL, O_KEY},
        {"product", required_argument, NULL, O_PRODUCT},
        {"kind", required_argument, NULL, O_KIND},
        {"min-security-counter", required_argument, NULL, O_MIN},
        {"max-size", required_argument, NULL, O_MAX},
        {"json", no_argument, NULL, O_JSON},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    lb_image_policy_t p = {.require_signature = true};
    const char *key_path = NULL;
    int json = 0;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":k:h", opts, NULL)) != -1) {
        int bad = 0;
        const char *form = form_number;
        switch (c) {
        case 'k': /* imgtool's short form */
        case O_KEY:
            key_path = optarg;
            break;
        case O_PRODUCT:
            p.product = optarg;
            bad = !text_ok((const uint8_t *)optarg, strlen(optarg));
            form = "UTF-8 text";
            break;
        case O_KIND:
            bad = parse_kind(optarg, &p.kind);
            form = form_kind;
            break;
        case O_MIN:
            bad = parse_u32(optarg, &p.min_security_counter);
            break;
        case O_MAX:
            bad = parse_u32(optarg, &p.max_size);
            break;
        case O_JSON:
            json = 1;
            break;
        case 'h':
            printf("usage: lifeboat verify %s\n", verify_usage);
            return LB_CLI_EXIT_OK;
        default:
            return lb_cli_opt_error("verify", verify_usage, c, argv);
        }
        if (bad) {
            return bad_value("verify", verify_usage, opts, c, optarg, form);
        }
    }
    if (key_path == NULL || argc - optind != 1) {
        return usage_err("verify", verify_usage, "--key and IMAGE are required");
    }
    const char *path = argv[optind];
    uint8_t der[128];
    int der_len = lb_key_file_public_der("verify", key_path, der, sizeof(der));
    if (der_len < 0) {
        return LB_CLI_EXIT_FAIL;
    }
    p.key_der = der;
    p.key_der_len = (size_t)der_len;
    size_t len;
    uint8_t *img = lb_cli_read_file(path, &len);
    if (img == NULL) {
        fprintf(stderr, "lifeboat verify: %s: %s\n", path, strerror(errno));
        return LB_CLI_EXIT_FAIL;
    }
    lb_image_info_t info, inner;
    size_t inner_len = 0;
    int rc = verify_any(img, len, &p, &info, &inner, &inner_len);
    free(img);
    if (json) {
        verify_json(path, key_path, rc, &info);
        return rc == 0 ? LB_CLI_EXIT_OK : LB_CLI_EXIT_FAIL;
    }
    if (rc != 0) {
        fprintf(stderr, "lifeboat verify: %s: refused: %s\n", path, lb_err_str(rc));
        explain(rc, &info, &inner, &p);
        return LB_CLI_EXIT_FAIL;
    }
    printf("%s: ok: %s image for ", path, kind_name(info.kind));
    if (info.product[0]) {
        put_text_str(stdout, (const uint8_t *)info.product, strlen(info.product));
    } else {
        fputs("(any product)", stdout);
    }
    char ver[LB_IMAGE_VERSION_STR_MAX];
    lb_image_version_format(&info.version, ver);
    printf(", version %s, security counter %" PRIu32 ", signed by %s", ver, info.security_counter,
           key_path);
    if (inner_len != 0) {
        printf("; compressed: %" PRIu32 " bytes inflate to the %zu-byte image it names,"
               " signed and verified in turn",
               info.total_size, inner_len);
    }
    putchar('\n');
    return LB_CLI_EXIT_OK;
}

/* ---- info ---- */

#define INFO_MAX_TLVS 64

typedef struct {
    bool prot;
    uint16_t type;
    uint16_t len;
    uint32_t off;
} tlv_rec_t;

typedef struct {
    tlv_rec_t tlv[INFO_MAX_TLVS];
    size_t n;
    size_t dropped;
} tlv_list_t;

static void collect_tlv(void *arg, bool prot, uint16_t type, uint16_t len, uint32_t value_off)
{
    tlv_list_t *l = arg;
    if (l->n < INFO_MAX_TLVS) {
        l->tlv[l->n++] = (tlv_rec_t){prot, type, len, value_off};
    } else {
        l->dropped++;
    }
}

static const char *tlv_name(uint16_t type)
{
    switch (type) {
    case LB_IMAGE_TLV_KEYHASH:
        return "KEYHASH";
    case LB_IMAGE_TLV_SHA256:
        return "SHA256";
    case LB_IMAGE_TLV_ECDSA_SIG:
        return "ECDSA_SIG";
    case LB_IMAGE_TLV_SEC_CNT:
        return "SEC_CNT";
    case LB_IMAGE_TLV_KIND:
        return "KIND";
    case LB_IMAGE_TLV_PRODUCT:
        return "PRODUCT";
    case LB_IMAGE_TLV_DECOMP_SIZE:
        return "DECOMP_SIZE";
    case LB_IMAGE_TLV_DECOMP_SHA:
        return "DECOMP_SHA";
    default:
        return type >= LB_IMAGE_TLV_VENDOR_MIN ? "VENDOR" : "UNKNOWN";
    }
}

static void put_hex(FILE *f, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "%02x", p[i]);
    }
}

static void put_flags(FILE *f, uint32_t flags, int json)
{
    static const struct {
        uint32_t bit;
        const char *name;
    } names[] = {
        {LB_IMAGE_F_PIC, "PIC"},
        {LB_IMAGE_F_ENCRYPTED_AES128, "ENCRYPTED_AES128"},
        {LB_IMAGE_F_ENCRYPTED_AES256, "ENCRYPTED_AES256"},
        {LB_IMAGE_F_NON_BOOTABLE, "NON_BOOTABLE"},
        {LB_IMAGE_F_RAM_LOAD, "RAM_LOAD"},
        {LB_IMAGE_F_ROM_FIXED, "ROM_FIXED"},
        {LB_IMAGE_F_DEFLATE, "DEFLATE"},
    };
    int first = 1;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (flags & names[i].bit) {
            fprintf(f, json ? "%s\"%s\"" : "%s%s", first ? "" : json ? ", " : " ", names[i].name);
            first = 0;
        }
    }
}

/* Prints one TLV's value: decoded where lifeboat knows it, else hex. */
static void put_tlv_value(FILE *f, const uint8_t *img, const tlv_rec_t *t, int json)
{
    const uint8_t *v = img + t->off;
    if ((t->type == LB_IMAGE_TLV_SEC_CNT || t->type == LB_IMAGE_TLV_DECOMP_SIZE) && t->len == 4) {
        fprintf(f, "%" PRIu32,
                (uint32_t)v[0] | (uint32_t)v[1] << 8 | (uint32_t)v[2] << 16 | (uint32_t)v[3] << 24);
    } else if (t->type == LB_IMAGE_TLV_KIND && t->len == 1) {
        fprintf(f, json ? "\"%s\"" : "%s", kind_name(v[0]));
    } else if (t->type == LB_IMAGE_TLV_PRODUCT) {
        if (json) {
            put_json_str(f, v, t->len);
        } else {
            fputc('"', f);
            put_text_str(f, v, t->len);
            fputc('"', f);
        }
    } else {
        if (json) {
            fputc('"', f);
        }
        put_hex(f, v, t->len);
        if (json) {
            fputc('"', f);
        }
    }
}

static const char info_usage[] =
    "IMAGE [--json]\n"
    "  Decodes an image's header and every TLV (protected and not) without\n"
    "  trusting it: product ids are shown escaped, --json is always valid JSON.\n"
    "options:\n"
    "  -j, --json   machine-readable output (docs/SPEC.md names every field)\n"
    "  -h, --help   this text\n"
    "exit 0 well-formed with a matching hash, 1 otherwise, 2 usage error";

int lb_cmd_info(int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int json = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":jh", opts, NULL)) != -1) {
        switch (c) {
        case 'j':
            json = 1;
            break;
        case 'h':
            printf("usage: lifeboat info %s\n", info_usage);
            return LB_CLI_EXIT_OK;
        default:
            return lb_cli_opt_error("info", info_usage, c, argv);
        }
    }
    if (argc - optind != 1) {
        return usage_err("info", info_usage, "IMAGE is required");
    }
    const char *path = argv[optind];
    size_t len;
    uint8_t *img = lb_cli_read_file(path, &len);
    if (img == NULL) {
        fprintf(stderr, "lifeboat info: %s: %s\n", path, strerror(errno));
        return LB_CLI_EXIT_FAIL;
    }
    /* No key, no expectations: structure and hash only (of a compressed
     * image, also of the image it inflates to). */
    lb_image_policy_t p = {.accept_deflate = true};
    lb_image_stream_t s;
    static tlv_list_t tl;
    lb_image_info_t in;
    memset(&tl, 0, sizeof(tl));
    lb_image_stream_init(&s, &p);
    lb_image_stream_observe(&s, collect_tlv, &tl);
    (void)lb_image_stream_update(&s, img, len);
    int rc = lb_image_stream_finish(&s, &in);
    int header_read = len >= LB_IMAGE_HEADER_SIZE && rc != LB_E_MAGIC;
    int zrc = 0;
    size_t zlen = 0;
    if (rc == 0 && (in.flags & LB_IMAGE_F_DEFLATE)) {
        uint8_t *out = malloc(in.decomp_size ? in.decomp_size : 1);
        zrc = out != NULL
                  ? lb_image_verify_deflated(img, len, &p, out, in.decomp_size, &zlen, NULL, NULL)
                  : LB_E_NOSPACE;
        free(out);
        rc = zrc;
    }
    char ver[LB_IMAGE_VERSION_STR_MAX];
    lb_image_version_format(&in.version, ver);

    FILE *f = stdout;
    if (json) {
        fprintf(f, "{\n  \"file\": ");
        put_json_str(f, (const uint8_t *)path, strlen(path));
        fprintf(f, ",\n  \"file_size\": %zu,\n  \"status\": \"%s\",\n  \"error\": %d", len,
                rc == 0 ? "ok" : lb_err_str(rc), rc);
        if (header_read) {
            fprintf(f,
                    ",\n  \"header\": {\"magic\": \"0x%08" PRIx32 "\", \"load_addr\": %" PRIu32
                    ", \"hdr_size\": %" PRIu32 ", \"protect_tlv_size\": %" PRIu32
                    ", \"img_size\": %" PRIu32 ", \"flags\": %" PRIu32 ", \"flag_names\": [",
                    (uint32_t)LB_IMAGE_MAGIC, in.load_addr, in.hdr_size, in.protect_tlv_size,
                    in.img_size, in.flags);
            put_flags(f, in.flags, 1);
            fprintf(f,
                    "], \"version\": {\"major\": %u, \"minor\": %u, \"revision\": %u, \"build\": "
                    "%" PRIu32 "}, \"version_str\": \"%s\"}",
                    in.version.major, in.version.minor, in.version.revision, in.version.build, ver);
            fprintf(f, ",\n  \"total_size\": %" PRIu32 ",\n  \"hash\": \"", in.total_size);
            put_hex(f, in.hash, sizeof(in.hash));
            fprintf(f, "\",\n  \"hash_ok\": %s,\n  \"signed\": %s", in.hash_ok ? "true" : "false",
                    in.has_signature ? "true" : "false");
            fprintf(f, ",\n  \"kind\": \"%s\",\n  \"product\": ", kind_name(in.kind));
            put_json_str(f, (const uint8_t *)in.product, strlen(in.product));
            fprintf(f, ",\n  \"security_counter\": %" PRIu32, in.security_counter);
            if (in.flags & LB_IMAGE_F_DEFLATE) {
                fprintf(
                    f, ",\n  \"compressed\": {\"inflated_size\": %" PRIu32 ", \"inflated_ok\": %s}",
                    in.decomp_size, zlen != 0 && zrc == 0 ? "true" : "false");
            }
        }
        fprintf(f, ",\n  \"tlvs\": [");
        for (size_t i = 0; i < tl.n; i++) {
            const tlv_rec_t *t = &tl.tlv[i];
            fprintf(f,
                    "%s\n    {\"area\": \"%s\", \"type\": %u, \"type_hex\": \"0x%02x\", "
                    "\"name\": \"%s\", \"len\": %u, \"offset\": %" PRIu32 ", \"value\": ",
                    i ? "," : "", t->prot ? "protected" : "unprotected", t->type, t->type,
                    tlv_name(t->type), t->len, t->off);
            if ((size_t)t->off + t->len <= len) {
                put_tlv_value(f, img, t, 1);
            } else {
                fprintf(f, "null");
            }
            fprintf(f, "}");
        }
        fprintf(f, "%s]\n}\n", tl.n ? "\n  " : "");
    } else {
        printf("%s: %zu bytes, %s\n", path, len, rc == 0 ? "well-formed, hash ok" : lb_err_str(rc));
        if (header_read) {
            printf("header:\n  magic            0x%08" PRIx32 "\n  load_addr        0x%08" PRIx32
                   "\n  hdr_size         %" PRIu32 "\n  protect_tlv_size %" PRIu32
                   "\n  img_size         %" PRIu32 "\n  flags            0x%08" PRIx32 " (",
                   (uint32_t)LB_IMAGE_MAGIC, in.load_addr, in.hdr_size, in.protect_tlv_size,
                   in.img_size, in.flags);
            put_flags(f, in.flags, 0);
            printf(")\n  version          %s\n", ver);
            printf("total_size: %" PRIu32 "\nhash: ", in.total_size);
            put_hex(f, in.hash, sizeof(in.hash));
            printf(" (%s)\n", in.hash_ok ? "matches SHA256 TLV" : "not verified");
            if (in.flags & LB_IMAGE_F_DEFLATE) {
                printf("compressed: inflates to %" PRIu32 " bytes (%s)\n", in.decomp_size,
                       zlen != 0 && zrc == 0 ? "inflated, the image it names, well-formed"
                                             : "not inflated: see the status above");
            }
        }
        printf("tlvs:\n");
        for (size_t i = 0; i < tl.n; i++) {
            const tlv_rec_t *t = &tl.tlv[i];
            printf("  %-11s 0x%02x %-9s len %-3u ", t->prot ? "protected" : "unprotected", t->type,
                   tlv_name(t->type), t->len);
            if ((size_t)t->off + t->len <= len) {
                put_tlv_value(f, img, t, 0);
            }
            printf("\n");
        }
    }
    if (tl.dropped) {
        fprintf(stderr, "lifeboat info: %zu more TLVs not shown\n", tl.dropped);
    }
    free(img);
    return rc == 0 ? LB_CLI_EXIT_OK : LB_CLI_EXIT_FAIL;
}
