#include "ytree.h"

#include <stdlib.h>
#include <string.h>
#include <yaml.h>

static lb_ynode_t *node_new(lb_ykind_t kind, const yaml_mark_t *m)
{
    lb_ynode_t *n = calloc(1, sizeof(*n));
    if (n) {
        n->kind = kind;
        n->line = (unsigned)m->line + 1;
        n->col = (unsigned)m->column + 1;
    }
    return n;
}

void lb_ytree_free(lb_ynode_t *n)
{
    if (!n) {
        return;
    }
    for (size_t i = 0; i < n->count; i++) {
        if (n->keys) {
            lb_ytree_free(n->keys[i]);
        }
        lb_ytree_free(n->items[i]);
    }
    free(n->keys);
    free(n->items);
    free(n->str);
    free(n);
}

/* Appends a child (and for maps its key). Returns 0 on allocation failure. */
static int add_child(lb_ynode_t *parent, lb_ynode_t *key, lb_ynode_t *val)
{
    size_t n = parent->count + 1;
    lb_ynode_t **items = realloc(parent->items, n * sizeof(*items));
    if (!items) {
        return 0;
    }
    parent->items = items;
    if (parent->kind == LB_Y_MAP) {
        lb_ynode_t **keys = realloc(parent->keys, n * sizeof(*keys));
        if (!keys) {
            return 0;
        }
        parent->keys = keys;
        parent->keys[parent->count] = key;
    }
    parent->items[parent->count] = val;
    parent->count = n;
    return 1;
}

typedef struct {
    yaml_parser_t parser;
    lb_diag_t *d;
    int failed;
} builder_t;

static void syntax_error(builder_t *b)
{
    const yaml_parser_t *p = &b->parser;
    const yaml_mark_t *m = &p->problem_mark;
    if (p->error == YAML_MEMORY_ERROR) {
        lb_diag_add(b->d, 0, 0, "out of memory while reading YAML");
    } else if (p->context) {
        lb_diag_add(b->d, (unsigned)m->line + 1, (unsigned)m->column + 1,
                    "YAML syntax error: %s (%s that starts at line %u)",
                    p->problem ? p->problem : "error", p->context,
                    (unsigned)p->context_mark.line + 1);
    } else {
        lb_diag_add(b->d, (unsigned)m->line + 1, (unsigned)m->column + 1, "YAML syntax error: %s",
                    p->problem ? p->problem : "error");
    }
    b->failed = 1;
}

/* Reads one node whose first event is `ev` (consumed here). Returns the
 * node, or NULL with b->failed set. */
