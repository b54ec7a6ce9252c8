#include "history.h"

#include <string.h>

#include "auth/digest.h"
#include "http/http.h"
#include "lb/board.h"
#include "lb/bootinfo.h"
#include "lb/err.h"
#include "lb_app.h"
#include "partitions.h"

#ifdef LB_PART_HISTORY_OFFSET
static int area(lb_flash_area_t *fa)
{
    return lb_flash_area_init(fa, lb_board_flash_geom(), LB_PART_HISTORY_OFFSET,
                              LB_PART_HISTORY_SIZE);
}
#endif

static void field(lb_out_t *o, const char *name, uint32_t v)
{
    lb_out_str(o, ",\"");
    lb_out_str(o, name);
    lb_out_str(o, "\":");
    lb_out_u32(o, v);
}

static void ipv4(lb_out_t *o, const char *name, uint32_t a)
{
    lb_out_str(o, ",\"");
    lb_out_str(o, name);
    lb_out_str(o, "\":\"");
    for (int i = 3; i >= 0; i--) {
        lb_out_u32(o, (a >> (8 * i)) & 0xFFu);
        lb_out_str(o, i ? "." : "\"");
    }
}

#ifdef LB_PART_HISTORY_OFFSET
/* The longest entry: every field at its widest (10-digit numbers, the
 * longest event, source, reason and error names, a full address), plus
 * the document's frame and four audit entries of at most 100 bytes. */
#define ENTRY_MAX 256u
#define AUDIT_SHOWN 4u
_Static_assert(LB_HISTORY_PAGE *ENTRY_MAX + AUDIT_SHOWN * 112u + 64u <= LB_HISTORY_DOC_MAX,
               "the longest history page fits the server's buffer");

/* The newest entries older than `before`, kept while walking. */
typedef struct {
    uint32_t before;
    unsigned n, head;
    uint32_t total;
    lb_hist_entry_t e[LB_HISTORY_PAGE];
} page_t;

static int keep(const lb_hist_entry_t *e, void *ctx)
{
    page_t *p = ctx;
    p->total++;
    if (p->before == 0 || e->seq < p->before) {
        p->e[p->head] = *e;
        p->head = (p->head + 1) % LB_HISTORY_PAGE;
        p->n += p->n < LB_HISTORY_PAGE;
    }
    return 0;
}

static void entry(lb_out_t *o, const lb_hist_entry_t *e, bool first)
{
    lb_out_str(o, first ? "{\"seq\":" : ",{\"seq\":");
    lb_out_u32(o, e->seq);
    field(o, "boot_count", e->boot_count);
    lb_out_str(o, ",\"event\":");
    lb_out_json_str(o, lb_hist_event_name(e->event));
    lb_out_str(o, ",\"source\":");
    lb_out_json_str(o, lb_hist_source_name(e->source));
    if (e->slot != LB_HIST_SLOT_NONE) {
        field(o, "slot", e->slot);
    }
    if (e->event == LB_HIST_RECOVERY || e->event == LB_HIST_ROLLBACK) {
        lb_out_str(o, ",\"reason\":");
        lb_out_json_str(o, lb_boot_reason_name(e->detail));
    }
    if (e->event != LB_HIST_RECOVERY && e->event != LB_HIST_CREDENTIAL) {
        lb_out_str(o, ",\"version\":\"");
        lb_out_version(o, &e->version, true);
        lb_out_str(o, "\"");
        field(o, "security_counter", e->security_counter);
    }
    if (e->event == LB_HIST_REFUSED) {
        lb_out_str(o, ",\"why\":");
        lb_out_json_str(o, lb_err_str(e->code));
    }
    if (e->client != 0) {
        ipv4(o, "client", e->client);
    }
    lb_out_str(o, "}");
}
#endif

size_t lb_history_json(char *buf, size_t cap, uint32_t before)
{
    lb_out_t o;
    lb_out_init(&o, buf, cap);
#ifdef LB_PART_HISTORY_OFFSET
    page_t p; /* on the stack: never under the verifier's peak */
    memset(&p, 0, sizeof(p));
    p.before = before;
    lb_flash_area_t fa;
    lb_rlog_t l;
    int err = area(&fa);
    if (err == LB_OK) {
        err = lb_hist_open(&l, &fa);
    }
    if (err == LB_OK) {
        err = lb_hist_visit(&l, keep, &p);
    }
    if (err != LB_OK) {
        lb_out_str(&o, "{\"history_error\":");
        lb_out_json_str(&o, lb_err_str(err));
    } else {
        lb_out_str(&o, "{\"total\":");
        lb_out_u32(&o, p.total);
        lb_out_str(&o, ",\"history\":[");
        for (unsigned i = 0; i < p.n; i++) {
            entry(&o, &p.e[(p.head + LB_HISTORY_PAGE - 1 - i) % LB_HISTORY_PAGE], i == 0);
        }
        lb_out_str(&o, "]");
    }
#else
    (void)before;
    lb_out_str(&o, "{\"history_error\":\"this layout has no history partition\"");
#endif
    /* This boot's authentication events (RAM only), on the first page. */
    lb_out_str(&o, ",\"audit\":[");
    lb_audit_entry_t a;
    for (unsigned i = 0; before == 0 && i < AUDIT_SHOWN && lb_audit_get(i, &a) == 0; i++) {
        lb_out_str(&o, i ? ",{\"seq\":" : "{\"seq\":");
        lb_out_u32(&o, a.seq);
        field(&o, "t_ms", a.t_ms);
        lb_out_str(&o, ",\"event\":");
        lb_out_json_str(&o, lb_audit_event_name(a.event));
        ipv4(&o, "client", a.client);
        lb_out_str(&o, ",\"detail\":");
        if (a.detail < 0) {
            lb_out_str(&o, "-");
            lb_out_u32(&o, (uint32_t)(-(int32_t)a.detail));
        } else {
            lb_out_u32(&o, (uint32_t)a.detail);
        }
        lb_out_str(&o, "}");
    }
    lb_out_str(&o, "]}\n");
    return o.overflow ? 0 : o.len;
}
