/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"
/* being written */
typedef int gb_gb_search_placeholder;