static lb_ynode_t *build_node(builder_t *b, yaml_event_t *ev, unsigned depth)
{
    lb_ynode_t *n = NULL;
    if (depth > LB_YTREE_MAX_DEPTH) {
        lb_diag_add(b->d, (unsigned)ev->start_mark.line + 1, (unsigned)ev->start_mark.column + 1,
                    "nesting deeper than %u levels", LB_YTREE_MAX_DEPTH);
        yaml_event_delete(ev);
        b->failed = 1;
        return NULL;
    }
    switch (ev->type) {
    case YAML_ALIAS_EVENT:
        lb_diag_add(b->d, (unsigned)ev->start_mark.line + 1, (unsigned)ev->start_mark.column + 1,
                    "YAML aliases (*name) are not supported in a layout");
        b->failed = 1;
        yaml_event_delete(ev);
        return NULL;
    case YAML_SCALAR_EVENT:
        if (ev->data.scalar.anchor) {
            lb_diag_add(b->d, (unsigned)ev->start_mark.line + 1,
                        (unsigned)ev->start_mark.column + 1,
                        "YAML anchors (&name) are not supported in a layout");
            b->failed = 1;
        }
        n = node_new(LB_Y_SCALAR, &ev->start_mark);
        if (n) {
            n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
            n->str = malloc(ev->data.scalar.length + 1);
            if (n->str) {
                memcpy(n->str, ev->data.scalar.value, ev->data.scalar.length);
                n->str[ev->data.scalar.length] = '\0';
                /* An embedded NUL would silently truncate every later
                 * check: refuse it. */
                if (strlen(n->str) != ev->data.scalar.length) {
                    lb_diag_add(b->d, n->line, n->col, "NUL character in a value");
                    b->failed = 1;
                }
            } else {
                b->failed = 1;
            }
        } else {
            b->failed = 1;
        }
        yaml_event_delete(ev);
        return n;
    case YAML_MAPPING_START_EVENT:
    case YAML_SEQUENCE_START_EVENT: {
        int is_map = ev->type == YAML_MAPPING_START_EVENT;
        const yaml_char_t *anchor =
            is_map ? ev->data.mapping_start.anchor : ev->data.sequence_start.anchor;
        if (anchor) {
            lb_diag_add(b->d, (unsigned)ev->start_mark.line + 1,
                        (unsigned)ev->start_mark.column + 1,
                        "YAML anchors (&name) are not supported in a layout");
            b->failed = 1;
        }
        n = node_new(is_map ? LB_Y_MAP : LB_Y_SEQ, &ev->start_mark);
        yaml_event_delete(ev);
        if (!n) {
            b->failed = 1;
            return NULL;
        }
        yaml_event_type_t end = is_map ? YAML_MAPPING_END_EVENT : YAML_SEQUENCE_END_EVENT;
        for (;;) {
            yaml_event_t cev;
            if (!yaml_parser_parse(&b->parser, &cev)) {
                syntax_error(b);
                lb_ytree_free(n);
                return NULL;
            }
            if (cev.type == end) {
                yaml_event_delete(&cev);
                return n;
            }
            lb_ynode_t *key = NULL;
            if (is_map) {
                key = build_node(b, &cev, depth + 1);
                if (!key) {
                    lb_ytree_free(n);
                    return NULL;
                }
                if (!yaml_parser_parse(&b->parser, &cev)) {
                    syntax_error(b);
                    lb_ytree_free(key);
                    lb_ytree_free(n);
                    return NULL;
                }
            }
            lb_ynode_t *val = build_node(b, &cev, depth + 1);
            if (!val || !add_child(n, key, val)) {
                lb_ytree_free(key);
                lb_ytree_free(val);
                lb_ytree_free(n);
                b->failed = 1;
                return NULL;
            }
        }
    }
    default:
        /* Stream/document events cannot start a node. */
        lb_diag_add(b->d, (unsigned)ev->start_mark.line + 1, (unsigned)ev->start_mark.column + 1,
                    "unexpected YAML event");
        yaml_event_delete(ev);
        b->failed = 1;
        return NULL;
    }
}

lb_ynode_t *lb_ytree_parse(const char *text, size_t len, lb_diag_t *d)
{
    if (len > LB_YTREE_MAX_INPUT) {
        lb_diag_add(d, 0, 0, "file larger than %u bytes", LB_YTREE_MAX_INPUT);
        return NULL;
    }
    builder_t b = {.d = d};
    if (!yaml_parser_initialize(&b.parser)) {
        lb_diag_add(d, 0, 0, "cannot initialise the YAML parser");
        return NULL;
    }
    yaml_parser_set_input_string(&b.parser, (const unsigned char *)text, len);
    lb_ynode_t *root = NULL;
    int docs = 0;
    for (;;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&b.parser, &ev)) {
            syntax_error(&b);
            break;
        }
        if (ev.type == YAML_STREAM_END_EVENT) {
            yaml_event_delete(&ev);
            break;
        }
        if (ev.type == YAML_STREAM_START_EVENT || ev.type == YAML_DOCUMENT_END_EVENT) {
            yaml_event_delete(&ev);
            continue;
        }
        if (ev.type == YAML_DOCUMENT_START_EVENT) {
            if (++docs > 1) {
                lb_diag_add(d, (unsigned)ev.start_mark.line + 1, (unsigned)ev.start_mark.column + 1,
                            "more than one YAML document in a layout");
                yaml_event_delete(&ev);
                b.failed = 1;
                break;
            }
            yaml_event_delete(&ev);
            continue;
        }
        lb_ynode_t *n = build_node(&b, &ev, 0);
        if (!n) {
            break;
        }
        root = n;
    }
    yaml_parser_delete(&b.parser);
    if (b.failed) {
        lb_ytree_free(root);
        return NULL;
    }
    if (!root) {
        lb_diag_add(d, 1, 1, "empty layout (no YAML document)");
    }
    return root;
}

int lb_ytree_is_null(const lb_ynode_t *n)
{
    return n->kind == LB_Y_SCALAR && n->plain &&
           (n->str[0] == '\0' || strcmp(n->str, "~") == 0 || strcmp(n->str, "null") == 0 ||
            strcmp(n->str, "Null") == 0 || strcmp(n->str, "NULL") == 0);
}

const char *lb_ytree_kind(const lb_ynode_t *n)
{
    if (n->kind == LB_Y_MAP) {
        return "a mapping";
    }
    if (n->kind == LB_Y_SEQ) {
        return "a list";
    }
    return lb_ytree_is_null(n) ? "nothing" : "a scalar";
}
