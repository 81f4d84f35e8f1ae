/* SPDX-License-Identifier: MIT */
/* The blob: write (memory, path, fd), load (memory, path, fd, ELF), prune, atomic writes. */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "blob_fixture.h"
#include "escape_fixture.h"

static char tmpdir[256];

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    fx_build(f);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    fx_free(f);
    free(f);
    return 0;
}

static int group_setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/tyr_blob_XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static void rm_dir_contents(void)
{
    DIR *d = opendir(tmpdir);
    struct dirent *e;
    char p[512];
    if (!d)
        return;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(p, sizeof p, "%s/%s", tmpdir, e->d_name);
        unlink(p);
    }
    closedir(d);
}

static int group_teardown(void **state)
{
    (void)state;
    rm_dir_contents();
    rmdir(tmpdir);
    return 0;
}

/* How many directory entries whose name contains s. */
static int count_entries(const char *s)
{
    DIR *d = opendir(tmpdir);
    struct dirent *e;
    int n = 0;
    assert_non_null(d);
    while ((e = readdir(d)) != NULL)
        if (strstr(e->d_name, s))
            n++;
    closedir(d);
    return n;
}

static char *path_of(const char *name)
{
    static char p[512];
    snprintf(p, sizeof p, "%s/%s", tmpdir, name);
    return p;
}

/* Full write to memory and load: every query answers the same; no handle changed. */
static void test_round_trip_mem(void **state)
{
    struct fx *f = *state;
    struct fx_blob b;

    fx_reopen(f->reg, NULL, NULL, &b);
    assert_true(b.len > sizeof(struct tyr_blob_header));
    assert_int_equal((uintptr_t)b.buf % 8, 0);
    assert_true(tyr_registry_is_mapped(b.m));
    fx_compare(f->reg, b.m, NULL);
    assert_int_equal(fx_sweep(f->reg), fx_sweep(b.m));
    /* the mapped tables are the buffer's bytes, not copies */
    assert_true((const unsigned char *)b.m->types > (const unsigned char *)b.buf &&
                (const unsigned char *)b.m->types < (const unsigned char *)b.buf + b.len);
    /* builders refuse a mapped registry */
    assert_int_equal(tyr_add_int(b.m, "x", 4, 0, NULL), TYR_EREADONLY);
    fx_blob_free(&b);
}

/* A mapped registry written again gives the same bytes (mapped and building agree). */
static void test_rewrite_mapped_is_identical(void **state)
{
    struct fx *f = *state;
    struct fx_blob a;
    void *b = NULL;
    size_t lb = 0;

    fx_reopen(f->reg, NULL, NULL, &a);
    assert_int_equal(tyr_blob_write_mem(a.m, NULL, &b, &lb), 0);
    assert_int_equal(a.len, lb);
    assert_memory_equal(a.buf, b, lb);
    fx_blob_free(&a);
    tyr_blob_buf_free(b);
}

/* The arena is copied byte for byte, stale member copies included. */
static void test_full_write_keeps_arena_bytes(void **state)
{
    struct fx *f = *state;
    struct fx_blob b;
    struct tyr_blob_sect *s;

    fx_write(f->reg, NULL, &b);
    s = fx_sect(b.buf);
    assert_int_equal(s[TYR_SECT_TYPES].len, (uint64_t)f->reg->ntypes * 16);
    assert_memory_equal((unsigned char *)b.buf + s[TYR_SECT_TYPES].off, f->reg->types,
                        s[TYR_SECT_TYPES].len);
    assert_memory_equal((unsigned char *)b.buf + s[TYR_SECT_FIELDS].off, f->reg->fields,
                        (size_t)f->reg->nfields * sizeof(struct tyr_rec_field));
    assert_int_equal(s[TYR_SECT_LAYOUTS].len, (uint64_t)f->reg->nlayouts * 16);
    assert_memory_equal((unsigned char *)b.buf + s[TYR_SECT_LAYOUTS].off, f->reg->layouts,
                        s[TYR_SECT_LAYOUTS].len);
    assert_memory_equal((unsigned char *)b.buf + s[TYR_SECT_STRINGS].off, f->reg->strs,
                        f->reg->strs_len);
    /* Node's range moved when Pair was added after it: there are stale copies */
    {
        uint32_t owned = 0, i;
        for (i = 1; i < f->reg->ntypes; i++)
            if (tyr__is_record_kind(f->reg->types[i].kind))
                owned += tyr__t_count(f->reg, &f->reg->types[i]);
        assert_true(owned + 1 < f->reg->nfields);
    }
    fx_blob_free(&b);
}

/* The checksum is an audit check: a bad one is refused by an audit open (at its header
 * offset), not by the default open; trusted skips the pass but answers the same. */
static void test_trusted_open(void **state)
{
    struct fx *f = *state;
    tyr_registry *m = NULL;
    struct fx_blob b;
    tyr_diag d;

    fx_write(f->reg, NULL, &b);
    fx_hdr(b.buf)->checksum ^= 1;
    assert_int_equal(tyr_registry_open_mem(b.buf, b.len,
                                           TYR_OPTS(tyr_load_opts, .flags = TYR_LOAD_AUDIT),
                                           &m, &d),
                     TYR_ECORRUPT);
    assert_null(m);
    assert_int_equal(tyr_registry_open_mem(b.buf, b.len,
                                           TYR_OPTS(tyr_load_opts, .flags = TYR_LOAD_AUDIT |
                                                                            TYR_LOAD_TRUSTED),
                                           &m, NULL),
                     TYR_EINVAL);
    assert_int_equal(tyr_registry_open_mem(b.buf, b.len, NULL, &m, NULL), 0);
    fx_compare(f->reg, m, NULL);
    tyr_registry_free(m);
    m = NULL;
    assert_int_equal(d.err, TYR_ECORRUPT);
    assert_int_equal(d.offset, 24);
    assert_int_equal(tyr_registry_open_mem(b.buf, b.len,
                                           TYR_OPTS(tyr_load_opts, .flags = TYR_LOAD_TRUSTED),
                                           &m, NULL),
                     0);
    fx_compare(f->reg, m, NULL);
    tyr_registry_free(m);
    /* trusted still checks the header */
    fx_hdr(b.buf)->major = 9;
    assert_int_equal(tyr_registry_open_mem(b.buf, b.len,
                                           TYR_OPTS(tyr_load_opts, .flags = TYR_LOAD_TRUSTED),
                                           &m, NULL),
                     TYR_EVERSION);
    fx_blob_free(&b);
}

