/* `lifeboat push` and `lifeboat status`: talk to a device in recovery. */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "auth/digest.h"
#include "httpc.h"
#include "lb/json.h"
#include "lb/credential.h"
#include "lb/err.h"
#include "lb/image.h"
#include "sb.h"
#include "status_fmt.h"

typedef struct {
    bool tty;
    int last; /* last percentage (TTY) or tenth (plain) shown */
} progress_t;

static void show_progress(uint64_t done, uint64_t total, void *ctx)
{
    progress_t *p = ctx;
    int pct = total ? (int)(done * 100u / total) : 100;
    if (p->tty) {
        if (pct == p->last) {
            return;
        }
        p->last = pct;
        char bar[41];
        int fill = pct * 40 / 100;
        memset(bar, '#', (size_t)fill);
        memset(bar + fill, '.', (size_t)(40 - fill));
        bar[40] = '\0';
        fprintf(stderr, "\r[%s] %3d%% %llu/%llu KiB", bar, pct, (unsigned long long)(done / 1024u),
                (unsigned long long)(total / 1024u));
        if (done == total) {
            fputc('\n', stderr);
        }
    } else if (pct / 10 != p->last) {
        p->last = pct / 10;
        fprintf(stderr, "sent %llu of %llu bytes (%d%%)\n", (unsigned long long)done,
                (unsigned long long)total, pct);
    }
}

static void print_answer(const lb_httpc_resp_t *r)
{
    fputs(r->body, stdout);
    if (r->body_len == 0 || r->body[r->body_len - 1] != '\n') {
        fputc('\n', stdout);
    }
}

/* First lines of the usage texts, for one-line usage errors. */
#define PUSH_SYNOPSIS "--url URL --user USER --password-file FILE [--wait[=S]] [--json] IMAGE"
#define STATUS_SYNOPSIS "--url URL [--user USER --password-file FILE] [--json]"
#define CREDENTIAL_SYNOPSIS                                                                        \
    "--url URL --user USER --password-file FILE --new-user USER --new-password-file FILE"

static int push_usage(FILE *f)
{
    fprintf(f, "usage: lifeboat push --url URL --user USER --password PASS IMAGE\n"
               "  Uploads a signed image to a device in recovery (POST URL/api/update with\n"
               "  HTTP Digest authentication) and prints the device's answer. Exit 0 when\n"
               "  the device accepted the image, 1 when it refused or could not be reached.\n"
               "  --password-file FILE  read the password from FILE instead (or set\n"
               "                        LIFEBOAT_PASSWORD; on a terminal, without either, it\n"
               "                        is asked for: a --password is visible to ps)\n"
               "  --timeout S           per-operation timeout (default 30)\n"
               "  --no-check            send without the local checks below\n"
               "  --wait[=S]            then follow the device (GET URL/api/status, which the\n"
               "                        recovery image and apps built on app-template answer)\n"
               "                        through the reboot: the pushed version running on trial,\n"
               "                        then confirmed (exit 0); back to another version or to\n"
               "                        recovery (exit 1); S seconds at most (default 120)\n"
               "  Before anything is sent, the image is checked here as the device will:\n"
               "  well-formed with a matching hash, an app image, signed, and for the\n"
               "  product the device reports (GET URL/api/status); a failure is reported\n"
               "  as 'not sent: ...' (exit 1) without uploading a byte.\n"
               "  --json                print the outcome as one JSON object on stdout (no\n"
               "                        progress): url, image, bytes, ok, http_status, answer,\n"
               "                        error (transport), seconds; with --wait also 'followed':\n"
               "                        outcome (confirmed, rolled-back, recovery, timeout),\n"
               "                        version, slot, state, seconds\n");
    return f == stdout ? LB_CLI_EXIT_OK : LB_CLI_EXIT_USAGE;
}

/* What the device would refuse only after the whole upload, found here
 * first: a malformed or tampered image, not an app image, unsigned, or for
 * another product than the one the device reports in its unauthenticated
 * status (skipped when that does not answer: the upload then reports the
 * transport error). Returns 0, or writes the reason into why. */
