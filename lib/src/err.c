#include "lb/err.h"

const char *lb_err_str(int err)
{
    /* Indexed by -err; keep in the order of the enum in err.h. */
    static const char *const names[] = {
        "ok",
        "invalid argument",
        "flash i/o error",
        "corrupt record",
        "bad magic",
        "unsupported version",
        "out of range",
        "misaligned",
        "no space",
        "not found",
        "not erased",
        "power cut",
        "bad size",
        "malformed tlv",
        "hash mismatch",
        "untrusted key",
        "bad signature",
        "wrong image kind",
        "wrong product",
        "security counter too low",
        "image not signed",
        "busy",
        "timeout",
        "authentication failed",
        "unsupported",
        "invalid state",
        "image truncated",
        "tlv in wrong area",
        "unknown protected tlv",
        "unsupported image flags",
        "does not fit the load area",
        "data after the image end",
        "manifest and image disagree",
        "nothing newer offered",
        "offer skipped (given up on before)",
    };
    _Static_assert(sizeof(names) / sizeof(names[0]) == (unsigned)-LB_E_LAST, "lb_err_str table");
    if (err > 0 || err <= LB_E_LAST) {
        return "unknown error";
    }
    return names[-err];
}