/* Misaligned memory, bad options and unknown flags are refused before anything is read. */
static void test_load_argument_errors(void **state)
{
    struct fx *f = *state;
    tyr_registry *m = NULL;
    struct fx_blob b;
    unsigned char *odd;
    struct {
        struct tyr_load_opts o;
        uint64_t extra;
    } big;

    fx_write(f->reg, NULL, &b);
    odd = malloc(b.len + 8);
    assert_non_null(odd);
    memcpy(odd + 4, b.buf, b.len);
    assert_int_equal(tyr_registry_open_mem(odd + 4, b.len, NULL, &m, NULL), TYR_EALIGN);
    assert_int_equal(tyr_blob_verify(odd + 4, b.len, NULL), TYR_EALIGN);
    assert_int_equal(tyr_registry_open_mem(b.buf, b.len, TYR_OPTS(tyr_load_opts, .flags = 0x80), &m, NULL),
                     TYR_EINVAL);
    memset(&big, 0, sizeof big);
    big.o.sz = sizeof big;
    assert_int_equal(tyr_registry_open_mem(b.buf, b.len, &big.o, &m, NULL), 0); /* zero tail: fine */
    tyr_registry_free(m);
    m = NULL;
    big.extra = 1;
    assert_int_equal(tyr_registry_open_mem(b.buf, b.len, &big.o, &m, NULL), TYR_EINVAL);
    assert_null(m);
    assert_int_equal(tyr_registry_open_mem(NULL, b.len, NULL, &m, NULL), TYR_EINVAL);
    /* an older caller's shorter struct: fields past its sz are not read */
    memset(&big, 0, sizeof big);
    big.o.sz = offsetof(struct tyr_load_opts, flags);
    big.o.flags = 0x80;
    assert_int_equal(tyr_registry_open_mem(b.buf, b.len, &big.o, &m, NULL), 0);
    tyr_registry_free(m);
    m = NULL;
    big.o.sz = 4;
    assert_int_equal(tyr_registry_open_mem(b.buf, b.len, &big.o, &m, NULL), TYR_EINVAL);
    assert_int_equal(tyr_blob_write_mem(f->reg, NULL, NULL, &b.len), TYR_EINVAL);
    free(odd);
    fx_blob_free(&b);
}

/* A registry for a 32-bit target keeps its pointer size through a write and a load. */
static void test_pointer_size_4(void **state)
{
    tyr_registry *r = NULL, *m = NULL;
    tyr_type i, p;
    void *buf = NULL;
    size_t len = 0;
    (void)state;

    assert_int_equal(tyr_registry_new(TYR_OPTS(tyr_registry_opts, .pointer_size = 4), &r), 0);
    assert_int_equal(tyr_add_int(r, "int", 4, TYR_INT_SIGNED, &i), 0);
    assert_int_equal(tyr_add_ptr(r, i, &p), 0);
    assert_int_equal(tyr_blob_write_mem(r, NULL, &buf, &len), 0);
    assert_int_equal(fx_hdr(buf)->pointer_size, 4);
    assert_int_equal(tyr_registry_open_mem(buf, len, NULL, &m, NULL), 0);
    assert_int_equal(tyr_registry_pointer_size(m), 4);
    assert_int_equal(tyr_type_size(m, p), 4);
    fx_compare(r, m, NULL);
    tyr_registry_free(m);
    m = NULL;
    /* the same bytes claiming 8-byte pointers: the 4-byte PTR record is refused */
    fx_hdr(buf)->pointer_size = 8;
    assert_int_equal(tyr_registry_open_mem(buf, len, NULL, &m, NULL), TYR_ECORRUPT);
    tyr_blob_buf_free(buf);
    tyr_registry_free(r);
}

/* The source binary: a registry without one writes an empty SOURCE section (every blob lists
 * ten sections); with one, the section holds it, in full and pruned writes, read back by the
 * mapped registry; a damaged source section is refused; bad arguments change nothing. */
static void test_source_recorded(void **state)
{
    struct fx *f = *state;
    tyr_registry *m = NULL;
    void *buf = NULL;
    size_t len = 0;
    const char *path, *id;

    assert_int_equal(tyr_blob_write_mem(f->reg, NULL, &buf, &len), 0);
    assert_int_equal(fx_hdr(buf)->minor, 0);
    assert_int_equal(fx_hdr(buf)->nsect, 12);
    assert_int_equal(fx_sect(buf)[TYR_SECT_SOURCE].len, 0);
    assert_int_equal(tyr_registry_open_mem(buf, len, NULL, &m, NULL), 0);
    tyr_registry_source(m, &path, &id);
    assert_string_equal(path, "");
    assert_string_equal(id, "");
    tyr_registry_free(m);
    tyr_blob_buf_free(buf);

    assert_int_equal(tyr_registry_set_source(f->reg, "./bin", "0A"), TYR_EINVAL);
    assert_int_equal(tyr_registry_set_source(f->reg, "./bin", "abc"), TYR_EINVAL);
    assert_int_equal(tyr_registry_set_source(f->reg, NULL, ""), TYR_EINVAL);
    tyr_registry_source(f->reg, &path, NULL);
    assert_string_equal(path, "");
    assert_int_equal(tyr_registry_set_source(f->reg, "/usr/lib/libfoo.so.1", "93ac61ec"), 0);
    for (int pruned = 0; pruned < 2; pruned++) {
        tyr_type root = f->walk;
        assert_int_equal(tyr_blob_write_mem(f->reg,
                                            pruned ? TYR_OPTS(tyr_write_opts, .roots = &root,
                                                              .nroots = 1)
                                                   : NULL,
                                            &buf, &len),
                         0);
        assert_int_equal(fx_hdr(buf)->minor, 0);
        assert_int_equal(fx_hdr(buf)->nsect, 12);
        assert_int_equal(fx_sect(buf)[TYR_SECT_SOURCE].len, sizeof "/usr/lib/libfoo.so.1" +
                                                                 sizeof "93ac61ec");
        assert_int_equal(tyr_registry_open_mem(buf, len, NULL, &m, NULL), 0);
        tyr_registry_source(m, &path, &id);
        assert_string_equal(path, "/usr/lib/libfoo.so.1");
        assert_string_equal(id, "93ac61ec");
        assert_int_equal(tyr_registry_set_source(m, "x", ""), TYR_EREADONLY);
        tyr_registry_free(m);
        m = NULL;
        /* the build-id's last digit made upper case, checksum fixed: refused */
        struct tyr_blob_sect *s = fx_sect(buf);
        unsigned char *src = (unsigned char *)buf + s[TYR_SECT_SOURCE].off;
        src[s[TYR_SECT_SOURCE].len - 2] = 'C';
        fx_fix_checksum(buf, len);
        assert_int_equal(tyr_registry_open_mem(buf, len, NULL, &m, NULL), TYR_ECORRUPT);
        assert_null(m);
        /* and the path's NUL gone: refused */
        src[s[TYR_SECT_SOURCE].len - 2] = 'c';
        memset(src, 'x', s[TYR_SECT_SOURCE].len);
        fx_fix_checksum(buf, len);
        assert_int_equal(tyr_registry_open_mem(buf, len, NULL, &m, NULL), TYR_ECORRUPT);
        tyr_blob_buf_free(buf);
    }
}

