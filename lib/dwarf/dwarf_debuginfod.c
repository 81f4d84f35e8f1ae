/* SPDX-License-Identifier: MIT */
/*
 * The last place a debug file (or a dwz file) is looked for: debuginfod servers, asked by
 * GNU build-id through libdebuginfod, the client gdb, drgn and perf use. libdebuginfod owns
 * the HTTP transfer and the cache (DEBUGINFOD_CACHE_PATH, else its default under
 * $XDG_CACHE_HOME or ~/.cache): a file it has cached is handed back without a request, a
 * failed transfer leaves nothing behind. What it hands back is checked here to be an ELF
 * file with .debug_info and the build-id asked for, and removed from the cache otherwise,
 * so a server that serves the wrong file cannot poison later runs.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <elfutils/debuginfod.h>

#include "dwarf_internal.h"

struct progress_ctx {
    int (*fn)(void *arg, long done, long total);
    void *arg;
    long done, total; /* the last sizes seen: a transfer that had begun */
    int stop;         /* the callback's non-zero value, which cancelled the download */
};

/* Always installed: libdebuginfod reports a download that broke off (a truncated body) as
 * -ENOENT, like a 404; only a transfer that had announced its size tells them apart. */
static int on_progress(debuginfod_client *c, long done, long total)
{
    struct progress_ctx *p = debuginfod_get_user_data(c);
    if (!p)
        return 0;
    if (total > 0) {
        p->done = done;
        p->total = total;
    }
    int stop = p->fn ? p->fn(p->arg, done, total) : 0;
    if (stop)
        p->stop = stop;
    return stop;
}

/* libdebuginfod reads its servers from DEBUGINFOD_URLS only: a list given in the options is
 * put there for the fetch, under this lock, and the previous value put back. */
static pthread_mutex_t env_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *why(int rc)
{
    switch (rc) {
    case -ETIME:
    case -ETIMEDOUT:
        return "timed out (DEBUGINFOD_TIMEOUT)";
    case -ECONNREFUSED:
    case -EHOSTUNREACH:
    case -ENETUNREACH:
        return "server unreachable";
    case -ECONNABORTED:
    case -EINTR:
        return "download cancelled";
    case -EIO:
        return "transfer broke off";
    default:
        return strerror(-rc);
    }
}

/* Is fd an ELF file with .debug_info whose build-id is id? The actual build-id's hex into
 * got ("none" when it has none). */
static bool is_the_file(int fd, const unsigned char *id, size_t id_len, char *got, size_t len)
{
    snprintf(got, len, "not ELF");
    Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
    if (!elf)
        return false;
    bool ok = false;
    if (elf_kind(elf) == ELF_K_ELF) {
        unsigned char have[64];
        size_t n = tdw_build_id(elf, have, sizeof have);
        snprintf(got, len, "none");
        for (size_t i = 0; i < n && 2 * i + 3 <= len; i++)
            snprintf(got + 2 * i, 3, "%02x", have[i]);
        ok = n == id_len && !memcmp(have, id, n);
        if (ok && !tdw_has_debug_info(elf)) {
            snprintf(got, len, "no .debug_info");
            ok = false;
        }
    }
    elf_end(elf);
    return ok;
}