static int push_precheck(const lb_httpc_url_t *u, const char *path, int timeout, char *why,
                         size_t cap, char *version)
{
    size_t len;
    uint8_t *img = lb_cli_read_file(path, &len);
    if (img == NULL) {
        snprintf(why, cap, "%s: %s", path, strerror(errno));
        return -1;
    }
    lb_image_policy_t p = {.kind = LB_IMAGE_KIND_APP};
    lb_image_info_t info;
    int rc = lb_image_verify(img, len, &p, &info);
    free(img);
    if (rc == 0 && !info.has_signature) {
        rc = LB_E_UNSIGNED;
    }
    if (rc == 0) {
        lb_image_version_format(&info.version, version);
    }
    if (rc != 0) {
        bool z = rc == LB_E_FLAGS && (info.flags & LB_IMAGE_F_DEFLATE);
        snprintf(why, cap, "not sent: %s%s", lb_err_str(rc),
                 rc == LB_E_KIND ? " (the device installs app images; a recovery image goes in "
                                   "with lifeboat mkflash)"
                 : z             ? " (compressed: recovery installs plain images; sign it without "
                                   "--compress, or publish it for apps)"
                                 : "");
        return -1;
    }
    static lb_httpc_resp_t resp;
    lb_httpc_req_t req = {.method = "GET", .path = "/api/status", .timeout_s = timeout};
    char dev[LB_IMAGE_PRODUCT_MAX + 1];
    if (info.product[0] != '\0' && lb_httpc_do(u, &req, &resp) == 0 && resp.status == 200 &&
        lb_json_text(lb_json_member(lb_json_ws(resp.body), "product"), dev, sizeof dev) &&
        dev[0] != '\0' && strcmp(dev, info.product) != 0) {
        snprintf(why, cap, "not sent: the image is for product '%s', the device is '%s'",
                 info.product, dev);
        return -1;
    }
    return 0;
}

/* What `push --wait` saw after the upload. */
typedef struct {
    const char *outcome; /* "confirmed", "rolled-back", "recovery", "timeout" */
    char version[LB_IMAGE_VERSION_STR_MAX];
    char state[24];
    char reason[32];
    int slot; /* -1: none seen */
    double seconds;
    char line[320]; /* the closing sentence */
} follow_t;

static double since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* GET URL/api/status; the boot count, or -1 when it did not answer with a
 * status document. *mode etc. receive its fields. */
static long get_status(const lb_httpc_url_t *u, int timeout, char *mode, char *version, char *state,
                       char *reason, int *slot)
{
    static lb_httpc_resp_t resp;
    lb_httpc_req_t req = {.method = "GET", .path = "/api/status", .timeout_s = timeout};
    char n[24];
    if (lb_httpc_do(u, &req, &resp) != 0 || resp.status != 200) {
        return -1;
    }
    const char *root = lb_json_ws(resp.body);
    if (!lb_json_text(lb_json_member(root, "boot_count"), n, sizeof n) ||
        !lb_json_text(lb_json_member(root, "mode"), mode, 16)) {
        return -1;
    }
    if (!lb_json_text(lb_json_member(root, "version"), version, LB_IMAGE_VERSION_STR_MAX)) {
        version[0] = '\0';
    }
    if (!lb_json_text(lb_json_member(root, "state"), state, 24)) {
        state[0] = '\0';
    }
    if (!lb_json_text(lb_json_member(root, "reason"), reason, 32)) {
        reason[0] = '\0';
    }
    char sl[8];
    *slot = lb_json_text(lb_json_member(root, "slot"), sl, sizeof sl) ? atoi(sl) : -1;
    return strtol(n, NULL, 10);
}

/* Follows the device after an accepted upload (`boot0`: its boot count
 * before, -1 when unknown) until the pushed version `want` ("": any) runs
 * confirmed, or it shows another version or recovery, or wait_s passed.
 * Prints each step unless quiet. */
