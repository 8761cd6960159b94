/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <stddef.h>

/* Fraction of predictions equal to the labels. */
double gb_metrics_accuracy(const int *pred, const int *labels, int n);
/* Mean over the classes present in @labels of each class's recall. */
double gb_metrics_balanced_accuracy(const int *pred, const int *labels, int n, int n_classes);
/* cm[true * n_classes + predicted] counts; @cm has n_classes^2 entries. Out-of-range labels or
 * predictions are not counted. */
void gb_metrics_confusion(const int *pred, const int *labels, int n, int n_classes, int *cm);
/* Area under the ROC curve of @scores for binary @labels (1 = positive), ties counted as one
 * half (the Mann-Whitney statistic). NAN when one class is absent. */
double gb_metrics_roc_auc(const float *scores, const int *labels, int n);
