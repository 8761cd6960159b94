/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-eeg-trial.h"

#include <math.h>

struct _GbEegTrial {
  GObject parent_instance;
  int index, subject, label;
  double probability;
};

enum { PROP_0, PROP_PROBABILITY, N_PROPS };
static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE(GbEegTrial, gb_eeg_trial, G_TYPE_OBJECT)

static void
gb_eeg_trial_get_property(GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  GbEegTrial *self = GB_EEG_TRIAL(object);
  if (id == PROP_PROBABILITY)
    g_value_set_double(value, self->probability);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
}

static void
gb_eeg_trial_class_init(GbEegTrialClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS(klass);
  object_class->get_property = gb_eeg_trial_get_property;
  properties[PROP_PROBABILITY] =
    g_param_spec_double("probability", NULL, NULL, -G_MAXDOUBLE, G_MAXDOUBLE, 0.0,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties(object_class, N_PROPS, properties);
}

static void
gb_eeg_trial_init(GbEegTrial *self)
{
  self->probability = NAN;
}

GbEegTrial *
gb_eeg_trial_new(int index, int subject, int label)
{
  GbEegTrial *self = g_object_new(GB_TYPE_EEG_TRIAL, NULL);
  self->index = index;
  self->subject = subject;
  self->label = label;
  return self;
}

int
gb_eeg_trial_get_index(GbEegTrial *self)
{
  return self->index;
}

int
gb_eeg_trial_get_subject(GbEegTrial *self)
{
  return self->subject;
}

int
gb_eeg_trial_get_label(GbEegTrial *self)
{
  return self->label;
}

double
gb_eeg_trial_get_probability(GbEegTrial *self)
{
  return self->probability;
}

void
gb_eeg_trial_set_probability(GbEegTrial *self, double p)
{
  g_return_if_fail(GB_IS_EEG_TRIAL(self));
  if (p == self->probability || (isnan(p) && isnan(self->probability)))
    return;
  self->probability = p;
  g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_PROBABILITY]);
}