static void push_follow(const lb_httpc_url_t *u, const char *url, long boot0, const char *want,
                        int wait_s, bool quiet, follow_t *f)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    memset(f, 0, sizeof *f);
    f->slot = -1;
    bool answered = false, trial_told = false;
    while ((f->seconds = since(&t0)) < wait_s) {
        char mode[16];
        long boots = get_status(u, 2, mode, f->version, f->state, f->reason, &f->slot);
        answered = answered || boots >= 0;
        if (boots >= 0 && (boot0 < 0 ? strcmp(mode, "app") == 0 : boots > boot0)) {
            char slot = f->slot == 0 ? 'a' : f->slot == 1 ? 'b' : '?';
            if (strcmp(mode, "app") != 0) {
                f->outcome = "recovery";
                snprintf(f->line, sizeof f->line,
                         "the device is in recovery again (reason %s): the pushed image did not "
                         "take (%.1f s)",
                         f->reason, f->seconds);
                return;
            }
            if (want[0] != '\0' && strcmp(f->version, want) != 0) {
                f->outcome = "rolled-back";
                snprintf(f->line, sizeof f->line,
                         "the device runs %s from slot %c (%s), not the pushed %s: rolled back "
                         "(%.1f s)",
                         f->version, slot, f->state, want, f->seconds);
                return;
            }
            if (!trial_told && !quiet) {
                printf("lifeboat push: the device rebooted into %s in slot %c (%s boot, %.1f s)\n",
                       f->version, slot, f->reason, f->seconds);
                fflush(stdout);
            }
            trial_told = true;
            if (strcmp(f->state, "confirmed") == 0) {
                f->outcome = "confirmed";
                snprintf(f->line, sizeof f->line, "%s confirmed in slot %c (%.1f s)", f->version,
                         slot, f->seconds);
                return;
            }
        }
        struct timespec nap = {0, 500 * 1000 * 1000};
        nanosleep(&nap, NULL);
    }
    f->outcome = "timeout";
    if (trial_told) {
        snprintf(f->line, sizeof f->line, "%s runs on %s, not confirmed within %d s", f->version,
                 f->state, wait_s);
    } else {
        snprintf(f->line, sizeof f->line, "%s from %s/api/status within %d s",
                 answered ? "no sign of the reboot" : "no answer", url, wait_s);
    }
}

