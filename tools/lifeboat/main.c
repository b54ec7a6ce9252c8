/* `lifeboat` — the host CLI: dispatches to one subcommand. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

#ifndef LB_TOOL_VERSION
#define LB_TOOL_VERSION "0.1.0"
#endif

typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} lb_cli_cmd_t;

static const lb_cli_cmd_t lb_cli_cmds[] = {
#define LB_CMD(name, summary) {#name, lb_cmd_##name, summary},
#include "commands.def"
#undef LB_CMD
};

static void usage(FILE *f)
{
    fprintf(f, "usage: lifeboat <command> [options] [args]\n\n"
               "Host tool for lifeboat layouts, images and devices.\n\ncommands:\n");
    for (size_t i = 0; i < sizeof(lb_cli_cmds) / sizeof(lb_cli_cmds[0]); i++) {
        fprintf(f, "  %-9s %s\n", lb_cli_cmds[i].name, lb_cli_cmds[i].summary);
    }
    fprintf(f, "\nRun 'lifeboat help <command>' (or 'lifeboat <command> --help') for a "
               "command's options.\n");
}

static const lb_cli_cmd_t *find(const char *name)
{
    for (size_t i = 0; i < sizeof(lb_cli_cmds) / sizeof(lb_cli_cmds[0]); i++) {
        if (strcmp(name, lb_cli_cmds[i].name) == 0) {
            return &lb_cli_cmds[i];
        }
    }
    return NULL;
}

int main(int argc, char **argv)
{
    opterr = 0; /* every subcommand reports its own option errors, one style */
    if (argc < 2) {
        usage(stderr);
        return LB_CLI_EXIT_USAGE;
    }
    if (strcmp(argv[1], "help") == 0 && argc == 3) {
        /* `lifeboat help CMD` is `lifeboat CMD --help`. */
        const lb_cli_cmd_t *c = find(argv[2]);
        if (c == NULL) {
            fprintf(stderr, "lifeboat help: unknown command '%s' (lifeboat help lists them)\n",
                    argv[2]);
            return LB_CLI_EXIT_USAGE;
        }
        char *sub[] = {argv[2], "--help", NULL};
        return c->run(2, sub);
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return LB_CLI_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("lifeboat %s\n", LB_TOOL_VERSION);
        return LB_CLI_EXIT_OK;
    }
    const lb_cli_cmd_t *c = find(argv[1]);
    if (c != NULL) {
        return c->run(argc - 1, argv + 1);
    }
    fprintf(stderr, "lifeboat: unknown command '%s' (lifeboat help lists them)\n", argv[1]);
    return LB_CLI_EXIT_USAGE;
}
