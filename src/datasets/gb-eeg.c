/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-eeg.h"

#include <string.h>
#include <strings.h>

#include "gb-alloc.h"

GbEegSet *
gb_eeg_set_new(int n_trials, int n_times, int n_channels, double srate, double t0,
               bool with_truth, GbError *err)
{
  if (n_trials < 1 || n_times < 1 || n_channels < 1 || !(srate > 0)) {
    gb_error_set(err, GB_ERR_INVALID, "EEG set: need trials, samples, channels and a rate");
    return NULL;
  }
  GbEegSet *s = gb_calloc(1, sizeof *s);
  if (s == NULL)
    goto nomem;
  GbShape shape = gb_shape_2d(n_times, n_channels);
  s->data = gb_dataset_new("eeg", n_trials, &shape, 2, err);
  if (s->data == NULL) {
    gb_eeg_set_free(s);
    return NULL;
  }
  s->n_channels = n_channels;
  s->n_times = n_times;
  s->srate = srate;
  s->t0 = t0;
  s->channels = gb_calloc((size_t)n_channels, sizeof *s->channels);
  s->subject = gb_calloc((size_t)n_trials, sizeof *s->subject);
  s->stimulus = gb_calloc((size_t)n_trials, sizeof *s->stimulus);
  s->n_subjects = 1;
  if (s->channels == NULL || s->subject == NULL || s->stimulus == NULL)
    goto nomem;
  if (with_truth) {
    s->truth = gb_alloc_floats((size_t)n_trials * n_times * n_channels);
    if (s->truth == NULL)
      goto nomem;
  }
  return s;
nomem:
  gb_eeg_set_free(s);
  gb_error_set(err, GB_ERR_NOMEM, "EEG set: out of memory for %d trials", n_trials);
  return NULL;
}

void
gb_eeg_set_free(GbEegSet *s)
{
  if (s == NULL)
    return;
  gb_dataset_free(s->data);
  gb_free(s->channels);
  gb_free(s->subject);
  gb_free(s->stimulus);
  gb_free(s->truth);
  gb_free(s->source);
  gb_free(s);
}

GbEegSet *
gb_eeg_set_dup(const GbEegSet *src, GbError *err)
{
  int n = gb_dataset_size(src->data);
  GbEegSet *s = gb_eeg_set_new(n, src->n_times, src->n_channels, src->srate, src->t0,
                               src->truth != NULL, err);
  if (s == NULL)
    return NULL;
  size_t d = (size_t)src->n_times * src->n_channels;
  memcpy(s->data->x->data, src->data->x->data, (size_t)n * d * sizeof(float));
  memcpy(s->data->labels, src->data->labels, (size_t)n * sizeof(int));
  memcpy(s->channels, src->channels, (size_t)src->n_channels * sizeof *s->channels);
  memcpy(s->subject, src->subject, (size_t)n * sizeof(int));
  memcpy(s->stimulus, src->stimulus, (size_t)n * sizeof(int));
  if (src->truth != NULL)
    memcpy(s->truth, src->truth, (size_t)n * d * sizeof(float));
  s->n_subjects = src->n_subjects;
  if (src->source != NULL && (s->source = gb_strdup(src->source)) == NULL) {
    gb_eeg_set_free(s);
    gb_error_set(err, GB_ERR_NOMEM, "EEG set: a copy of its source name");
    return NULL;
  }
  return s;
}

int
gb_eeg_set_find_channel(const GbEegSet *s, const char *label)
{
  for (int c = 0; c < s->n_channels; c++)
    if (strcasecmp(s->channels[c].label, label) == 0)
      return c;
  return -1;
}