int lb_cmd_push(int argc, char **argv)
{
    static const struct option opts[] = {
        {"url", required_argument, NULL, 'u'},      {"user", required_argument, NULL, 'U'},
        {"password", required_argument, NULL, 'P'}, {"password-file", required_argument, NULL, 'F'},
        {"timeout", required_argument, NULL, 't'},  {"json", no_argument, NULL, 'j'},
        {"no-check", no_argument, NULL, 'n'},       {"wait", optional_argument, NULL, 'w'},
        {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0},
    };
    const char *url = NULL, *user = NULL, *pass = NULL, *pass_file = NULL;
    char pass_buf[256];
    int timeout = 30, json = 0, check = 1, wait = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        switch (c) {
        case 'u':
            url = optarg;
            break;
        case 'U':
            user = optarg;
            break;
        case 'P':
            pass = optarg;
            break;
        case 'F':
            pass_file = optarg;
            break;
        case 't':
            timeout = atoi(optarg);
            break;
        case 'j':
            json = 1;
            break;
        case 'n':
            check = 0;
            break;
        case 'w': {
            char *end = NULL;
            long w = optarg != NULL ? strtol(optarg, &end, 10) : 120;
            if (optarg != NULL && (*optarg == '\0' || *end != '\0' || w <= 0 || w > 86400)) {
                fprintf(stderr, "lifeboat push: --wait=%s: seconds, 1 to 86400\n", optarg);
                return lb_cli_usage_hint("push", PUSH_SYNOPSIS, NULL, NULL);
            }
            wait = (int)w;
            break;
        }
        case 'h':
            return push_usage(stdout);
        default:
            return lb_cli_opt_error("push", PUSH_SYNOPSIS, c, argv);
        }
    }
    if (pass == NULL && pass_file == NULL && url != NULL && user != NULL) {
        pass = lb_cli_password_ask(user, url, pass_buf, sizeof(pass_buf));
    }
    const char *missing = url == NULL    ? "--url URL"
                          : user == NULL ? "--user USER"
                          : pass == NULL && pass_file == NULL
                              ? "--password-file FILE (or LIFEBOAT_PASSWORD, or --password PASS)"
                          : optind == argc ? "the IMAGE to upload"
                                           : NULL;
    if (missing != NULL) {
        fprintf(stderr, "lifeboat push: missing %s\n", missing);
        return lb_cli_usage_hint("push", PUSH_SYNOPSIS, NULL, NULL);
    }
    if (optind != argc - 1) {
        fprintf(stderr, "lifeboat push: one IMAGE only (unexpected '%s')\n", argv[optind + 1]);
        return lb_cli_usage_hint("push", PUSH_SYNOPSIS, NULL, NULL);
    }
    if (pass_file != NULL) {
        if (lb_cli_read_line("push", pass_file, pass_buf, sizeof(pass_buf)) != 0) {
            return LB_CLI_EXIT_USAGE;
        }
        pass = pass_buf;
    }
    lb_httpc_url_t u;
    if (lb_httpc_url_parse(url, &u) != 0) {
        fprintf(stderr, "lifeboat push: unsupported URL '%s' (http://host[:port])\n", url);
        return LB_CLI_EXIT_USAGE;
    }
    const char *image = argv[optind];
    FILE *f = fopen(image, "rb");
    if (f == NULL || fseek(f, 0, SEEK_END) != 0) {
        fprintf(stderr, "lifeboat push: cannot open %s\n", image);
        if (f) {
            fclose(f);
        }
        return LB_CLI_EXIT_FAIL;
    }
    long size = ftell(f);
    char why[160], version[LB_IMAGE_VERSION_STR_MAX] = "";
    if (check && push_precheck(&u, image, timeout, why, sizeof why, version) != 0) {
        fclose(f);
        if (json) {
            lb_sb_t sb = {0};
            lb_sb_printf(&sb, "{\"url\": ");
            lb_sb_put_json(&sb, url);
            lb_sb_printf(&sb, ", \"image\": ");
            lb_sb_put_json(&sb, image);
            lb_sb_printf(&sb,
                         ", \"bytes\": %ld, \"ok\": false, \"http_status\": null, "
                         "\"answer\": null, \"error\": ",
                         size);
            lb_sb_put_json(&sb, why);
            lb_sb_printf(&sb, ", \"seconds\": 0}\n");
            fputs(sb.data != NULL ? sb.data : "", stdout);
            lb_sb_free(&sb);
        } else {
            fprintf(stderr, "lifeboat push: %s: %s\n", image, why);
        }
        return LB_CLI_EXIT_FAIL;
    }
    long boot0 = -1;
    if (wait) {
        char m[16], v[LB_IMAGE_VERSION_STR_MAX], st[24], r[32];
        int sl;
        boot0 = get_status(&u, timeout, m, v, st, r, &sl);
    }
    progress_t prog = {isatty(STDERR_FILENO) != 0, -1};
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    lb_httpc_req_t req = {
        .method = "POST",
        .path = "/api/update",
        .user = user,
        .password = pass,
        .body = f,
        .body_len = size > 0 ? (uint64_t)size : 0,
        .ctype = "application/octet-stream",
        .progress = json ? NULL : show_progress,
        .progress_ctx = &prog,
        .timeout_s = timeout,
    };
    static lb_httpc_resp_t resp;
    int rc = lb_httpc_do(&u, &req, &resp);
    fclose(f);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    bool accepted = rc == 0 && resp.status >= 200 && resp.status <= 299;
    follow_t fo;
    if (accepted && wait) {
        if (!json) {
            print_answer(&resp);
            printf("lifeboat push: sent %ld bytes in %.1f s (%.0f KiB/s); following the device\n",
                   size, secs, secs > 0 ? (double)size / 1024.0 / secs : 0.0);
            fflush(stdout);
        }
        push_follow(&u, url, boot0, version, wait, json != 0, &fo);
    }
    if (json) {
        double s = secs;
        bool ok = accepted && (!wait || strcmp(fo.outcome, "confirmed") == 0);
        size_t n = resp.body_len;
        while (rc == 0 && n > 0 && (resp.body[n - 1] == '\n' || resp.body[n - 1] == '\r')) {
            resp.body[--n] = '\0';
        }
        lb_sb_t sb = {0};
        lb_sb_printf(&sb, "{\"url\": ");
        lb_sb_put_json(&sb, url);
        lb_sb_printf(&sb, ", \"image\": ");
        lb_sb_put_json(&sb, image);
        lb_sb_printf(&sb, ", \"bytes\": %ld, \"ok\": %s, \"http_status\": ", size,
                     ok ? "true" : "false");
        if (rc == 0) {
            lb_sb_printf(&sb, "%d, \"answer\": ", resp.status);
            lb_sb_put_json(&sb, resp.body);
            lb_sb_printf(&sb, ", \"error\": null");
        } else {
            lb_sb_printf(&sb, "null, \"answer\": null, \"error\": ");
            lb_sb_put_json(&sb, resp.error);
        }
        lb_sb_printf(&sb, ", \"seconds\": %.3f", s);
        if (accepted && wait) {
            lb_sb_printf(&sb, ", \"followed\": {\"outcome\": \"%s\", \"version\": ", fo.outcome);
            lb_sb_put_json(&sb, fo.version);
            lb_sb_printf(&sb, ", \"slot\": %d, \"state\": ", fo.slot);
            lb_sb_put_json(&sb, fo.state);
            lb_sb_printf(&sb, ", \"seconds\": %.3f, \"line\": ", fo.seconds);
            lb_sb_put_json(&sb, fo.line);
            lb_sb_printf(&sb, "}");
        }
        lb_sb_printf(&sb, "}\n");
        fputs(sb.data != NULL ? sb.data : "", stdout);
        lb_sb_free(&sb);
        return ok ? LB_CLI_EXIT_OK : LB_CLI_EXIT_FAIL;
    }
    if (prog.tty && prog.last >= 0 && prog.last < 100) {
        fputc('\n', stderr);
    }
    if (rc != 0) {
        fprintf(stderr, "lifeboat push: %s\n", resp.error);
        return LB_CLI_EXIT_FAIL;
    }
    if (!wait || !accepted) {
        print_answer(&resp);
    }
    if (!accepted) {
        fprintf(stderr, "lifeboat push: refused by the device (HTTP %d)\n", resp.status);
        return LB_CLI_EXIT_FAIL;
    }
    if (wait) {
        bool ok = strcmp(fo.outcome, "confirmed") == 0;
        fprintf(ok ? stdout : stderr, "lifeboat push: %s\n", fo.line);
        return ok ? LB_CLI_EXIT_OK : LB_CLI_EXIT_FAIL;
    }
    return LB_CLI_EXIT_OK;
}

