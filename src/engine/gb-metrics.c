/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gb-alloc.h"

double
gb_metrics_accuracy(const int *pred, const int *labels, int n)
{
  if (n < 1)
    return NAN;
  int ok = 0;
  for (int i = 0; i < n; i++)
    ok += pred[i] == labels[i];
  return (double)ok / n;
}

void
gb_metrics_confusion(const int *pred, const int *labels, int n, int n_classes, int *cm)
{
  memset(cm, 0, (size_t)n_classes * n_classes * sizeof *cm);
  for (int i = 0; i < n; i++)
    if (labels[i] >= 0 && labels[i] < n_classes && pred[i] >= 0 && pred[i] < n_classes)
      cm[labels[i] * n_classes + pred[i]]++;
}

double
gb_metrics_balanced_accuracy(const int *pred, const int *labels, int n, int n_classes)
{
  int *cm = gb_calloc((size_t)n_classes * n_classes, sizeof *cm);
  if (cm == NULL || n_classes < 1)
    return NAN;
  gb_metrics_confusion(pred, labels, n, n_classes, cm);
  double sum = 0.0;
  int present = 0;
  for (int c = 0; c < n_classes; c++) {
    long row = 0;
    for (int k = 0; k < n_classes; k++)
      row += cm[c * n_classes + k];
    if (row > 0) {
      sum += (double)cm[c * n_classes + c] / row;
      present++;
    }
  }
  gb_free(cm);
  return present ? sum / present : NAN;
}

typedef struct {
  float score;
  int label;
} Scored;

static int
by_score(const void *a, const void *b)
{
  float x = ((const Scored *)a)->score, y = ((const Scored *)b)->score;
  return (x > y) - (x < y);
}

double
gb_metrics_roc_auc(const float *scores, const int *labels, int n)
{
  Scored *s = gb_calloc((size_t)(n > 0 ? n : 1), sizeof *s);
  if (s == NULL)
    return NAN;
  long n_pos = 0;
  for (int i = 0; i < n; i++) {
    s[i].score = scores[i];
    s[i].label = labels[i] != 0;
    n_pos += s[i].label;
  }
  long n_neg = n - n_pos;
  if (n_pos == 0 || n_neg == 0) {
    gb_free(s);
    return NAN;
  }
  qsort(s, (size_t)n, sizeof *s, by_score);
  /* Sum of the positives' ranks, tied scores sharing their average rank. */
  double rank_sum = 0.0;
  for (int i = 0; i < n;) {
    int j = i;
    while (j < n && s[j].score == s[i].score)
      j++;
    double avg_rank = (i + 1 + j) / 2.0;
    for (int k = i; k < j; k++)
      if (s[k].label)
        rank_sum += avg_rank;
    i = j;
  }
  gb_free(s);
  return (rank_sum - (double)n_pos * (n_pos + 1) / 2.0) / ((double)n_pos * n_neg);
}