int tdw_debuginfod_find(const unsigned char *id, size_t id_len, const char *what,
                        const struct tyr_dwarf_opts *opts, char *found, size_t found_len,
                        char *tried, size_t tried_len, bool *fetched, tyr_diag *diag)
{
    *fetched = false;
    const char *urls = NULL;
    int (*fn)(void *, long, long) = NULL;
    void *fn_arg = NULL;
    if (opts && opts->sz >= offsetof(struct tyr_dwarf_opts, debuginfod_urls) + sizeof(char *))
        urls = opts->debuginfod_urls;
    if (opts && opts->sz >= offsetof(struct tyr_dwarf_opts, debuginfod_progress_arg) +
                                sizeof(void *)) {
        fn = opts->debuginfod_progress;
        fn_arg = opts->debuginfod_progress_arg;
    }
    bool own_urls = urls != NULL;
    if (!urls)
        urls = getenv(DEBUGINFOD_URLS_ENV_VAR);
    if (!urls || !*urls || id_len < 2 || id_len > 64)
        return 0;
    char hex[129];
    for (size_t i = 0; i < id_len; i++)
        snprintf(hex + 2 * i, 3, "%02x", id[i]);
    char place[512];
    snprintf(place, sizeof place, "debuginfod %s", urls);
    tdw_note_tried(tried, tried_len, place);

    debuginfod_client *c = debuginfod_begin();
    if (!c)
        return tyr_diag_set(diag, TYR_ENOMEM, 0, "debuginfod: cannot start a client");
    struct progress_ctx prog = {fn, fn_arg, 0, 0, 0};
    debuginfod_set_user_data(c, &prog);
    /* Always ours: DEBUGINFOD_PROGRESS would otherwise make the library print. */
    debuginfod_set_progressfn(c, on_progress);
    debuginfod_set_verbose_fd(c, -1);

    char *path = NULL; /* malloc'd by libdebuginfod, freed here */
    int fd;
    if (own_urls) {
        pthread_mutex_lock(&env_lock);
        const char *prev = getenv(DEBUGINFOD_URLS_ENV_VAR);
        char *saved = prev ? strdup(prev) : NULL;
        if (prev && !saved) {
            pthread_mutex_unlock(&env_lock);
            debuginfod_end(c);
            return tyr_diag_set(diag, TYR_ENOMEM, 0, "out of memory");
        }
        setenv(DEBUGINFOD_URLS_ENV_VAR, urls, 1);
        fd = debuginfod_find_debuginfo(c, id, (int)id_len, &path);
        if (saved)
            setenv(DEBUGINFOD_URLS_ENV_VAR, saved, 1);
        else
            unsetenv(DEBUGINFOD_URLS_ENV_VAR);
        free(saved);
        pthread_mutex_unlock(&env_lock);
    } else {
        fd = debuginfod_find_debuginfo(c, id, (int)id_len, &path);
    }
    debuginfod_end(c);

    if (prog.stop) { /* the callback rule of tyr/common.h: its value, unchanged */
        if (fd >= 0)
            close(fd);
        free(path);
        return tyr_diag_set(diag, prog.stop, 0, "debuginfod %s: download of %s %s stopped by "
                            "the progress callback", urls, what, hex);
    }
    if (fd == -ENOENT && prog.total > 0) {
        free(path);
        return tyr_diag_set(diag, TYR_EIO, 0,
                            "debuginfod %s: download of %s %s broke off after %ld of %ld bytes",
                            urls, what, hex, prog.done, prog.total);
    }
    if (fd == -ENOENT || fd == -ENOSYS) { /* not there: the caller says where it looked */
        free(path);
        return 0;
    }
    if (fd < 0) {
        free(path);
        return tyr_diag_set(diag, TYR_EIO, 0, "debuginfod %s: %s for %s %s", urls, why(fd),
                            what, hex);
    }
    char got[130];
    bool ok = is_the_file(fd, id, id_len, got, sizeof got);
    close(fd);
    if (!ok) {
        if (path)
            unlink(path); /* not the file: a later run asks again rather than trust it */
        free(path);
        return tyr_diag_set(diag, TYR_ENODEBUG, 0,
                            "refused the %s debuginfod %s served: its build-id is %s", what,
                            urls, got);
    }
    if (!path || strlen(path) >= found_len) {
        free(path);
        return tyr_diag_set(diag, TYR_ENOSPC, 0, "debuginfod: cache path too long");
    }
    memcpy(found, path, strlen(path) + 1);
    free(path);
    *fetched = true;
    return 0;
}