static int status_usage(FILE *f)
{
    fprintf(f, "usage: lifeboat status --url URL [--user USER --password-file FILE] [--json]\n"
               "  Shows a recovery device's status (GET URL/api/status) as a summary:\n"
               "  product, board, mode, why recovery was entered, reset, versions, one line\n"
               "  per slot (state, version, security counter), credential source, auth\n"
               "  counters and what the nonce key was drawn from. With a login it adds the\n"
               "  update history kept on the device's flash (GET URL/api/history, Digest):\n"
               "  installs, refusals, confirms, rollbacks, recovery entries and credential\n"
               "  changes, newest first, with versions, source and boot count.\n"
               "  --json                 the device's JSON; with a login\n"
               "                         {\"status\": ..., \"history\": [pages...]}\n"
               "  --password PASS        instead of --password-file\n"
               "  --history N            at most N history entries (default 64)\n"
               "  --timeout S            per-operation timeout (default 10)\n");
    return f == stdout ? LB_CLI_EXIT_OK : LB_CLI_EXIT_USAGE;
}

/* Fetches the history pages (newest first) and prints them. Returns an
 * exit status. */
static int show_history(const lb_httpc_url_t *u, const char *user, const char *pass, int timeout,
                        bool json, unsigned max)
{
    static lb_httpc_resp_t resp;
    unsigned long before = 0, shown = 0;
    lb_sb_t sb = {0};
    int rc = LB_CLI_EXIT_OK;
    for (unsigned page = 0; shown < max && page < 64; page++) {
        char path[64];
        snprintf(path, sizeof(path), before ? "/api/history?before=%lu" : "/api/history", before);
        lb_httpc_req_t req = {
            .method = "GET", .path = path, .user = user, .password = pass, .timeout_s = timeout};
        if (lb_httpc_do(u, &req, &resp) != 0) {
            fprintf(stderr, "lifeboat status: history: %s\n", resp.error);
            rc = LB_CLI_EXIT_FAIL;
            break;
        }
        if (resp.status != 200) {
            fprintf(stderr, "lifeboat status: history: HTTP %d %s", resp.status, resp.body);
            rc = LB_CLI_EXIT_FAIL;
            break;
        }
        if (json) {
            printf("%s", page ? "," : "");
            fwrite(resp.body, 1, strcspn(resp.body, "\n"), stdout);
        }
        unsigned long oldest = 0;
        int n = lb_history_summary(resp.body, &sb, &oldest);
        if (n < 0) {
            fprintf(stderr, "lifeboat status: the history answer is not a JSON object\n");
            rc = LB_CLI_EXIT_FAIL;
            break;
        }
        shown += (unsigned long)n;
        if (n == 0 || oldest <= 1) {
            break;
        }
        before = oldest;
    }
    if (!json && !sb.oom) {
        printf("history (newest first):\n%s", sb.data ? sb.data : "");
    }
    lb_sb_free(&sb);
    return rc;
}

