/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "gb-drawing-canvas.h"

G_BEGIN_DECLS

/* A row of buttons for @canvas: Pen / Eraser (following its "eraser" property both ways),
 * Undo and Redo (sensitive while it can undo or redo) and Clear (sensitive while it has ink).
 * Each button drops its link when either side goes. */
GtkWidget *gb_drawing_toolbar_new(GbDrawingCanvas *canvas);

G_END_DECLS