/* Write to a path, load it by path: mapped, answers the same, survives the unlink. */
static void test_round_trip_path(void **state)
{
    struct fx *f = *state;
    tyr_registry *m = NULL;
    const char *p = path_of("full.tyr");

    assert_int_equal(tyr_blob_write_path(f->reg, p, NULL), 0);
    assert_int_equal(count_entries(".tmp."), 0);
    assert_int_equal(tyr_registry_open_path(p, NULL, &m, NULL), 0);
    assert_int_equal(unlink(p), 0);
    assert_non_null(m->map);
    fx_compare(f->reg, m, NULL);
    tyr_registry_free(m);
    assert_int_equal(tyr_registry_open_path(p, NULL, &m, NULL), TYR_ENOENT);
}

/* Appended at an aligned offset after other bytes: offset 8-aligned (or page), loads back
 * by path, by fd, and refuses a misaligned offset. */
static void test_append_fd(void **state)
{
    struct fx *f = *state;
    tyr_registry *m = NULL;
    const char *p = path_of("x.aot");
    uint64_t off = 0, len = 0, off2 = 0, len2 = 0;
    long pg = sysconf(_SC_PAGESIZE);
    int fd = open(p, O_RDWR | O_CREAT | O_TRUNC, 0644);

    assert_true(fd >= 0);
    assert_int_equal(write(fd, "AOT!header-13", 13), 13);
    assert_int_equal(tyr_blob_write_fd(f->reg, fd, NULL, &off, &len), 0);
    assert_int_equal(off, 16);
    assert_int_equal(lseek(fd, 0, SEEK_END), (off_t)(off + len));
    assert_int_equal(write(fd, "trailer", 7), 7);
    assert_int_equal(tyr_blob_write_fd(f->reg, fd, TYR_OPTS(tyr_write_opts,
                                                            .flags = TYR_WRITE_PAGE_ALIGN),
                                       &off2, &len2),
                     0);
    assert_int_equal(off2 % (uint64_t)pg, 0);
    assert_int_equal(len2, len);

    assert_int_equal(tyr_registry_open_path(p, TYR_OPTS(tyr_load_opts, .offset = off,
                                                        .length = len),
                                            &m, NULL),
                     0);
    assert_int_equal(tyr_registry_blob_offset(m), off);
    fx_compare(f->reg, m, NULL);
    tyr_registry_free(m);
    /* length 0: to the end of the file (the trailer and second blob follow: fine) */
    assert_int_equal(tyr_registry_open_fd(fd, TYR_OPTS(tyr_load_opts, .offset = off), &m, NULL), 0);
    tyr_registry_free(m);
    assert_int_equal(tyr_registry_open_fd(fd, TYR_OPTS(tyr_load_opts, .offset = off2), &m, NULL), 0);
    fx_compare(f->reg, m, NULL);
    tyr_registry_free(m);
    m = NULL;
    assert_int_equal(tyr_registry_open_fd(fd, TYR_OPTS(tyr_load_opts, .offset = off + 4), &m, NULL),
                     TYR_EALIGN);
    assert_int_equal(tyr_registry_open_fd(fd, TYR_OPTS(tyr_load_opts, .offset = off,
                                                       .length = len - 8),
                                          &m, NULL),
                     TYR_ETRUNC);
    assert_int_equal(tyr_registry_open_fd(fd, TYR_OPTS(tyr_load_opts, .offset = 1u << 30), &m, NULL),
                     TYR_ETRUNC);
    assert_null(m);
    close(fd);
    unlink(p);
}

/* Write a minimal ELF64 file with a .tyr section (and a decoy) holding blob at an
 * 8-aligned offset. */
static void write_elf(const char *p, const void *blob, size_t len, const char *sname)
{
    /* layout: ehdr(64) | blob at 64 | shstrtab | shdrs (4: null, decoy, sname, shstrtab) */
    unsigned char e[64] = {0x7f, 'E', 'L', 'F', 2, 1, 1};
    char shstr[64];
    size_t nlen = strlen(sname), shstr_len, shoff, blob_pad;
    uint64_t sh[4][8];
    int fd;

    memset(shstr, 0, sizeof shstr);
    memcpy(shstr + 1, ".decoy", 7);
    memcpy(shstr + 8, sname, nlen + 1);
    memcpy(shstr + 9 + nlen, ".shstrtab", 10);
    shstr_len = 19 + nlen;
    blob_pad = (len + 7) / 8 * 8;
    shoff = (64 + blob_pad + shstr_len + 7) / 8 * 8;
    /* e_type ET_REL(1), e_machine x86-64 (62), e_version 1 */
    e[16] = 1;
    e[18] = 62;
    e[20] = 1;
    memcpy(e + 40, &(uint64_t){shoff}, 8);  /* e_shoff */
    e[52] = 64;                             /* e_ehsize */
    e[58] = 64;                             /* e_shentsize */
    e[60] = 4;                              /* e_shnum */
    e[62] = 3;                              /* e_shstrndx */
    memset(sh, 0, sizeof sh);
    /* Elf64_Shdr: name(4) type(4) flags(8) addr(8) offset(8) size(8) link info align entsize */
#define SH_(i, name, type, off, size)                                 \
    do {                                                              \
        uint32_t nt[2] = {(name), (type)};                            \
        memcpy(&sh[i][0], nt, 8);                                     \
        sh[i][3] = (off);                                             \
        sh[i][4] = (size);                                            \
        sh[i][6] = 1;                                                 \
    } while (0)
    SH_(1, 1, 1 /* PROGBITS */, 64, 8);
    SH_(2, 8, 1, 64, len);
    SH_(3, (uint32_t)(9 + nlen), 3 /* STRTAB */, 64 + blob_pad, shstr_len);
#undef SH_
    fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(pwrite(fd, e, 64, 0), 64);
    assert_int_equal(pwrite(fd, blob, len, 64), (ssize_t)len);
    assert_int_equal(pwrite(fd, shstr, shstr_len, (off_t)(64 + blob_pad)), (ssize_t)shstr_len);
    assert_int_equal(pwrite(fd, sh, sizeof sh, (off_t)shoff), (ssize_t)sizeof sh);
    close(fd);
}

