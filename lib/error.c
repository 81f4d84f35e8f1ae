/* SPDX-License-Identifier: MIT */
/* Error messages, versions and kind names: the library's small static tables. */
#include <stdarg.h>
#include <stdio.h>

#include "internal.h"

int tyr_diag_set(tyr_diag *diag, int err, uint64_t offset, const char *fmt, ...)
{
    if (diag) {
        va_list ap;
        diag->err = err;
        diag->offset = offset;
        va_start(ap, fmt);
        vsnprintf(diag->what, sizeof diag->what, fmt, ap);
        va_end(ap);
    }
    return err;
}

const char *tyr_strerror(int err)
{
    if (err > 0)
        err = -err;
    switch (err) {
    case 0:
        return "success";
#define TYR_ERR_CASE_(name, n, msg) \
    case name:                      \
        return msg;
        TYR_ERRORS(TYR_ERR_CASE_)
#undef TYR_ERR_CASE_
    default:
        return "unknown error";
    }
}

unsigned tyr_version_number(void)
{
    return TYR_VERSION_NUMBER;
}

#define TYR_STR2_(x) #x
#define TYR_STR_(x) TYR_STR2_(x)
const char *tyr_version_string(void)
{
    return TYR_STR_(TYR_VERSION_MAJOR) "." TYR_STR_(TYR_VERSION_MINOR) "." TYR_STR_(
        TYR_VERSION_PATCH);
}

const char *tyr_kind_name(int kind)
{
    static const char *const names[TYR_KIND_COUNT_] = {
        [TYR_KIND_VOID] = "void",         [TYR_KIND_INT] = "int",
        [TYR_KIND_FLOAT] = "float",       [TYR_KIND_PTR] = "ptr",
        [TYR_KIND_ARRAY] = "array",       [TYR_KIND_STRUCT] = "struct",
        [TYR_KIND_UNION] = "union",       [TYR_KIND_ENUM] = "enum",
        [TYR_KIND_TYPEDEF] = "typedef",   [TYR_KIND_CONST] = "const",
        [TYR_KIND_VOLATILE] = "volatile", [TYR_KIND_RESTRICT] = "restrict",
        [TYR_KIND_ATOMIC] = "atomic",     [TYR_KIND_FUNC_PROTO] = "func_proto",
        [TYR_KIND_FUNC] = "func",         [TYR_KIND_UNKNOWN] = "unknown",
    };
    if (kind < 0 || kind >= TYR_KIND_COUNT_)
        return "?";
    return names[kind];
}
