/* SPDX-License-Identifier: MIT */
/* tyr: an arena-owned type registry for ahead-of-time tracing runtimes. Include this. */
#ifndef TYR_TYR_H
#define TYR_TYR_H

#include "tyr/common.h"
#include "tyr/error.h"
#include "tyr/types.h"
#include "tyr/registry.h"
#include "tyr/blob.h"
#include "tyr/dwarf.h"
#include "tyr/output.h"

#endif /* TYR_TYR_H */
