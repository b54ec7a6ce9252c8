/* Helpers every `lifeboat` subcommand shares (cli.h). */
#include "cli.h"

#include "auth/digest.h"

#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

int lb_cli_usage_hint(const char *cmd, const char *usage, const char *what, const char *arg)
{
    if (what != NULL) {
        fprintf(stderr, "lifeboat %s: %s", cmd, what);
        if (arg != NULL) {
            fprintf(stderr, " '%s'", arg);
        }
        fputc('\n', stderr);
    }
    /* The synopsis's first line only: the whole text is one command away. */
    size_t n = strcspn(usage, "\n");
    fprintf(stderr, "usage: lifeboat %s %.*s%s (lifeboat help %s)\n", cmd, (int)n, usage,
            usage[n] != '\0' ? " ..." : "", cmd);
    return LB_CLI_EXIT_USAGE;
}

int lb_cli_opt_error(const char *cmd, const char *usage, int c, char **argv)
{
    return lb_cli_usage_hint(cmd, usage, c == ':' ? "this option needs a value:" : "unknown option",
                             argv[optind - 1]);
}

int lb_cli_ha1(const char *user, const char *realm, const char *password,
               uint8_t ha1[LB_CRED_HA1_SIZE])
{
    char hex[65];
    const char *parts[] = {user, realm, password};
    if (lb_digest_h(hex, parts, 3) != 0) {
        return -1;
    }
    for (unsigned i = 0; i < LB_CRED_HA1_SIZE; i++) {
        unsigned v;
        if (sscanf(hex + 2 * i, "%2x", &v) != 1) {
            return -1;
        }
        ha1[i] = (uint8_t)v;
    }
    memset(hex, 0, sizeof(hex));
    return 0;
}

uint8_t *lb_cli_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }
    size_t cap = 65536, n = 0;
    uint8_t *buf = malloc(cap);
    while (buf != NULL) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap) {
            break;
        }
        if (cap >= LB_CLI_MAX_FILE) {
            free(buf);
            buf = NULL;
            errno = EFBIG;
            break;
        }
        uint8_t *nb = realloc(buf, cap * 2);
        if (nb == NULL) {
            free(buf);
        }
        buf = nb;
        cap *= 2;
    }
    if (buf != NULL && ferror(f)) {
        free(buf);
        buf = NULL;
        errno = EIO;
    }
    fclose(f);
    *len = n;
    return buf;
}

const char *lb_cli_password_ask(const char *user, const char *url, char *buf, size_t cap)
{
    const char *env = getenv("LIFEBOAT_PASSWORD");
    if (env != NULL) {
        return env;
    }
    if (!isatty(STDIN_FILENO) || cap < 2) {
        return NULL;
    }
    FILE *tty = fopen("/dev/tty", "r+");
    if (tty == NULL) {
        return NULL;
    }
    int fd = fileno(tty);
    struct termios old, quiet;
    bool echo_off = tcgetattr(fd, &old) == 0;
    if (echo_off) {
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        quiet.c_lflag |= ECHONL; /* the Enter still ends the line on screen */
        echo_off = tcsetattr(fd, TCSAFLUSH, &quiet) == 0;
    }
    fprintf(tty, "Password for %s at %s: ", user, url);
    fflush(tty);
    int rc = fgets(buf, (int)cap, tty) != NULL ? 0 : -1;
    if (echo_off) {
        (void)tcsetattr(fd, TCSAFLUSH, &old);
    }
    fclose(tty);
    if (rc != 0) {
        return NULL;
    }
    buf[strcspn(buf, "\r\n")] = '\0';
    return buf;
}