/* Patches `len` bytes at `at` of the ELF file at p (written by write_elf) and expects err
 * from tyr_registry_open_elf(); the file is rewritten intact afterwards. */
static void expect_elf_error(const char *p, const void *blob, size_t len, off_t at,
                             const void *bytes, size_t n, int err)
{
    tyr_registry *m = NULL;
    int fd;

    write_elf(p, blob, len, ".tyr");
    fd = open(p, O_WRONLY);
    assert_true(fd >= 0);
    assert_int_equal(pwrite(fd, bytes, n, at), (ssize_t)n);
    close(fd);
    assert_int_equal(tyr_registry_open_elf(p, NULL, &m, NULL), err);
    assert_null(m);
}

/* The section reader (lib/elf_section.c) faces files it did not write. */
static void hostile_elf_cases(const char *p, const void *blob, size_t len)
{
    uint64_t shoff, huge = UINT64_MAX / 2;
    uint16_t many = 0xfff0, bad_idx = 40;
    uint32_t far_name = 0x7fffffff;
    uint8_t class32 = 1;
    off_t tyr_sh; /* the .tyr section's header, the third entry */
    int fd;
    struct stat st;

    write_elf(p, blob, len, ".tyr");
    fd = open(p, O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(pread(fd, &shoff, 8, 40), 8);
    assert_int_equal(fstat(fd, &st), 0);
    close(fd);
    tyr_sh = (off_t)shoff + 2 * 64;
    /* section header table offset past the end of the file */
    expect_elf_error(p, blob, len, 40, &huge, 8, TYR_ENOTELF);
    /* more section headers than the file holds */
    expect_elf_error(p, blob, len, 60, &many, 2, TYR_ENOTELF);
    /* the names section's index out of range */
    expect_elf_error(p, blob, len, 62, &bad_idx, 2, TYR_ENOTELF);
    /* 32-bit ELF is not read */
    expect_elf_error(p, blob, len, 4, &class32, 1, TYR_ENOTELF);
    /* a section name offset outside the name table: that section is skipped, .tyr missing */
    expect_elf_error(p, blob, len, tyr_sh, &far_name, 4, TYR_ENOENT);
    /* the .tyr section's size runs past the end of the file */
    expect_elf_error(p, blob, len, tyr_sh + 32, &huge, 8, TYR_ETRUNC);
    /* the file cut inside its section header table */
    write_elf(p, blob, len, ".tyr");
    assert_int_equal(truncate(p, st.st_size - 70), 0);
    {
        tyr_registry *m = NULL;
        assert_int_equal(tyr_registry_open_elf(p, NULL, &m, NULL), TYR_ENOTELF);
        assert_null(m);
    }
}

/* Load from an ELF section: default .tyr, a named section, a missing one, hostile headers,
 * not ELF. */
static void test_open_elf(void **state)
{
    struct fx *f = *state;
    tyr_registry *m = NULL;
    struct fx_blob b;
    const char *p = path_of("obj.o");
    tyr_diag d;

    fx_write(f->reg, NULL, &b);
    write_elf(p, b.buf, b.len, ".tyr");
    assert_int_equal(tyr_registry_open_elf(p, NULL, &m, NULL), 0);
    assert_int_equal(tyr_registry_blob_offset(m), 64);
    fx_compare(f->reg, m, NULL);
    tyr_registry_free(m);
    m = NULL;
    assert_int_equal(tyr_registry_open_elf(p, TYR_OPTS(tyr_load_opts, .section = ".nope"),
                                           &m, &d),
                     TYR_ENOENT);
    assert_non_null(strstr(d.what, ".nope"));
    /* the decoy section holds 8 bytes of the blob: too short */
    assert_int_equal(tyr_registry_open_elf(p, TYR_OPTS(tyr_load_opts, .section = ".decoy"), &m, NULL),
                     TYR_ETRUNC);
    write_elf(p, b.buf, b.len, ".types");
    assert_int_equal(tyr_registry_open_elf(p, TYR_OPTS(tyr_load_opts, .section = ".types"), &m, NULL),
                     0);
    tyr_registry_free(m);
    m = NULL;
    /* hostile headers, each refused with an error, never read outside the file */
    hostile_elf_cases(p, b.buf, b.len);
    /* a blob file is not ELF */
    assert_int_equal(tyr_blob_write_path(f->reg, p, NULL), 0);
    assert_int_equal(tyr_registry_open_elf(p, NULL, &m, NULL), TYR_ENOTELF);
    assert_null(m);
    unlink(p);
    fx_blob_free(&b);
}

static int has_bytes(const char *hay, size_t n, const char *needle)
{
    size_t k = strlen(needle), i;
    for (i = 0; i + k <= n; i++)
        if (!memcmp(hay + i, needle, k))
            return 1;
    return 0;
}

/* Pruning to `struct Node *` keeps exactly Node, its pointer, int, unsigned int, char,
 * char[16], double; the roots and the map are rewritten; Unused and friends are gone. */
static void test_prune_exact_set(void **state)
{
    struct fx *f = *state;
    struct fx_blob b;
    tyr_registry *m;
    tyr_type roots[1];
    uint32_t *map = calloc(f->reg->ntypes, sizeof *map);
    uint32_t id, kept = 0;
    tyr_type t, chararr;
    tyr_field_info fi;

    assert_non_null(map);
    roots[0] = f->node_ptr;
    fx_prune(f->reg, roots, 1, map, &b);
    m = b.m;
    assert_int_equal(fx_hdr(b.buf)->flags, TYR_BLOB_F_PRUNED);
    /* void + Node, Node*, int, unsigned, char, char[16], double */
    assert_int_equal(tyr_registry_type_count(m), 8);
    for (id = 1; id < f->reg->ntypes; id++)
        kept += map[id] != 0;
    assert_int_equal(kept, 7);
    assert_int_equal(map[0], 0);
    assert_int_not_equal(map[f->node.id], 0);
    assert_int_not_equal(map[f->t_double.id], 0);
    assert_int_equal(map[f->unused.id], 0);
    assert_int_equal(map[f->pair.id], 0);
    assert_int_equal(map[f->walk.id], 0);
    assert_int_equal(map[f->t_float.id], 0);
    /* relative order kept: the map is increasing over kept ids */
    {
        uint32_t last = 0;
        for (id = 1; id < f->reg->ntypes; id++)
            if (map[id]) {
                assert_true(map[id] > last);
                last = map[id];
            }
    }
    assert_int_equal(roots[0].id, map[f->node_ptr.id]);
    assert_int_equal(tyr_type_kind(m, roots[0]), TYR_KIND_PTR);
    assert_int_equal(tyr_type_size(m, roots[0]), 8);
    fx_compare(f->reg, m, map);
    /* exactly Node's 6 members survive (no stale copies), strings only those in use */
    assert_int_equal(m->nfields, 1 + 6);
    assert_int_equal(m->nenums, 1);
    assert_int_equal(m->nparams, 1);
    assert_false(has_bytes(m->strs, m->strs_len, "Unused"));
    assert_false(has_bytes(m->strs, m->strs_len, "Pair"));
    assert_int_equal(tyr_find(m, "Node", TYR_KIND_STRUCT, &t), 0);
    assert_int_equal(t.id, map[f->node.id]);
    assert_int_equal(tyr_find(m, "Unused", TYR_KIND_ANY, &t), TYR_ENOENT);
    assert_int_equal(tyr_field_path(m, t, "name", &fi), 0);
    chararr = fi.type;
    assert_int_equal(tyr_type_size(m, chararr), 16);
    fx_blob_free(&b);
    free(map);
}

/* A probe signature named as a root keeps its prototype, parameters and all they reach;
 * several roots; typedef and qualifier chains are kept whole. */
static void test_prune_func_and_typedefs(void **state)
{
    struct fx *f = *state;
    struct fx_blob b;
    tyr_registry *m;
    tyr_type roots[2];
    uint32_t *map = calloc(f->reg->ntypes, sizeof *map);
    tyr_param_info pi;
    tyr_type_info ti;

    assert_non_null(map);
    roots[0] = f->walk;
    roots[1] = f->cnode_t;
    fx_prune(f->reg, roots, 2, map, &b);
    m = b.m;
    fx_compare(f->reg, m, map);
    assert_int_not_equal(map[f->proto.id], 0);
    assert_int_not_equal(map[f->node_t.id], 0);
    assert_int_equal(map[f->outer.id], 0);
    assert_int_equal(tyr_type_get(m, roots[0], &ti), 0);
    assert_int_equal(ti.kind, TYR_KIND_FUNC);
    assert_string_equal(ti.name, "walk");
    assert_int_equal(tyr_param_at(m, roots[0], 0, &pi), 0);
    assert_string_equal(pi.name, "n");
    assert_int_equal(pi.type.id, map[f->node_ptr.id]);
    assert_int_equal(tyr_type_strip(m, roots[1], TYR_STRIP_ALL).id,
                     map[f->node.id]);
    /* int, Node, Node*, unsigned, char, char[16], double, proto, void*, walk, node_t, const */
    assert_int_equal(tyr_registry_type_count(m), 13);
    assert_int_equal(m->nparams, 3);
    fx_blob_free(&b);
    free(map);
}

/* Identical prototypes are stored once by a pruned write: same return type, flags and
 * parameters (names and types) merge into the lowest id; a different parameter name, type or
 * the varargs flag keeps its own. Functions point at the survivor, the map too. A full write
 * keeps every prototype. */
static void test_prune_merges_prototypes(void **state)
{
    (void)state;
    tyr_registry *r = NULL, *m;
    tyr_type i32, chr, ptr, protos[6], funcs[6];
    tyr_type roots[6];
    uint32_t map[32];
    struct fx_blob b;
    tyr_registry_stats st = {.sz = sizeof st};
    tyr_type_info ti;
    tyr_param_info pi;
    static const char *const fname[6] = {"f0", "f1", "f2", "f3", "f4", "f5"};

    assert_int_equal(tyr_registry_new(NULL, &r), 0);
    assert_int_equal(tyr_add_int(r, "int", 4, TYR_INT_SIGNED, &i32), 0);
    assert_int_equal(tyr_add_int(r, "char", 1, TYR_INT_CHAR, &chr), 0);
    assert_int_equal(tyr_add_ptr(r, chr, &ptr), 0);
    for (int i = 0; i < 6; i++) {
        /* 0, 1, 3: int (int a, char *s); 2: varargs; 4: param named b; 5: a is char* */
        assert_int_equal(tyr_func_proto_new(r, i32, i == 2 ? TYR_FUNC_VARARGS : 0, &protos[i]),
                         0);
        assert_int_equal(tyr_func_proto_add_param(r, protos[i], i == 4 ? "b" : "a",
                                                  i == 5 ? ptr : i32),
                         0);
        assert_int_equal(tyr_func_proto_add_param(r, protos[i], "s", ptr), 0);
        assert_int_equal(tyr_func_new(r, fname[i], protos[i], &funcs[i]), 0);
    }
    for (int i = 0; i < 6; i++)
        roots[i] = funcs[i];
    assert_true(r->ntypes <= 32);
    fx_reopen(r, TYR_OPTS(tyr_write_opts, .roots = roots, .nroots = 6, .map = map, .map_len = 32),
              TYR_OPTS(tyr_load_opts, .flags = TYR_LOAD_AUDIT), &b);
    m = b.m;
    assert_int_equal(tyr_registry_get_stats(m, &st), 0);
    assert_int_equal(st.per_kind[TYR_KIND_FUNC], 6);
    assert_int_equal(st.per_kind[TYR_KIND_FUNC_PROTO], 4); /* {0,1,3}, 2, 4, 5 */
    assert_int_equal(st.params, 8);
    assert_int_equal(map[protos[1].id], map[protos[0].id]);
    assert_int_equal(map[protos[3].id], map[protos[0].id]);
    assert_int_not_equal(map[protos[2].id], map[protos[0].id]);
    assert_int_not_equal(map[protos[4].id], map[protos[0].id]);
    assert_int_not_equal(map[protos[5].id], map[protos[0].id]);
    for (int i = 0; i < 6; i++) {
        tyr_type f = {map[funcs[i].id]};
        assert_int_equal(tyr_type_get(m, f, &ti), 0);
        assert_int_equal(ti.kind, TYR_KIND_FUNC);
        assert_string_equal(ti.name, fname[i]);
        assert_int_equal(ti.target.id, map[protos[i].id]);
        assert_int_equal(tyr_param_at(m, f, 0, &pi), 0);
        assert_string_equal(pi.name, i == 4 ? "b" : "a");
        assert_int_equal(pi.type.id, map[i == 5 ? ptr.id : i32.id]);
        assert_int_equal(tyr_param_at(m, f, 1, &pi), 0);
        assert_string_equal(pi.name, "s");
        assert_int_equal(pi.type.id, map[ptr.id]);
        assert_int_equal(roots[i].id, f.id);
    }
    fx_blob_free(&b);
    /* the full write keeps all six */
    fx_reopen(r, NULL, NULL, &b);
    assert_int_equal(tyr_registry_get_stats(b.m, &st), 0);
    assert_int_equal(st.per_kind[TYR_KIND_FUNC_PROTO], 6);
    fx_blob_free(&b);
    tyr_registry_free(r);
}

/* A format-1 blob (major 1) is refused with TYR_EVERSION and a diagnostic saying to import
 * again; so is any other major. */
static void test_major_1_refused(void **state)
{
    struct fx *f = *state;
    tyr_registry *m = NULL;
    struct fx_blob b;
    tyr_diag d;

    fx_write(f->reg, NULL, &b);
    fx_hdr(b.buf)->major = 1;
    fx_fix_checksum(b.buf, b.len);
    assert_int_equal(tyr_registry_open_mem(b.buf, b.len, NULL, &m, &d),
                     TYR_EVERSION);
    assert_null(m);
    assert_non_null(strstr(d.what, "import it again"));
    assert_int_equal(tyr_blob_verify(b.buf, b.len, NULL), TYR_EVERSION);
    fx_hdr(b.buf)->major = 3;
    assert_int_equal(tyr_registry_open_mem(b.buf, b.len, NULL, &m, NULL), TYR_EVERSION);
    fx_hdr(b.buf)->major = 2;
    assert_int_equal(tyr_registry_open_mem(b.buf, b.len, NULL, &m, NULL), 0);
    tyr_registry_free(m);
    fx_blob_free(&b);
}

/* A pruned write with no roots keeps void only; a bad root or short map is refused and
 * leaves the roots untouched. */
static void test_prune_edges(void **state)
{
    struct fx *f = *state;
    struct fx_blob b;
    void *buf = NULL;
    size_t len = 0;
    tyr_type root = f->node_ptr, bad = root;
    uint32_t map[4];

    fx_reopen(f->reg, TYR_OPTS(tyr_write_opts, .roots = &root, .nroots = 0), NULL, &b);
    assert_int_equal(tyr_registry_type_count(b.m), 1);
    assert_int_equal(b.m->nbuckets, 0);
    fx_blob_free(&b);

    bad.id = f->reg->ntypes;
    assert_int_equal(tyr_blob_write_mem(f->reg, TYR_OPTS(tyr_write_opts, .roots = &bad,
                                                         .nroots = 1),
                                        &buf, &len),
                     TYR_EHANDLE);
    assert_int_equal(bad.id, f->reg->ntypes);
    assert_int_equal(tyr_blob_write_mem(f->reg, TYR_OPTS(tyr_write_opts, .roots = &root,
                                                         .nroots = 1, .map = map, .map_len = 4),
                                        &buf, &len),
                     TYR_EINVAL);
    assert_int_equal(root.id, f->node_ptr.id);
    assert_null(buf);
}

/* Pruning a mapped registry (a blob loaded back) gives the same bytes as pruning the
 * building one. */
static void test_prune_mapped_equals_building(void **state)
{
    struct fx *f = *state;
    struct fx_blob full;
    void *a = NULL, *b = NULL;
    size_t la = 0, lb = 0;
    tyr_type ra = f->outer, rb = ra;

    fx_reopen(f->reg, NULL, NULL, &full);
    assert_int_equal(tyr_blob_write_mem(f->reg, TYR_OPTS(tyr_write_opts, .roots = &ra,
                                                         .nroots = 1),
                                        &a, &la),
                     0);
    assert_int_equal(tyr_blob_write_mem(full.m, TYR_OPTS(tyr_write_opts, .roots = &rb,
                                                         .nroots = 1),
                                        &b, &lb),
                     0);
    assert_int_equal(la, lb);
    assert_memory_equal(a, b, la);
    assert_int_equal(ra.id, rb.id);
    fx_blob_free(&full);
    tyr_blob_buf_free(a);
    tyr_blob_buf_free(b);
}

/* A registry big enough that its blob crosses a small RLIMIT_FSIZE. */
static tyr_registry *big_registry(void)
{
    tyr_registry *r = NULL;
    tyr_type t;
    char name[32];
    int i;
    assert_int_equal(tyr_registry_new(NULL, &r), 0);
    for (i = 0; i < 4000; i++) {
        snprintf(name, sizeof name, "t%d", i);
        assert_int_equal(tyr_add_int(r, name, 4, 0, &t), 0);
    }
    return r;
}

static void write_file(const char *p, const char *s)
{
    int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, s, strlen(s)), (ssize_t)strlen(s));
    close(fd);
}

