#include "lb/history.h"

#include <string.h>

#include "lb/err.h"
#include "lb/record.h"

enum { O_RESERVED = 40 };

static const lb_field_t fields[] = {
    LB_FIELD(8, lb_hist_entry_t, seq),
    LB_FIELD(12, lb_hist_entry_t, boot_count),
    LB_FIELD(16, lb_hist_entry_t, event),
    LB_FIELD(17, lb_hist_entry_t, source),
    LB_FIELD(18, lb_hist_entry_t, slot),
    LB_FIELD(19, lb_hist_entry_t, detail),
    LB_FIELD(20, lb_hist_entry_t, code),
    LB_FIELD(24, lb_hist_entry_t, version.major),
    LB_FIELD(25, lb_hist_entry_t, version.minor),
    LB_FIELD(26, lb_hist_entry_t, version.revision),
    LB_FIELD(28, lb_hist_entry_t, version.build),
    LB_FIELD(32, lb_hist_entry_t, security_counter),
    LB_FIELD(36, lb_hist_entry_t, client),
};
#define NFIELDS (sizeof(fields) / sizeof(fields[0]))
_Static_assert(O_RESERVED + 8 == LB_HIST_RECORD_SIZE, "reserved word, then the CRC");
_Static_assert(LB_CFG_PROGRAM_MAX >= LB_HIST_RECORD_SIZE, "one log slot fits a program buffer");

static int in_range(const lb_hist_entry_t *e)
{
    return e->event != 0 && e->event < LB_HIST_EVENT_COUNT && e->source < LB_HIST_SRC_COUNT;
}

int lb_hist_encode(const lb_hist_entry_t *e, uint8_t *buf, size_t cap, uint8_t erased)
{
    if (cap < LB_HIST_RECORD_SIZE) {
        return LB_E_NOSPACE;
    }
    if (!in_range(e)) {
        return LB_E_INVAL;
    }
    memset(buf, erased, cap);
    memset(buf, 0, LB_HIST_RECORD_SIZE);
    lb_fields_put(buf, e, fields, NFIELDS);
    lb_record_seal(buf, LB_HIST_MAGIC, LB_HIST_VERSION, LB_HIST_RECORD_SIZE);
    return LB_HIST_RECORD_SIZE;
}

int lb_hist_decode(lb_hist_entry_t *e, const uint8_t *buf, size_t len)
{
    int rc = lb_record_check(buf, len, LB_HIST_MAGIC, LB_HIST_VERSION, LB_HIST_RECORD_SIZE);
    if (rc != LB_OK) {
        return rc;
    }
    static const uint8_t zero[4];
    memset(e, 0, sizeof(*e));
    lb_fields_get(e, buf, fields, NFIELDS);
    if (memcmp(buf + O_RESERVED, zero, sizeof(zero)) != 0 || !in_range(e)) {
        return LB_E_CORRUPT;
    }
    return LB_OK;
}

static int check(const uint8_t *rec, size_t len, uint32_t *seq)
{
    lb_hist_entry_t e;
    int rc = lb_hist_decode(&e, rec, len);
    if (rc == LB_OK) {
        *seq = e.seq;
    }
    return rc;
}

int lb_hist_open(lb_rlog_t *l, const lb_flash_area_t *fa)
{
    return lb_rlog_open(l, fa, LB_HIST_RECORD_SIZE, check);
}

int lb_hist_append(lb_rlog_t *l, lb_hist_entry_t *e)
{
    e->seq = lb_rlog_next_seq(l);
    if (e->seq == 0) {
        return LB_E_NOSPACE;
    }
    uint8_t buf[LB_CFG_PROGRAM_MAX];
    int rc = lb_hist_encode(e, buf, l->slot, l->fa->geom->erased);
    return rc < 0 ? rc : lb_rlog_append(l, buf);
}

int lb_hist_record(const lb_flash_area_t *fa, lb_hist_entry_t *e)
{
    lb_rlog_t l;
    int rc = lb_hist_open(&l, fa);
    return rc == LB_OK ? lb_hist_append(&l, e) : rc;
}

typedef struct {
    lb_hist_visit_fn fn;
    void *ctx;
} visit_t;

static int visit_one(const uint8_t *rec, uint32_t seq, void *ctx)
{
    (void)seq;
    const visit_t *v = ctx;
    lb_hist_entry_t e;
    return lb_hist_decode(&e, rec, LB_HIST_RECORD_SIZE) == LB_OK ? v->fn(&e, v->ctx) : 0;
}

int lb_hist_visit(const lb_rlog_t *l, lb_hist_visit_fn fn, void *ctx)
{
    visit_t v = {fn, ctx};
    return lb_rlog_visit(l, visit_one, &v);
}

const char *lb_hist_event_name(unsigned ev)
{
    static const char *const names[] = {"?",        "install",  "refused",   "confirm",
                                        "rollback", "recovery", "credential"};
    return ev < LB_HIST_EVENT_COUNT ? names[ev] : "?";
}

const char *lb_hist_source_name(unsigned src)
{
    static const char *const names[] = {"device", "push", "console", "pull"};
    return src < LB_HIST_SRC_COUNT ? names[src] : "?";
}
