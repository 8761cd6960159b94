/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "gb-eeg-file.h"
#include "gb-eeg-mat.h"
#include "gb-eeg-xdf.h"
#include "gb-eeg.h"

static bool
has_extension(const char *path, const char *ext)
{
  size_t n = strlen(path), e = strlen(ext);
  return n > e && strcasecmp(path + n - e, ext) == 0;
}

bool
gb_eeg_path_is_recording(const char *path)
{
  return has_extension(path, ".mat") || has_extension(path, ".edf") ||
         has_extension(path, ".bdf") || has_extension(path, ".gdf");
}

GbEegSet *
gb_eeg_set_open(const char *path, GbError *err)
{
  if (has_extension(path, ".mat"))
    return gb_eeg_mat_read(path, NULL, NULL, err);
  if (gb_eeg_path_is_recording(path))
    return gb_eeg_xdf_read(path, NULL, NULL, err);
  GbEegSet *set = NULL;
  if (gb_eeg_set_load(path, &set, err) != GB_OK)
    return NULL;
  return set;
}
