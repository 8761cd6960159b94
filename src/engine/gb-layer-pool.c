/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"
#include "gb-layer.h"
/* PLACEHOLDER: being written */
static GbStatus unsupported(GbLayer *l, GbError *err) { return gb_error_set(err, GB_ERR_UNSUPPORTED, "%s: not implemented yet", l->name); }
const GbLayerOps gb_maxpool2d_ops = {"maxpool2d", unsupported, NULL, NULL, NULL, NULL, NULL};
const GbLayerOps gb_avgpool2d_ops = {"avgpool2d", unsupported, NULL, NULL, NULL, NULL, NULL};
