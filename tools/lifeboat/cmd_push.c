/* `lifeboat push` and `lifeboat status`: talk to a device in recovery. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "httpc.h"
#include "lb/err.h"
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

static int push_usage(FILE *f)
{
    fprintf(f, "usage: lifeboat push --url URL --user USER --password PASS IMAGE\n"
               "  Uploads a signed image to a device in recovery (POST URL/api/update with\n"
               "  HTTP Digest authentication) and prints the device's answer. Exit 0 when\n"
               "  the device accepted the image, 1 when it refused or could not be reached.\n"
               "  --password-file FILE  read the password from FILE instead\n"
               "  --timeout S           per-operation timeout (default 30)\n");
    return f == stdout ? LB_CLI_EXIT_OK : LB_CLI_EXIT_USAGE;
}

int lb_cmd_push(int argc, char **argv)
{
    static const struct option opts[] = {
        {"url", required_argument, NULL, 'u'},
        {"user", required_argument, NULL, 'U'},
        {"password", required_argument, NULL, 'P'},
        {"password-file", required_argument, NULL, 'F'},
        {"timeout", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *url = NULL, *user = NULL, *pass = NULL, *pass_file = NULL;
    char pass_buf[256];
    int timeout = 30, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
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
        case 'h':
            return push_usage(stdout);
        default:
            return push_usage(stderr);
        }
    }
    const char *missing = url == NULL    ? "--url URL"
                          : user == NULL ? "--user USER"
                          : pass == NULL && pass_file == NULL
                              ? "--password PASS or --password-file FILE"
                          : optind == argc ? "the IMAGE to upload"
                                           : NULL;
    if (missing != NULL) {
        fprintf(stderr, "lifeboat push: missing %s\n", missing);
        return push_usage(stderr);
    }
    if (optind != argc - 1) {
        fprintf(stderr, "lifeboat push: one IMAGE only (unexpected '%s')\n", argv[optind + 1]);
        return push_usage(stderr);
    }
    if (pass_file != NULL) {
        FILE *pf = fopen(pass_file, "r");
        if (pf == NULL || fgets(pass_buf, sizeof(pass_buf), pf) == NULL) {
            fprintf(stderr, "lifeboat push: cannot read %s\n", pass_file);
            if (pf) {
                fclose(pf);
            }
            return LB_CLI_EXIT_USAGE;
        }
        fclose(pf);
        pass_buf[strcspn(pass_buf, "\r\n")] = '\0';
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
    progress_t prog = {isatty(STDERR_FILENO) != 0, -1};
    lb_httpc_req_t req = {
        .method = "POST",
        .path = "/api/update",
        .user = user,
        .password = pass,
        .body = f,
        .body_len = size > 0 ? (uint64_t)size : 0,
        .ctype = "application/octet-stream",
        .progress = show_progress,
        .progress_ctx = &prog,
        .timeout_s = timeout,
    };
    static lb_httpc_resp_t resp;
    int rc = lb_httpc_do(&u, &req, &resp);
    fclose(f);
    if (prog.tty && prog.last >= 0 && prog.last < 100) {
        fputc('\n', stderr);
    }
    if (rc != 0) {
        fprintf(stderr, "lifeboat push: %s\n", resp.error);
        return LB_CLI_EXIT_FAIL;
    }
    print_answer(&resp);
    if (resp.status < 200 || resp.status > 299) {
        fprintf(stderr, "lifeboat push: refused by the device (HTTP %d)\n", resp.status);
        return LB_CLI_EXIT_FAIL;
    }
    return LB_CLI_EXIT_OK;
}

static int status_usage(FILE *f)
{
    fprintf(f, "usage: lifeboat status --url URL [--json]\n"
               "  Shows a recovery device's status (GET URL/api/status) as a summary:\n"
               "  product, board, mode, why recovery was entered, reset, versions, one line\n"
               "  per slot (state, version, security counter), credential source and auth\n"
               "  counters. --json prints the device's JSON unchanged (with the audit log).\n");
    return f == stdout ? LB_CLI_EXIT_OK : LB_CLI_EXIT_USAGE;
}

int lb_cmd_status(int argc, char **argv)
{
    static const struct option opts[] = {
        {"url", required_argument, NULL, 'u'},
        {"json", no_argument, NULL, 'j'},
        {"timeout", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *url = NULL;
    bool json = false;
    int timeout = 10, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'u':
            url = optarg;
            break;
        case 'j':
            json = true;
            break;
        case 't':
            timeout = atoi(optarg);
            break;
        case 'h':
            return status_usage(stdout);
        default:
            return status_usage(stderr);
        }
    }
    if (url == NULL || optind != argc) {
        if (url == NULL) {
            fprintf(stderr, "lifeboat status: missing --url URL\n");
        } else {
            fprintf(stderr, "lifeboat status: unexpected argument '%s'\n", argv[optind]);
        }
        return status_usage(stderr);
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
        return LB_CLI_EXIT_FAIL;
    }
    if (resp.status != 200) {
        print_answer(&resp);
        fprintf(stderr, "lifeboat status: HTTP %d\n", resp.status);
        return LB_CLI_EXIT_FAIL;
    }
    if (json) {
        print_answer(&resp);
        return LB_CLI_EXIT_OK;
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
    return rc == LB_OK ? LB_CLI_EXIT_OK : LB_CLI_EXIT_FAIL;
}