static void assert_file_is(const char *p, const char *s)
{
    char buf[256];
    int fd = open(p, O_RDONLY);
    ssize_t n;
    assert_true(fd >= 0);
    n = read(fd, buf, sizeof buf);
    close(fd);
    assert_int_equal(n, (ssize_t)strlen(s));
    assert_memory_equal(buf, s, strlen(s));
}

/* Run a write of big_registry() to p in a child under RLIMIT_FSIZE = 4096; the child
 * ignores SIGXFSZ when `ignore` (the write fails with EFBIG) or dies of it otherwise. */
static char self_path[4096];

/* The writer under test, in a process of its own (exec'd, so that a memory checker watching
 * this program does not watch it die): RLIMIT_FSIZE = 4096, SIGXFSZ ignored or fatal. */
static int writer_main(const char *p, int ignore)
{
    struct rlimit rl = {4096, 4096};
    tyr_registry *r = big_registry();
    int err;
    signal(SIGXFSZ, ignore ? SIG_IGN : SIG_DFL);
    if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
        return 100;
    err = tyr_blob_write_path(r, p, NULL);
    tyr_registry_free(r);
    return err == TYR_EIO ? 42 : 43;
}

/* Run a write of big_registry() to p in a separate process under RLIMIT_FSIZE = 4096; it
 * ignores SIGXFSZ when `ignore` (the write fails with EFBIG) or dies of it otherwise. */
