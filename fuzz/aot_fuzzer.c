/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for the .aot container: arbitrary bytes are copied into an 8-aligned
 * buffer and opened with tyr_aot_open_mem() (header, section table, strings, targets, probes,
 * values, capture items, the embedded blob). When a file opens, everything the runtime would
 * read is read: targets, probes, values, and each probe's event printed from zeroed data and
 * again with every item marked failed, into a null sink.
 *
 * The checksum (XXH3-64 over the bytes between the header and the blob) would stop nearly every
 * mutation, so the harness recomputes it when the section table names a blob inside the input,
 * unless size % 8 == 7 (then the checksum check itself is fuzzed). The blob's own checksum is
 * left alone: fuzz/blob_fuzzer.c covers what lies behind it.
 *
 * Seeds: fuzz/corpus/aot_fuzzer (files written by `tyr aot build` and by test_aot_file).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "aot_format.h"
#include "fuzz.h"
#include "tyr/aot.h"

static void fix_checksum(uint8_t *b, size_t size)
{
    if (size < AOT_HEADER_SIZE + AOT_SEC_COUNT_ * sizeof(struct aot_section) || size % 8 == 7)
        return;
    for (uint32_t i = 0; i < AOT_SEC_COUNT_; i++) {
        struct aot_section s;
        memcpy(&s, b + AOT_HEADER_SIZE + i * sizeof(s), sizeof(s));
        if (s.kind == AOT_SEC_BLOB && s.offset >= AOT_HEADER_SIZE && s.offset <= size) {
            uint64_t sum = XXH3_64bits(b + AOT_HEADER_SIZE, (size_t)(s.offset - AOT_HEADER_SIZE));
            memcpy(b + offsetof(struct aot_header, checksum), &sum, sizeof(sum));
            return;
        }
    }
}

static uint8_t zeros[AOT_MAX_DATA];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *b = aligned_alloc(8, size / 8 * 8 + 8);
    if (!b)
        return 0;
    memcpy(b, data, size);
    fix_checksum(b, size);
    tyr_aot *aot = NULL;
    tyr_diag d;
    if (tyr_aot_open_mem(b, size, NULL, &aot, &d)) {
        free(b);
        return 0;
    }
    tyr_aot_file_info info;
    tyr_aot_get_info(aot, &info);
    for (uint32_t t = 0; t < info.targets; t++) {
        tyr_aot_target_info ti;
        if (tyr_aot_target_get(aot, t, &ti) || strlen(ti.path) == (size_t)-1)
            abort();
    }
    tyr_sink sink = tyr_sink_null();
    for (uint32_t p = 0; p < info.probes; p++) {
        tyr_aot_probe_info pi;
        if (tyr_aot_probe_get(aot, p, &pi) || pi.data_len > AOT_MAX_DATA)
            abort();
        for (uint32_t v = 0; v < pi.values; v++) {
            tyr_aot_value_info vi;
            if (tyr_aot_value_get(aot, p, v, &vi) || vi.data_off + vi.data_len > pi.data_len)
                abort();
        }
        tyr_aot_event ev = {.probe = p, .data = zeros, .data_len = pi.data_len};
        (void)tyr_aot_event_print(aot, &ev, TYR_AOT_PRINT_TEXT, &sink);
        ev.fail = UINT32_MAX;
        (void)tyr_aot_event_print(aot, &ev, TYR_AOT_PRINT_TEXT, &sink);
    }
    tyr_aot_free(aot);
    free(b);
    return 0;
}
