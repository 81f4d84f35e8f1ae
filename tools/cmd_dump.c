/* SPDX-License-Identifier: MIT */
/*
 * tyr dump FILE|BINARY [TYPE...] [--format c|json|layout] [--asserts]
 * tyr decode FILE TYPE (--hex BYTES | --raw PATH)
 * Printing types and values: the formats themselves live in the library (tyr/output.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "opts.h"
#include "tool.h"
#include "tyr/output.h"

static const char dump_help[] =
    "usage: tyr dump FILE|BINARY [TYPE...] [--format c|json|layout] [--asserts]\n"
    "\n"
    "Print the types of a tyr blob, or of a binary's DWARF (imported first), and what they\n"
    "reach; every type when no TYPE is given. TYPE is NAME, struct NAME, union NAME or\n"
    "enum NAME.\n"
    "  -F, --format c       C declarations a compiler accepts, in dependency order (default)\n"
    "  -F, --format json    the schema of docs/json.md\n"
    "  -F, --format layout  one block per struct: offsets, sizes, holes, padding (pahole-like)\n"
    "      --asserts        with c: _Static_assert the sizeof and offsetof of every struct\n";

static const char decode_help[] =
    "usage: tyr decode FILE TYPE (--hex BYTES | --raw PATH)\n"
    "\n"
    "Print raw bytes as a value of TYPE, the way bpftrace prints records:\n"
    "{ .next = 0x7ffd..., .val = 3 }. FILE is a tyr blob or a binary with DWARF.\n"
    "  --hex BYTES   the value as hex digits (spaces, colons and a 0x prefix allowed)\n"
    "  --raw PATH    the value as the bytes of a file\n";

enum { OPT_FORMAT = 1, OPT_ASSERTS, OPT_HEX, OPT_RAW };

/* What a type is, in words for an error line (never the registry's kind names). */
static const char *kind_phrase(int kind)
{
    switch (kind) {
    case TYR_KIND_VOID: return "void";
    case TYR_KIND_INT: return "an integer type";
    case TYR_KIND_FLOAT: return "a floating-point type";
    case TYR_KIND_PTR: return "a pointer";
    case TYR_KIND_ARRAY: return "an array";
    case TYR_KIND_STRUCT: return "a struct";
    case TYR_KIND_UNION: return "a union";
    case TYR_KIND_ENUM: return "an enum";
    case TYR_KIND_TYPEDEF: return "a typedef";
    case TYR_KIND_FUNC_PROTO: return "a function type";
    case TYR_KIND_FUNC: return "a function";
    case TYR_KIND_UNKNOWN: return "a type tyr cannot express";
    default: return "a qualified type";
    }
}

/* A layout is a record's: a typedef or qualifier is followed to the record it names (FILE is
 * struct _IO_FILE, headed so, as pahole heads it); anything else is an error saying what the
 * name is instead. */
static int layout_root(const struct tool_input *in, const char *spec, tyr_type *t)
{
    tyr_type r = *t;
    tyr_type_info info;
    for (int hops = 0; hops < 64; hops++) {
        if (tyr_type_get(in->reg, r, &info) != 0)
            return tool_fail("%s: '%s' cannot be read", in->path, spec);
        if (info.kind < TYR_KIND_TYPEDEF || info.kind > TYR_KIND_ATOMIC)
            break;
        r = info.target;
    }
    if (info.kind == TYR_KIND_STRUCT || info.kind == TYR_KIND_UNION) {
        *t = r;
        return EXIT_OK;
    }
    const char *kind = kind_phrase(info.kind);
    char what[256] = "";
    if (r.id != t->id && tyr_type_spell(in->reg, r, NULL, 0, what, sizeof(what)) >= 0)
        return tool_fail("%s: '%s' is a typedef of %s, %s, not a struct or union: a layout is "
                         "a record's (--format c prints any type)",
                         in->path, spec, what, kind);
    return tool_fail("%s: '%s' is %s, not a struct or union: a layout is a record's "
                     "(--format c prints any type)",
                     in->path, spec, kind);
}

struct dump_args {
    const char *format;
    uint32_t flags;
};

static int dump_opt(void *ctx, int id, const char *arg)
{
    struct dump_args *a = ctx;
    if (id == OPT_FORMAT)
        a->format = arg;
    else if (id == OPT_ASSERTS)
        a->flags |= TYR_DUMP_C_ASSERTS;
    return EXIT_OK;
}

int cmd_dump(int argc, char **argv)
{
    static const struct tool_opt opts[] = {{"format", 'F', true, OPT_FORMAT},
                                           {"asserts", 0, false, OPT_ASSERTS},
                                           {NULL, 0, false, 0}};
    static const struct tool_cmd_spec spec = {"dump", dump_help, opts};
    struct dump_args a = {"c", 0};
    int nops;
    int rc = tool_parse_opts(&spec, argc, argv, dump_opt, &a, &nops);
    if (rc)
        return rc == TOOL_HELP_SHOWN ? EXIT_OK : rc;
    const char *format = a.format;
    uint32_t flags = a.flags;
    int optind = 1;
    int (*dump)(const tyr_registry *, const struct tyr_dump_opts *, const tyr_sink *);
    if (!strcmp(format, "c"))
        dump = tyr_dump_c;
    else if (!strcmp(format, "json"))
        dump = tyr_dump_json;
    else if (!strcmp(format, "layout"))
        dump = tyr_layout;
    else
        return tool_usage("dump", "unknown format '%s' (c, json or layout)", format);
    if (nops < 1)
        return tool_usage("dump", "needs a FILE or BINARY");
    struct tool_input in;
    if ((rc = tool_input_open(&in, argv[optind], 0, TOOL_IN_ANY)))
        return rc;
    uint32_t nroots = (uint32_t)(nops - 1);
    tyr_type *roots = calloc(nroots ? nroots : 1, sizeof(*roots));
    if (!roots) {
        tool_input_close(&in);
        return tool_fail("out of memory");
    }
    for (uint32_t i = 0; i < nroots && !rc; i++) {
        rc = tool_find_type(&in, argv[optind + 1 + (int)i], &roots[i]);
        if (!rc && dump == tyr_layout)
            rc = layout_root(&in, argv[optind + 1 + (int)i], &roots[i]);
    }
    int err = 0;
    tyr_diag diag = {0};
    if (!rc && in.dw && !nroots)
        err = tyr_dwarf_import_all(in.dw, in.reg, NULL, &diag);
    if (!rc && !err) {
        tyr_sink out = tyr_sink_file(stdout);
        err = dump(in.reg, TYR_OPTS(tyr_dump_opts, .flags = flags, .nroots = nroots,
                                    .roots = nroots ? roots : NULL),
                   &out);
    }
    if (!rc && err)
        rc = tool_fail_err(in.path, err, &diag);
    free(roots);
    tool_input_close(&in);
    return rc;
}

