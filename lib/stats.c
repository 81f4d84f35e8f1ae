/* SPDX-License-Identifier: MIT */
/* Counts and bytes of a registry's arena, the same for building and mapped registries. */
#include <string.h>

#include "internal.h"
#include "opts.h"

int tyr_registry_get_stats(const tyr_registry *reg, tyr_registry_stats *out)
{
    if (!reg || !tyr__stats_valid(out, sizeof *out))
        return TYR_EINVAL;
    tyr_registry_stats st;
    memset(&st, 0, sizeof(st));
    for (uint32_t id = 0; id < reg->ntypes; id++) {
        const struct tyr_rec_type *r = &reg->types[id];
        if (r->kind < TYR_KIND_COUNT_)
            st.per_kind[r->kind]++;
        st.named += r->name != 0;
    }
    st.types = reg->ntypes;
    st.fields = reg->nfields ? reg->nfields - 1 : 0;
    st.enumerators = reg->nenums ? reg->nenums - 1 : 0;
    st.params = reg->nparams ? reg->nparams - 1 : 0;
    st.layouts = reg->nlayouts;
    st.bytes_types = (uint64_t)reg->ntypes * sizeof(*reg->types);
    st.bytes_layouts = (uint64_t)reg->nlayouts * sizeof(*reg->layouts);
    /* the escapes count with the records they belong to */
    st.bytes_fields = (uint64_t)reg->nfields * sizeof(*reg->fields) +
                      (uint64_t)reg->nwfields * sizeof(*reg->wfields);
    st.bytes_enumerators = (uint64_t)reg->nenums * sizeof(*reg->enums) +
                           (uint64_t)reg->nwenums * sizeof(*reg->wenums);
    st.bytes_params = (uint64_t)reg->nparams * sizeof(*reg->params);
    st.bytes_strings = reg->strs_len;
    /* a mapped registry's STARTS and NAMED; a building one's as the writer would emit them */
    st.bytes_index = ((uint64_t)tyr__index_buckets(reg) + 1 + reg->nnamed) * sizeof(uint32_t);
    st.bytes_arena = st.bytes_types + st.bytes_layouts + st.bytes_fields + st.bytes_enumerators + st.bytes_params +
                     st.bytes_strings + st.bytes_index;
    tyr__stats_fill(out, &st, sizeof st);
    return 0;
}
