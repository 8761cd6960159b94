/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-data-handle.h"

struct _GbDataHandle {
  GObject parent_instance;
  GbDataset *digits;
  GbEegSet *eeg;
  char *name;
};

G_DEFINE_FINAL_TYPE(GbDataHandle, gb_data_handle, G_TYPE_OBJECT)

static void
gb_data_handle_finalize(GObject *object)
{
  GbDataHandle *self = GB_DATA_HANDLE(object);
  gb_dataset_free(self->digits);
  gb_eeg_set_free(self->eeg);
  g_free(self->name);
  G_OBJECT_CLASS(gb_data_handle_parent_class)->finalize(object);
}

static void
gb_data_handle_class_init(GbDataHandleClass *klass)
{
  G_OBJECT_CLASS(klass)->finalize = gb_data_handle_finalize;
}

static void
gb_data_handle_init(GbDataHandle *self)
{
  (void)self;
}

GbDataHandle *
gb_data_handle_new_digits(GbDataset *digits, const char *name)
{
  g_return_val_if_fail(digits != NULL, NULL);
  GbDataHandle *self = g_object_new(GB_TYPE_DATA_HANDLE, NULL);
  self->digits = digits;
  self->name = g_strdup(name != NULL ? name : digits->name);
  return self;
}

GbDataHandle *
gb_data_handle_new_eeg(GbEegSet *eeg, const char *name)
{
  g_return_val_if_fail(eeg != NULL && eeg->data != NULL, NULL);
  GbDataHandle *self = g_object_new(GB_TYPE_DATA_HANDLE, NULL);
  self->eeg = eeg;
  self->name = g_strdup(name != NULL ? name : eeg->source);
  return self;
}

const char *
gb_data_handle_get_name(GbDataHandle *self)
{
  g_return_val_if_fail(GB_IS_DATA_HANDLE(self), NULL);
  return self->name;
}

const GbDataset *
gb_data_handle_get_dataset(GbDataHandle *self)
{
  g_return_val_if_fail(GB_IS_DATA_HANDLE(self), NULL);
  return self->eeg != NULL ? self->eeg->data : self->digits;
}

const GbEegSet *
gb_data_handle_get_eeg(GbDataHandle *self)
{
  g_return_val_if_fail(GB_IS_DATA_HANDLE(self), NULL);
  return self->eeg;
}

int
gb_data_handle_get_size(GbDataHandle *self)
{
  return gb_dataset_size(gb_data_handle_get_dataset(self));
}

size_t
gb_data_handle_get_sample_size(GbDataHandle *self)
{
  GbShape s = gb_dataset_sample_shape(gb_data_handle_get_dataset(self));
  return gb_shape_size(&s);
}

const float *
gb_data_handle_get_sample(GbDataHandle *self, int i)
{
  const GbDataset *ds = gb_data_handle_get_dataset(self);
  g_return_val_if_fail(i >= 0 && i < gb_dataset_size(ds), NULL);
  return ds->x->data + (size_t)i * gb_data_handle_get_sample_size(self);
}

int
gb_data_handle_get_label(GbDataHandle *self, int i)
{
  const GbDataset *ds = gb_data_handle_get_dataset(self);
  g_return_val_if_fail(i >= 0 && i < gb_dataset_size(ds), -1);
  return ds->labels[i];
}