static int child_write_limited(const char *p, int ignore)
{
    int status;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        execl(self_path, self_path, "--write-limited", p, ignore ? "ignore" : "die",
              (char *)NULL);
        _exit(127);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return status;
}

/* A failed write (EFBIG) returns TYR_EIO, removes its temporary file and leaves the old
 * file untouched; with no old file, no file appears. */
static void test_interrupted_write_fails_cleanly(void **state)
{
    const char *p = path_of("dest.tyr");
    int status;
    (void)state;

    write_file(p, "old contents");
    status = child_write_limited(p, 1);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 42);
    assert_file_is(p, "old contents");
    assert_int_equal(count_entries("dest.tyr.tmp."), 0);

    unlink(p);
    status = child_write_limited(p, 1);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 42);
    assert_int_equal(access(p, F_OK), -1);
    assert_int_equal(count_entries("dest.tyr"), 0);
}

/* A writer killed mid-write (SIGXFSZ) leaves the old file whole at the destination; only
 * its temporary file can remain, and it is never the destination. */
static void test_killed_write_leaves_old_file(void **state)
{
    const char *p = path_of("killed.tyr");
    tyr_registry *m = NULL;
    int status;
    (void)state;

    write_file(p, "previous");
    status = child_write_limited(p, 0);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGXFSZ);
    assert_file_is(p, "previous");
    assert_int_equal(count_entries("killed.tyr.tmp."), 1); /* the dead writer's temp */
    rm_dir_contents();
    status = child_write_limited(p, 0);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(access(p, F_OK), -1);
    assert_int_equal(tyr_registry_open_path(p, NULL, &m, NULL), TYR_ENOENT);
    rm_dir_contents();
}

