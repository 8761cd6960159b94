/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-digit-item.h"

#include <string.h>

#include "gb-digit-preprocess.h"

struct _GbDigitItem {
  GObject parent_instance;
  int index, label, prediction;
  double probability;
  float pixels[GB_DIGIT_SIZE * GB_DIGIT_SIZE];
};

enum { PROP_0, PROP_PREDICTION, N_PROPS };
static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE(GbDigitItem, gb_digit_item, G_TYPE_OBJECT)

static void
gb_digit_item_get_property(GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GbDigitItem *self = GB_DIGIT_ITEM(object);
  switch (prop_id) {
  case PROP_PREDICTION: g_value_set_int(value, self->prediction); break;
  default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
  }
}

static void
gb_digit_item_class_init(GbDigitItemClass *klass)
{
  G_OBJECT_CLASS(klass)->get_property = gb_digit_item_get_property;
  properties[PROP_PREDICTION] =
      g_param_spec_int("prediction", NULL, NULL, -1, G_MAXINT, -1,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties(G_OBJECT_CLASS(klass), N_PROPS, properties);
}

static void
gb_digit_item_init(GbDigitItem *self)
{
  self->prediction = -1;
}

GbDigitItem *
gb_digit_item_new(int index, int label, const float *pixels)
{
  GbDigitItem *self = g_object_new(GB_TYPE_DIGIT_ITEM, NULL);
  self->index = index;
  self->label = label;
  memcpy(self->pixels, pixels, sizeof self->pixels);
  return self;
}

int
gb_digit_item_get_index(GbDigitItem *self)
{
  g_return_val_if_fail(GB_IS_DIGIT_ITEM(self), -1);
  return self->index;
}

int
gb_digit_item_get_label(GbDigitItem *self)
{
  g_return_val_if_fail(GB_IS_DIGIT_ITEM(self), -1);
  return self->label;
}

const float *
gb_digit_item_get_pixels(GbDigitItem *self)
{
  g_return_val_if_fail(GB_IS_DIGIT_ITEM(self), NULL);
  return self->pixels;
}

int
gb_digit_item_get_prediction(GbDigitItem *self)
{
  g_return_val_if_fail(GB_IS_DIGIT_ITEM(self), -1);
  return self->prediction;
}

double
gb_digit_item_get_probability(GbDigitItem *self)
{
  g_return_val_if_fail(GB_IS_DIGIT_ITEM(self), 0.0);
  return self->probability;
}

void
gb_digit_item_set_prediction(GbDigitItem *self, int prediction, double probability)
{
  g_return_if_fail(GB_IS_DIGIT_ITEM(self));
  prediction = prediction < 0 ? -1 : prediction;
  if (self->prediction == prediction && self->probability == probability)
    return;
  self->prediction = prediction;
  self->probability = prediction < 0 ? 0.0 : probability;
  g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_PREDICTION]);
}

gboolean
gb_digit_item_is_misclassified(GbDigitItem *self)
{
  g_return_val_if_fail(GB_IS_DIGIT_ITEM(self), FALSE);
  return self->prediction >= 0 && self->prediction != self->label;
}
