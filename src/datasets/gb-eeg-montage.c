/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-eeg-montage.h"

#include <math.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

typedef struct {
  const char *label;
  float theta; /* degrees from the nose, positive towards the right ear */
  float r;     /* 0.5 at ear level */
} Eloc;

/* BCI Competition III data set II: order and polar positions of eloc64.txt (EEGLAB format). */
static const Eloc eloc64[64] = {
    {"FC5", -68, 0.300f},  {"FC3", -60, 0.219f},  {"FC1", -42, 0.140f},  {"FCz", 0, 0.101f},
    {"FC2", 42, 0.140f},   {"FC4", 60, 0.219f},   {"FC6", 68, 0.300f},   {"C5", -90, 0.304f},
    {"C3", -90, 0.203f},   {"C1", -90, 0.101f},   {"Cz", 0, 0.000f},     {"C2", 90, 0.101f},
    {"C4", 90, 0.203f},    {"C6", 90, 0.304f},    {"CP5", -112, 0.300f}, {"CP3", -120, 0.219f},
    {"CP1", -138, 0.140f}, {"CPz", 180, 0.101f},  {"CP2", 138, 0.140f},  {"CP4", 120, 0.219f},
    {"CP6", 112, 0.300f},  {"Fp1", -18, 0.406f},  {"Fpz", 0, 0.406f},    {"Fp2", 18, 0.406f},
    {"AF7", -36, 0.406f},  {"AF3", -23, 0.343f},  {"AFz", 0, 0.304f},    {"AF4", 23, 0.343f},
    {"AF8", 36, 0.406f},   {"F7", -54, 0.406f},   {"F5", -46, 0.363f},   {"F3", -35, 0.275f},
    {"F1", -21, 0.219f},   {"Fz", 0, 0.203f},     {"F2", 21, 0.219f},    {"F4", 35, 0.275f},
    {"F6", 46, 0.363f},    {"F8", 54, 0.406f},    {"FT7", -72, 0.406f},  {"FT8", 72, 0.406f},
    {"T7", -90, 0.406f},   {"T8", 90, 0.406f},    {"T9", -90, 0.499f},   {"T10", 90, 0.499f},
    {"TP7", -108, 0.406f}, {"TP8", 108, 0.406f},  {"P7", -126, 0.406f},  {"P5", -134, 0.343f},
    {"P3", -145, 0.275f},  {"P1", -159, 0.219f},  {"Pz", 180, 0.181f},   {"P2", 159, 0.219f},
    {"P4", 145, 0.275f},   {"P6", 134, 0.343f},   {"P8", 126, 0.406f},   {"PO7", -144, 0.406f},
    {"PO3", -157, 0.343f}, {"POz", 180, 0.304f},  {"PO4", 157, 0.343f},  {"PO8", 144, 0.406f},
    {"O1", -162, 0.406f},  {"Oz", 180, 0.406f},   {"O2", 162, 0.406f},   {"Iz", 180, 0.499f},
};

/* 10-20 names other recordings use that eloc64 lacks: the old temporal names at the positions
 * of their modern equivalents, and the inferior ring at ear level (r = 0.5). */
static const Eloc extra[] = {
    {"T3", -90, 0.406f},  {"T4", 90, 0.406f},    {"T5", -126, 0.406f},  {"T6", 126, 0.406f},
    {"Nz", 0, 0.500f},    {"F9", -54, 0.500f},   {"F10", 54, 0.500f},   {"FT9", -72, 0.500f},
    {"FT10", 72, 0.500f}, {"TP9", -108, 0.500f}, {"TP10", 108, 0.500f}, {"P9", -126, 0.500f},
    {"P10", 126, 0.500f}, {"PO9", -144, 0.500f}, {"PO10", 144, 0.500f}, {"O9", -162, 0.500f},
    {"O10", 162, 0.500f},
};

static const char *const montage8[] = {"Fz", "Cz", "Pz", "Oz", "P3", "P4", "PO7", "PO8"};

static const char *const montage16[] = {"Fp1", "Fp2", "F3", "Fz",  "F4",  "C3", "Cz", "C4",
                                        "P3",  "Pz",  "P4", "PO7", "PO8", "O1", "Oz", "O2"};

static const char *const montage32[] = {
    "Fp1", "Fp2", "AF3", "AF4", "F7", "F3", "Fz", "F4",  "F8",  "FC5", "FC1",
    "FC2", "FC6", "T7",  "C3",  "Cz", "C4", "T8", "CP5", "CP1", "CP2", "CP6",
    "P7",  "P3",  "Pz",  "P4",  "P8", "PO7", "PO8", "O1", "Oz",  "O2"};

static const Eloc *
eloc_find(const char *label)
{
  for (int i = 0; i < 64; i++)
    if (strcasecmp(eloc64[i].label, label) == 0)
      return &eloc64[i];
  for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++)
    if (strcasecmp(extra[i].label, label) == 0)
      return &extra[i];
  return NULL;
}

static void
eloc_to_channel(const Eloc *e, GbEegChannel *out)
{
  double th = e->theta * (M_PI / 180.0);
  memset(out->label, 0, sizeof out->label);
  strncpy(out->label, e->label, sizeof out->label - 1);
  out->x = (float)(e->r * sin(th));
  out->y = (float)(e->r * cos(th));
  /* sin(pi) and cos(+-pi/2) are not exactly zero in floating point: midline channels and
   * the C row should sit exactly on their axes. */
  if (e->theta == 0 || e->theta == 180)
    out->x = 0.0f;
  if (e->theta == 90 || e->theta == -90)
    out->y = 0.0f;
}

static const char *const *
subset_labels(int n_channels)
{
  switch (n_channels) {
  case 8: return montage8;
  case 16: return montage16;
  case 32: return montage32;
  default: return NULL;
  }
}

bool
gb_eeg_montage_supported(int n_channels)
{
  return n_channels == 64 || subset_labels(n_channels) != NULL;
}

const char *
gb_eeg_montage_name(int n_channels)
{
  switch (n_channels) {
  case 8: return "BNCI2014_008 (8 channels)";
  case 16: return "10-20 subset (16 channels)";
  case 32: return "10-20 with PO7/PO8 (32 channels)";
  case 64: return "BCI Competition III (eloc64)";
  default: return NULL;
  }
}

GbStatus
gb_eeg_montage_get(int n_channels, GbEegChannel *out, GbError *err)
{
  if (!gb_eeg_montage_supported(n_channels))
    return gb_error_set(err, GB_ERR_INVALID,
                        "EEG montage: %d channels is not supported (use 8, 16, 32 or 64)",
                        n_channels);
  const char *const *labels = subset_labels(n_channels);
  for (int c = 0; c < n_channels; c++)
    eloc_to_channel(labels != NULL ? eloc_find(labels[c]) : &eloc64[c], &out[c]);
  return GB_OK;
}

bool
gb_eeg_montage_position(const char *label, float *x, float *y)
{
  const Eloc *e = eloc_find(label);
  if (e == NULL)
    return false;
  GbEegChannel ch;
  eloc_to_channel(e, &ch);
  *x = ch.x;
  *y = ch.y;
  return true;
}

bool
gb_eeg_montage_canonical_label(const char *label, const char **canonical)
{
  const Eloc *e = eloc_find(label);
  if (e != NULL)
    *canonical = e->label;
  return e != NULL;
}