/* An append that fails midway (EFBIG under RLIMIT_FSIZE) truncates the file back to its old
 * length and returns TYR_EIO: the .aot file's earlier bytes stay valid. */
static void test_append_failure_truncates(void **state)
{
    const char *p = path_of("fail.aot");
    struct stat st;
    int status;
    pid_t pid;
    (void)state;

    write_file(p, "0123456789abc"); /* 13 bytes */
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct rlimit rl = {4096, 4096};
        tyr_registry *r = big_registry();
        uint64_t off = 7, len = 7;
        int fd = open(p, O_WRONLY);
        int err;
        signal(SIGXFSZ, SIG_IGN);
        if (fd < 0 || setrlimit(RLIMIT_FSIZE, &rl) != 0)
            _exit(100);
        err = tyr_blob_write_fd(r, fd, NULL, &off, &len);
        /* outputs untouched on failure; the file offset is back at the old end */
        _exit(err == TYR_EIO && off == 7 && len == 7 && lseek(fd, 0, SEEK_CUR) == 13 ? 42 : 43);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 42);
    assert_int_equal(stat(p, &st), 0);
    assert_int_equal(st.st_size, 13);
    assert_file_is(p, "0123456789abc");
    unlink(p);
}

/* An existing file is replaced whole by a successful write, and the mode is 0644-umask. */
static void test_write_path_replaces(void **state)
{
    struct fx *f = *state;
    const char *p = path_of("replace.tyr");
    tyr_registry *m = NULL;
    struct stat st;
    mode_t um = umask(022);

    write_file(p, "garbage that is not a blob");
    assert_int_equal(tyr_registry_open_path(p, NULL, &m, NULL), TYR_ECORRUPT);
    assert_int_equal(tyr_blob_write_path(f->reg, p, NULL), 0);
    umask(um);
    assert_int_equal(stat(p, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0644);
    assert_int_equal(tyr_registry_open_path(p, NULL, &m, NULL), 0);
    fx_compare(f->reg, m, NULL);
    tyr_registry_free(m);
    assert_int_equal(tyr_blob_write_path(f->reg, "/nonexistent-dir/x.tyr", NULL), TYR_EIO);
    unlink(p);
}

/* ---- The escapes: wide field places and enumerator values ------------------------------ */

/* reg's Big, E64 and U32 read back exactly what escapes_build added. */
static uint32_t count_of(const tyr_registry *reg, tyr_type t)
{
    tyr_type_info ti;
    assert_int_equal(tyr_type_get(reg, t, &ti), 0);
    return ti.count;
}

static void check_escapes(const tyr_registry *reg, tyr_type big, tyr_type e64, tyr_type u32)
{
    tyr_field_info fi;
    tyr_enumerator_info ei;
    assert_int_equal(tyr_type_size(reg, big), ESC_BIG_SIZE);
    assert_int_equal(count_of(reg, big), ESC_NBIG);
    for (uint32_t i = 0; i < ESC_NBIG; i++) {
        const struct esc_field *f = &esc_big_fields[i];
        assert_int_equal(tyr_field_at(reg, big, i, &fi), 0);
        assert_string_equal(fi.name, f->name);
        assert_int_equal(fi.offset, f->offset);
        assert_int_equal(fi.bit_offset, f->bit_offset);
        assert_int_equal(fi.bit_size, f->bit_size);
        assert_int_equal(fi.flags, 0);
        assert_int_equal(tyr_field_by_name(reg, big, f->name, &fi), 0);
        assert_int_equal(fi.offset, f->offset);
    }
    for (uint32_t i = 0; i < ESC_NE64; i++) {
        assert_int_equal(tyr_enumerator_at(reg, e64, i, &ei), 0);
        assert_string_equal(ei.name, esc_e64[i].name);
        assert_int_equal(ei.value, esc_e64[i].value);
    }
    for (uint32_t i = 0; i < ESC_NU32; i++) {
        assert_int_equal(tyr_enumerator_at(reg, u32, i, &ei), 0);
        assert_string_equal(ei.name, esc_u32[i].name);
        assert_int_equal(ei.value, esc_u32[i].value);
    }
}

static tyr_type find_kind(const tyr_registry *reg, const char *name, int kind)
{
    tyr_type t = {0};
    assert_int_equal(tyr_find(reg, name, kind, &t), 0);
    return t;
}

/* Escapes round-trip: building, written and opened (safe and audit), pruned (which drops
 * a struct and an enum holding escapes of their own, so the rest are renumbered). */
static void test_escapes_round_trip(void **state)
{
    tyr_registry *reg = NULL, *m = NULL, *p = NULL;
    struct escapes x;
    void *buf = NULL;
    size_t len = 0;
    (void)state;
    assert_int_equal(tyr_registry_new(NULL, &reg), 0);
    assert_int_equal(escapes_build(reg, &x), 0);
    /* pad_far, far, farbits, huge, past4g, end; PAD_HI, E_MIN, E_MAX, E_2P31, E_2P40,
     * U_MAX, U_2P31 */
    assert_int_equal(reg->nwfields, 6);
    assert_int_equal(reg->nwenums, 7);
    check_escapes(reg, x.big, x.e64, x.u32);

    assert_int_equal(tyr_blob_write_mem(reg, NULL, &buf, &len), 0);
    assert_int_equal(tyr_registry_open_mem(buf, len, NULL, &m, NULL), 0);
    assert_int_equal(m->nwfields, 6);
    assert_int_equal(m->nwenums, 7);
    check_escapes(m, x.big, x.e64, x.u32);
    tyr_registry_free(m);
    m = NULL;
    assert_int_equal(tyr_registry_open_mem(buf, len,
                                           TYR_OPTS(tyr_load_opts, .flags = TYR_LOAD_AUDIT), &m,
                                           NULL),
                     0);
    check_escapes(m, x.big, x.e64, x.u32);
    tyr_registry_free(m);
    m = NULL;
    tyr_blob_buf_free(buf);

    tyr_type roots[] = {x.take};
    assert_int_equal(tyr_blob_write_mem(reg,
                                        TYR_OPTS(tyr_write_opts, .roots = roots, .nroots = 1),
                                        &buf, &len),
                     0);
    assert_int_equal(tyr_registry_open_mem(buf, len,
                                           TYR_OPTS(tyr_load_opts, .flags = TYR_LOAD_AUDIT), &p,
                                           NULL),
                     0);
    assert_int_equal(p->nwfields, 5);
    assert_int_equal(p->nwenums, 6);
    tyr_type none;
    assert_int_equal(tyr_find(p, "Pad", TYR_KIND_STRUCT, &none), TYR_ENOENT);
    check_escapes(p, find_kind(p, "Big", TYR_KIND_STRUCT), find_kind(p, "E64", TYR_KIND_ENUM),
                  find_kind(p, "U32", TYR_KIND_ENUM));
    tyr_registry_free(p);
    tyr_blob_buf_free(buf);
    tyr_registry_free(reg);
}

/* A member added to a record whose range is not the table's tail moves the range, escapes
 * and all; a rollback drops the escapes of the records it drops. */
static void test_escapes_move_and_rollback(void **state)
{
    tyr_registry *reg = NULL, *m = NULL;
    tyr_type i32, e;
    tyr_struct a, b;
    tyr_snapshot snap;
    tyr_field_info fi;
    tyr_enumerator_info ei;
    void *buf = NULL;
    size_t len = 0;
    (void)state;
    assert_int_equal(tyr_registry_new(NULL, &reg), 0);
    assert_int_equal(tyr_add_int(reg, "int", 4, TYR_INT_SIGNED, &i32), 0);
    assert_int_equal(tyr_struct_new(reg, TYR_KIND_STRUCT, "A", UINT64_C(1) << 33, 4, 0, &a), 0);
    assert_int_equal(tyr_struct_add_field(reg, a, "w", i32, UINT64_C(1) << 32, 0, 0), 0);
    assert_int_equal(tyr_struct_new(reg, TYR_KIND_STRUCT, "B", 8, 4, 0, &b), 0);
    assert_int_equal(tyr_struct_add_field(reg, b, "x", i32, 0, 0, 0), 0);
    assert_int_equal(tyr_struct_add_field(reg, a, "v", i32, UINT64_C(1) << 31, 0, 0), 0);
    assert_int_equal(reg->nwfields, 3); /* w's stale copy, w, v */
    assert_int_equal(tyr_enum_new(reg, "E", 8, 0, &e), 0);
    assert_int_equal(tyr_registry_snapshot(reg, &snap), 0);
    assert_int_equal(tyr_struct_add_field(reg, b, "y", i32, 4, 0, 0), 0);
    assert_int_equal(tyr_enum_add(reg, e, "BIG", UINT64_C(1) << 63), 0);
    assert_int_equal(reg->nwenums, 1);
    tyr_registry_rollback(reg, &snap);
    assert_int_equal(reg->nwfields, 3);
    assert_int_equal(reg->nwenums, 0);
    assert_int_equal(tyr_enum_add(reg, e, "BIG", UINT64_C(1) << 32), 0);

    assert_int_equal(tyr_blob_write_mem(reg, NULL, &buf, &len), 0);
    assert_int_equal(tyr_registry_open_mem(buf, len,
                                           TYR_OPTS(tyr_load_opts, .flags = TYR_LOAD_AUDIT), &m,
                                           NULL),
                     0);
    assert_int_equal(tyr_field_at(m, tyr_struct_type(a), 0, &fi), 0);
    assert_int_equal(fi.offset, UINT64_C(1) << 32);
    assert_int_equal(tyr_field_at(m, tyr_struct_type(a), 1, &fi), 0);
    assert_int_equal(fi.offset, UINT64_C(1) << 31);
    assert_int_equal(count_of(m, tyr_struct_type(b)), 1);
    assert_int_equal(tyr_enumerator_at(m, e, 0, &ei), 0);
    assert_int_equal(ei.value, UINT64_C(1) << 32);
    tyr_registry_free(m);
    tyr_blob_buf_free(buf);
    tyr_registry_free(reg);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_round_trip_mem, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rewrite_mapped_is_identical, setup, teardown),
        cmocka_unit_test_setup_teardown(test_full_write_keeps_arena_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trusted_open, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_argument_errors, setup, teardown),
        cmocka_unit_test(test_pointer_size_4),
        cmocka_unit_test(test_escapes_round_trip),
        cmocka_unit_test(test_escapes_move_and_rollback),
        cmocka_unit_test_setup_teardown(test_round_trip_path, setup, teardown),
        cmocka_unit_test_setup_teardown(test_source_recorded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_append_fd, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_elf, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prune_exact_set, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prune_func_and_typedefs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prune_edges, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prune_mapped_equals_building, setup, teardown),
        cmocka_unit_test(test_prune_merges_prototypes),
        cmocka_unit_test_setup_teardown(test_major_1_refused, setup, teardown),
        cmocka_unit_test(test_interrupted_write_fails_cleanly),
        cmocka_unit_test(test_killed_write_leaves_old_file),
        cmocka_unit_test_setup_teardown(test_write_path_replaces, setup, teardown),
        cmocka_unit_test(test_append_failure_truncates),
    };
    ssize_t n;
    if (argc == 4 && !strcmp(argv[1], "--write-limited"))
        return writer_main(argv[2], !strcmp(argv[3], "ignore"));
    n = readlink("/proc/self/exe", self_path, sizeof self_path - 1);
    if (n <= 0)
        return 1;
    self_path[n] = '\0';
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
