/* A small YAML document tree built from libyaml's event stream, keeping the
 * line and column of every node so that the validator can point at the
 * exact place of each problem. Only what a layout needs: one document of
 * mappings, sequences and scalars; anchors/aliases are refused (no
 * expansion bombs from untrusted files). */
#ifndef LB_YTREE_H
#define LB_YTREE_H

#include <stddef.h>

#include "diag.h"

#define LB_YTREE_MAX_DEPTH 16u
#define LB_YTREE_MAX_INPUT (1u << 20) /* bytes; a layout is a few hundred */

typedef enum { LB_Y_SCALAR, LB_Y_MAP, LB_Y_SEQ } lb_ykind_t;

typedef struct lb_ynode lb_ynode_t;

struct lb_ynode {
    lb_ykind_t kind;
    unsigned line, col; /* 1-based start of the node */
    char *str;          /* scalar text (NUL-terminated); NULL otherwise */
    int plain;          /* scalar was unquoted */
    /* MAP: keys[i] -> items[i]; SEQ: items[i] (keys NULL). */
    size_t count;
    lb_ynode_t **keys;
    lb_ynode_t **items;
};

/* Parses `len` bytes of YAML. Returns the root node (caller frees with
 * lb_ytree_free), or NULL after adding located errors to `d`. */
lb_ynode_t *lb_ytree_parse(const char *text, size_t len, lb_diag_t *d);

/* Frees a tree (NULL is fine). */
void lb_ytree_free(lb_ynode_t *n);

/* True for a plain scalar that YAML reads as null: empty, `~`, `null`. */
int lb_ytree_is_null(const lb_ynode_t *n);

/* Lower-case description of a node's kind for messages ("a mapping", ...). */
const char *lb_ytree_kind(const lb_ynode_t *n);

#endif