static int hex_digit(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Parses hex digits into a new buffer (caller frees); separators ' ', ':', '_' and a
 * leading 0x are allowed. Returns false on an odd digit count or a stray character. */
static bool parse_hex(const char *s, unsigned char **out, size_t *len)
{
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        s += 2;
    unsigned char *buf = malloc(strlen(s) / 2 + 1);
    if (!buf)
        return false;
    size_t n = 0;
    int hi = -1;
    for (; *s; s++) {
        if (*s == ' ' || *s == ':' || *s == '_')
            continue;
        int d = hex_digit((unsigned char)*s);
        if (d < 0)
            break;
        if (hi < 0) {
            hi = d;
        } else {
            buf[n++] = (unsigned char)(hi << 4 | d);
            hi = -1;
        }
    }
    if (*s || hi >= 0) {
        free(buf);
        return false;
    }
    *out = buf;
    *len = n;
    return true;
}

/* Reads a whole file into a new buffer (caller frees). */
static bool read_file(const char *path, unsigned char **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    size_t cap = 4096, n = 0;
    unsigned char *buf = malloc(cap);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
        if (n == cap) {
            unsigned char *p = realloc(buf, cap *= 2);
            if (!p) {
                free(buf);
                buf = NULL;
            } else {
                buf = p;
            }
        }
    }
    bool ok = buf && !ferror(f);
    fclose(f);
    if (!ok) {
        free(buf);
        return false;
    }
    *out = buf;
    *len = n;
    return true;
}

struct decode_args {
    const char *hex, *raw;
};

static int decode_opt(void *ctx, int id, const char *arg)
{
    struct decode_args *a = ctx;
    if (id == OPT_HEX)
        a->hex = arg;
    else if (id == OPT_RAW)
        a->raw = arg;
    return EXIT_OK;
}

int cmd_decode(int argc, char **argv)
{
    static const struct tool_opt opts[] = {{"hex", 'x', true, OPT_HEX},
                                           {"raw", 'r', true, OPT_RAW},
                                           {NULL, 0, false, 0}};
    static const struct tool_cmd_spec spec = {"decode", decode_help, opts};
    struct decode_args a = {NULL, NULL};
    int nops;
    int rc = tool_parse_opts(&spec, argc, argv, decode_opt, &a, &nops);
    if (rc)
        return rc == TOOL_HELP_SHOWN ? EXIT_OK : rc;
    const char *hex = a.hex, *raw = a.raw;
    int optind = 1;
    if (nops != 2)
        return tool_usage("decode", "needs a FILE and a TYPE");
    if (!!hex == !!raw)
        return tool_usage("decode", "needs one of --hex BYTES or --raw PATH");
    unsigned char *bytes = NULL;
    size_t len = 0;
    if (hex && !parse_hex(hex, &bytes, &len))
        return tool_usage("decode", "--hex wants pairs of hex digits, not '%s'", hex);
    if (raw && !read_file(raw, &bytes, &len))
        return tool_fail("%s: %s", raw, errno ? strerror(errno) : "cannot read");
    struct tool_input in;
    rc = tool_input_open(&in, argv[optind], 0, TOOL_IN_ANY);
    tyr_type t;
    if (!rc)
        rc = tool_find_type(&in, argv[optind + 1], &t);
    if (!rc) {
        tyr_sink out = tyr_sink_file(stdout);
        /* The bytes are at fault, not the FILE: name where they came from. */
        const char *src = raw ? raw : "the --hex value";
        unsigned long long size = tyr_type_size(in.reg, t);
        int err = len < size ? TYR_ETRUNC : tyr_decode(in.reg, t, bytes, len, NULL, &out);
        if (err == TYR_ETRUNC)
            rc = tool_fail("%s: %zu bytes, fewer than the %llu of %s", src, len, size,
                           argv[optind + 1]);
        else if (err == TYR_EKIND || err == TYR_EINCOMPLETE || (!err && size == 0))
            rc = tool_fail("%s: '%s' is %s%s: it has no bytes to decode", in.path,
                           argv[optind + 1], kind_phrase(tyr_type_kind(in.reg, t)),
                           err == TYR_EINCOMPLETE ? " only declared here" : "");
        else if (err)
            rc = tool_fail_err(in.path, err, NULL);
        else
            putchar('\n');
        if (!rc && len > size)
            fprintf(stderr, "tyr decode: %s: %llu bytes left over after the %llu of %s\n", src,
                    (unsigned long long)len - size, size, argv[optind + 1]);
    }
    free(bytes);
    if (in.reg || in.dw)
        tool_input_close(&in);
    return rc;
}