int lb_cmd_status(int argc, char **argv)
{
    static const struct option opts[] = {
        {"url", required_argument, NULL, 'u'},
        {"json", no_argument, NULL, 'j'},
        {"user", required_argument, NULL, 'U'},
        {"password", required_argument, NULL, 'P'},
        {"password-file", required_argument, NULL, 'F'},
        {"history", required_argument, NULL, 'H'},
        {"timeout", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *url = NULL, *user = NULL, *pass = NULL, *pass_file = NULL;
    char pass_buf[256];
    bool json = false;
    int timeout = 10, c;
    unsigned max = 64;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        switch (c) {
        case 'u':
            url = optarg;
            break;
        case 'j':
            json = true;
            break;
        case 'U':
            user = optarg;
            break;
        case 'P':
            pass = optarg;
            break;
        case 'F':
            pass_file = optarg;
            break;
        case 'H':
            max = (unsigned)strtoul(optarg, NULL, 10);
            break;
        case 't':
            timeout = atoi(optarg);
            break;
        case 'h':
            return status_usage(stdout);
        default:
            return lb_cli_opt_error("status", STATUS_SYNOPSIS, c, argv);
        }
    }
    if (url == NULL || optind != argc) {
        if (url == NULL) {
            fprintf(stderr, "lifeboat status: missing --url URL\n");
        } else {
            fprintf(stderr, "lifeboat status: unexpected argument '%s'\n", argv[optind]);
        }
        return lb_cli_usage_hint("status", STATUS_SYNOPSIS, NULL, NULL);
    }
    if (user != NULL && pass == NULL && pass_file == NULL) {
        pass =
            lb_cli_password_ask(user, url != NULL ? url : "the device", pass_buf, sizeof(pass_buf));
    }
    if (user != NULL && pass == NULL && pass_file == NULL) {
        fprintf(stderr, "lifeboat status: --user needs --password-file FILE (or "
                        "LIFEBOAT_PASSWORD, or --password)\n");
        return lb_cli_usage_hint("status", STATUS_SYNOPSIS, NULL, NULL);
    }
    if (pass_file != NULL) {
        if (lb_cli_read_line("status", pass_file, pass_buf, sizeof(pass_buf)) != 0) {
            return LB_CLI_EXIT_USAGE;
        }
        pass = pass_buf;
    }
    lb_httpc_url_t u;
    if (lb_httpc_url_parse(url, &u) != 0) {
        fprintf(stderr, "lifeboat status: unsupported URL '%s' (http://host[:port])\n", url);
        return LB_CLI_EXIT_USAGE;
    }
    lb_httpc_req_t req = {.method = "GET", .path = "/api/status", .timeout_s = timeout};
    static lb_httpc_resp_t resp;
    if (lb_httpc_do(&u, &req, &resp) != 0) {
        fprintf(stderr, "lifeboat status: %s\n", resp.error);
        if (json) {
            /* A JSON reader gets an answer too, not silence. */
            lb_sb_t sb = {0};
            lb_sb_printf(&sb, "{\"error\":");
            lb_sb_put_json(&sb, resp.error);
            lb_sb_printf(&sb, ",\"url\":");
            lb_sb_put_json(&sb, url);
            lb_sb_printf(&sb, "}\n");
            if (!sb.oom) {
                fputs(sb.data, stdout);
            }
            lb_sb_free(&sb);
        }
        return LB_CLI_EXIT_FAIL;
    }
    if (resp.status != 200) {
        print_answer(&resp);
        fprintf(stderr, "lifeboat status: HTTP %d\n", resp.status);
        return LB_CLI_EXIT_FAIL;
    }
    if (json) {
        if (user == NULL) {
            print_answer(&resp);
            return LB_CLI_EXIT_OK;
        }
        printf("{\"status\":");
        fwrite(resp.body, 1, strcspn(resp.body, "\n"), stdout);
        printf(",\"history\":[");
        int hrc = show_history(&u, user, pass, timeout, true, max);
        printf("]}\n");
        return hrc;
    }
    lb_sb_t sb = {0};
    int rc = lb_status_summary(resp.body, &sb);
    if (rc == LB_OK && !sb.oom) {
        fputs(sb.data, stdout);
    } else {
        print_answer(&resp);
        fprintf(stderr, "lifeboat status: the answer is not a status object\n");
    }
    lb_sb_free(&sb);
    if (rc != LB_OK) {
        return LB_CLI_EXIT_FAIL;
    }
    return user != NULL ? show_history(&u, user, pass, timeout, false, max) : LB_CLI_EXIT_OK;
}

/* ---- lifeboat credential ---------------------------------------------- */

static int credential_usage(FILE *f)
{
    fprintf(f, "usage: lifeboat credential --url URL --user USER --password-file FILE\n"
               "                           --new-user USER --new-password-file FILE\n"
               "                           [--new-realm REALM]\n"
               "  Replaces the login of a device in recovery (POST URL/api/credential,\n"
               "  authenticated with the current login). The new HA1 =\n"
               "  SHA-256(user:realm:password) travels sealed: encrypted and authenticated\n"
               "  under a key derived from the current login and this request's Digest\n"
               "  nonces (docs/SPEC.md, \"Sealed credential\"), so neither the password\n"
               "  nor its hash can be read off the network. The realm stays the device's\n"
               "  unless --new-realm is given. Needs a layout with a `credential`\n"
               "  partition. Exit 0 when the device replaced it.\n"
               "  --password PASS / --new-password PASS   instead of the files\n"
               "  --timeout S                             per-operation timeout (default 10)\n");
    return f == stdout ? LB_CLI_EXIT_OK : LB_CLI_EXIT_USAGE;
}

typedef struct {
    const char *user, *password; /* the current login */
    const char *new_user, *new_password, *new_realm;
    FILE *body;
    size_t body_len;
} seal_ctx_t;

static size_t seal_body_len(const seal_ctx_t *s, const char *realm)
{
    return strlen("user=&realm=&sealed=") + strlen(s->new_user) + strlen(realm) +
           2 * LB_CRED_SEALED_SIZE;
}

/* Builds the body for this challenge: the current HA1 from its realm, the
 * new credential sealed under it, the nonce and our cnonce. */
static int seal_body(const char *challenge, const char *cnonce, void *ctx)
{
    seal_ctx_t *s = ctx;
    static lb_digest_t d;
    if (lb_digest_parse(challenge, &d) != 0 || d.nonce[0] == '\0' || d.realm[0] == '\0') {
        return -1;
    }
    const char *realm = s->new_realm != NULL ? s->new_realm : d.realm;
    lb_cred_t nc;
    memset(&nc, 0, sizeof(nc));
    uint8_t cur[LB_CRED_HA1_SIZE];
    /* lb_cred_name_ok bounds the lengths (1..LB_CRED_NAME_MAX) too. */
    if (!lb_cred_name_ok(s->new_user) || !lb_cred_name_ok(realm) ||
        seal_body_len(s, realm) != s->body_len ||
        lb_cli_ha1(s->user, d.realm, s->password, cur) != 0) {
        return -1;
    }
    strcpy(nc.user, s->new_user);
    strcpy(nc.realm, realm);
    if (lb_cli_ha1(nc.user, nc.realm, s->new_password, nc.ha1) != 0) {
        return -1;
    }
    uint8_t sealed[LB_CRED_SEALED_SIZE];
    int rc = lb_cred_seal(cur, d.nonce, cnonce, &nc, sealed);
    memset(cur, 0, sizeof(cur));
    memset(nc.ha1, 0, sizeof(nc.ha1));
    if (rc != 0 || ftruncate(fileno(s->body), 0) != 0) {
        return -1;
    }
    rewind(s->body);
    fprintf(s->body, "user=%s&realm=%s&sealed=", nc.user, nc.realm);
    for (unsigned i = 0; i < LB_CRED_SEALED_SIZE; i++) {
        fprintf(s->body, "%02x", sealed[i]);
    }
    fflush(s->body);
    rewind(s->body);
    return ferror(s->body) ? -1 : 0;
}

int lb_cmd_credential(int argc, char **argv)
{
    static const struct option opts[] = {
        {"url", required_argument, NULL, 'u'},
        {"user", required_argument, NULL, 'U'},
        {"password", required_argument, NULL, 'P'},
        {"password-file", required_argument, NULL, 'F'},
        {"new-user", required_argument, NULL, 'n'},
        {"new-password", required_argument, NULL, 'p'},
        {"new-password-file", required_argument, NULL, 'f'},
        {"new-realm", required_argument, NULL, 'r'},
        {"timeout", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *url = NULL, *pass_file = NULL, *new_pass_file = NULL;
    seal_ctx_t s = {0};
    char pass_buf[256], new_buf[256];
    int timeout = 10, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        switch (c) {
        case 'u':
            url = optarg;
            break;
        case 'U':
            s.user = optarg;
            break;
        case 'P':
            s.password = optarg;
            break;
        case 'F':
            pass_file = optarg;
            break;
        case 'n':
            s.new_user = optarg;
            break;
        case 'p':
            s.new_password = optarg;
            break;
        case 'f':
            new_pass_file = optarg;
            break;
        case 'r':
            s.new_realm = optarg;
            break;
        case 't':
            timeout = atoi(optarg);
            break;
        case 'h':
            return credential_usage(stdout);
        default:
            return lb_cli_opt_error("credential", CREDENTIAL_SYNOPSIS, c, argv);
        }
    }
    const char *missing = url == NULL                               ? "--url URL"
                          : s.user == NULL                          ? "--user USER"
                          : s.password == NULL && pass_file == NULL ? "--password-file FILE"
                          : s.new_user == NULL                      ? "--new-user USER"
                          : s.new_password == NULL && new_pass_file == NULL
                              ? "--new-password-file FILE"
                              : NULL;
    if (missing != NULL || optind != argc) {
        if (missing != NULL) {
            fprintf(stderr, "lifeboat credential: missing %s\n", missing);
        } else {
            fprintf(stderr, "lifeboat credential: unexpected argument '%s'\n", argv[optind]);
        }
        return lb_cli_usage_hint("credential", CREDENTIAL_SYNOPSIS, NULL, NULL);
    }
    if ((pass_file != NULL &&
         lb_cli_read_line("credential", pass_file, pass_buf, sizeof(pass_buf))) ||
        (new_pass_file != NULL &&
         lb_cli_read_line("credential", new_pass_file, new_buf, sizeof(new_buf)))) {
        return LB_CLI_EXIT_USAGE;
    }
    s.password = pass_file != NULL ? pass_buf : s.password;
    s.new_password = new_pass_file != NULL ? new_buf : s.new_password;
    if (s.new_password[0] == '\0' || !lb_cred_name_ok(s.new_user) ||
        (s.new_realm != NULL && !lb_cred_name_ok(s.new_realm))) {
        fprintf(stderr,
                "lifeboat credential: user and realm are 1-%u printable characters without "
                "space, quote or backslash; the password is not empty\n",
                LB_CRED_NAME_MAX);
        return LB_CLI_EXIT_USAGE;
    }
    lb_httpc_url_t u;
    if (lb_httpc_url_parse(url, &u) != 0) {
        fprintf(stderr, "lifeboat credential: unsupported URL '%s' (http://host[:port])\n", url);
        return LB_CLI_EXIT_USAGE;
    }
    /* The body's length must be known before the challenge: it depends on
     * the realm, so the device's realm is asked first when not given. */
    static lb_httpc_resp_t resp;
    char realm[LB_CRED_NAME_MAX + 1];
    if (s.new_realm == NULL) {
        lb_httpc_req_t sreq = {.method = "GET", .path = "/api/status", .timeout_s = timeout};
        const char *auth;
        if (lb_httpc_do(&u, &sreq, &resp) != 0 || resp.status != 200 ||
            (auth = lb_json_member(resp.body, "auth")) == NULL ||
            !lb_json_text(lb_json_member(auth, "realm"), realm, sizeof(realm)) ||
            !lb_cred_name_ok(realm)) {
            fprintf(stderr, "lifeboat credential: cannot read the device's realm (%s)\n",
                    resp.status ? "its status has none" : resp.error);
            return LB_CLI_EXIT_FAIL;
        }
        s.new_realm = realm;
    }
    s.body = tmpfile();
    if (s.body == NULL) {
        fprintf(stderr, "lifeboat credential: no temporary file\n");
        return LB_CLI_EXIT_FAIL;
    }
    s.body_len = seal_body_len(&s, s.new_realm);
    lb_httpc_req_t req = {
        .method = "POST",
        .path = "/api/credential",
        .user = s.user,
        .password = s.password,
        .body = s.body,
        .body_len = s.body_len,
        .ctype = "application/x-www-form-urlencoded",
        .timeout_s = timeout,
        .before_auth = seal_body,
        .before_auth_ctx = &s,
    };
    int rc = lb_httpc_do(&u, &req, &resp);
    fclose(s.body);
    memset(pass_buf, 0, sizeof(pass_buf));
    memset(new_buf, 0, sizeof(new_buf));
    if (rc != 0) {
        fprintf(stderr, "lifeboat credential: %s\n", resp.error);
        return LB_CLI_EXIT_FAIL;
    }
    print_answer(&resp);
    if (resp.status != 200) {
        fprintf(stderr, "lifeboat credential: refused by the device (HTTP %d)\n", resp.status);
        return LB_CLI_EXIT_FAIL;
    }
    return LB_CLI_EXIT_OK;
}
