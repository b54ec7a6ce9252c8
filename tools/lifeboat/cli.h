/* Shared declarations of the `lifeboat` CLI. */
#ifndef LB_CLI_H
#define LB_CLI_H

#define LB_CLI_EXIT_OK 0
#define LB_CLI_EXIT_FAIL 1
#define LB_CLI_EXIT_USAGE 2

#define LB_CMD(name, summary) int lb_cmd_##name(int argc, char **argv);
#include "commands.def"
#undef LB_CMD

#endif
