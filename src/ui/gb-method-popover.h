/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "gb-explain.h"

G_BEGIN_DECLS

/* The method picker's popover: the method and, below it, only the parameters that method
 * reads (rule, epsilon, gamma, steps, samples, noise, baseline, patch, stride, segmentation,
 * seed). Emits "changed" whenever the configuration changes. */
#define GB_TYPE_METHOD_POPOVER (gb_method_popover_get_type())
G_DECLARE_FINAL_TYPE(GbMethodPopover, gb_method_popover, GB, METHOD_POPOVER, GtkPopover)

GtkWidget *gb_method_popover_new(void);
void gb_method_popover_get_config(GbMethodPopover *self, GbMethodConfig *out);
/* Shows @config (emits "changed" once if it differs). */
void gb_method_popover_set_config(GbMethodPopover *self, const GbMethodConfig *config);
/* A short label for the button that opens it: "LRP (epsilon-gamma-box)", "SmoothGrad". */
char *gb_method_popover_dup_label(GbMethodPopover *self);
/* For people, translated: the method's title ("Gradient x input", "LRP"). */
const char *gb_method_display_title(GbMethod method);
/* For people: the method's title with its preset. */
char *gb_method_config_dup_label(const GbMethodConfig *config);

G_END_DECLS
