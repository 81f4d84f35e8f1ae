/* SPDX-License-Identifier: MIT */
/* Visibility, versions and the options-struct convention shared by every tyr header. */
#ifndef TYR_COMMON_H
#define TYR_COMMON_H

#include <stddef.h>

#if defined(TYR_STATIC_DEFINE)
#define TYR_API
#elif defined(__GNUC__)
#define TYR_API __attribute__((visibility("default")))
#else
#define TYR_API
#endif

#define TYR_VERSION_MAJOR 0
#define TYR_VERSION_MINOR 1
#define TYR_VERSION_PATCH 0
#define TYR_VERSION_NUMBER \
    (TYR_VERSION_MAJOR * 10000 + TYR_VERSION_MINOR * 100 + TYR_VERSION_PATCH)

#ifdef __cplusplus
extern "C" {
#endif

/** @return TYR_VERSION_NUMBER of the library actually linked (catches header/library skew). */
TYR_API unsigned tyr_version_number(void);
/** @return "MAJOR.MINOR.PATCH" of the linked library; static storage. */
TYR_API const char *tyr_version_string(void);

#ifdef __cplusplus
}
#endif

/*
 * Options structs start with `size_t sz`, set to sizeof by the caller, so that old and new
 * callers and libraries mix: the library reads only the fields it knows and the caller
 * passed, and refuses a struct that sets bytes it does not know. Nothing to set? Pass NULL.
 *   tyr_registry_new(TYR_OPTS(tyr_registry_opts, .pointer_size = 4), &reg);
 * Stats structs (tyr_registry_stats, tyr_dwarf_stats, tyr_btf_stats) start with `size_t sz`
 * too, set the same way and checked by the same rule; the library fills the fields sz covers:
 *   tyr_registry_stats st = {.sz = sizeof st};
 */
#define TYR_OPTS(type, ...) (&(struct type){.sz = sizeof(struct type), __VA_ARGS__})

/*
 * Callbacks, one rule for all (sinks, progress callbacks, iterators, event handlers): a
 * callback returns 0 to go on; any other value stops the call that invoked it, which returns
 * that value to its caller unchanged (an import first rolls the registry back). A callback
 * may return a positive value of its own, told apart from the library's negative TYR_E*
 * codes, or a TYR_E* code to keep tyr_strerror() meaningful.
 */

#endif /* TYR_COMMON_H */
