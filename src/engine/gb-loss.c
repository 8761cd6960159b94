/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-loss.h"

#include <math.h>
#include <string.h>

void
gb_loss_config_init(GbLossConfig *cfg, GbLossKind kind)
{
  cfg->kind = kind;
  cfg->weight_neg = 1.0f;
  cfg->weight_pos = 1.0f;
}

static const char *const loss_names[] = {"softmax-ce", "bce", "mse"};

bool
gb_loss_kind_from_string(const char *name, GbLossKind *kind)
{
  for (int i = 0; i < 3; i++)
    if (strcmp(name, loss_names[i]) == 0) {
      *kind = (GbLossKind)i;
      return true;
    }
  if (strcmp(name, "ce") == 0 || strcmp(name, "cross-entropy") == 0) {
    *kind = GB_LOSS_SOFTMAX_CE;
    return true;
  }
  return false;
}

const char *
gb_loss_kind_to_string(GbLossKind kind)
{
  return (unsigned)kind < 3 ? loss_names[kind] : "unknown";
}

/* L = -log softmax(z)_y = logsumexp(z) - z_y;  dL/dz = (softmax(z) - onehot(y)) / batch */
double
gb_loss_softmax_ce(const float *logits, const int *labels, int batch, int n_classes,
                   float *dlogits)
{
  double total = 0.0;
  for (int b = 0; b < batch; b++) {
    const float *z = logits + (size_t)b * n_classes;
    float mx = z[0];
    for (int j = 1; j < n_classes; j++)
      mx = z[j] > mx ? z[j] : mx;
    double sum = 0.0;
    for (int j = 0; j < n_classes; j++)
      sum += exp((double)z[j] - mx);
    double lse = mx + log(sum);
    int y = labels[b];
    total += lse - z[y];
    if (dlogits != NULL) {
      float *d = dlogits + (size_t)b * n_classes;
      for (int j = 0; j < n_classes; j++)
        d[j] = (float)((exp((double)z[j] - lse) - (j == y ? 1.0 : 0.0)) / batch);
    }
  }
  return total / batch;
}

/* l = w_y * (softplus(z) - y z), computed stably as max(z,0) - y z + log(1 + e^-|z|);
 * dl/dz = w_y * (sigmoid(z) - y) */
double
gb_loss_bce(const float *logits, const int *labels, int batch, float weight_neg,
            float weight_pos, float *dlogits)
{
  double total = 0.0;
  for (int b = 0; b < batch; b++) {
    double z = logits[b];
    double y = labels[b] ? 1.0 : 0.0;
    double w = labels[b] ? weight_pos : weight_neg;
    double l = (z > 0 ? z : 0.0) - y * z + log1p(exp(-fabs(z)));
    total += w * l;
    if (dlogits != NULL) {
      double s = 1.0 / (1.0 + exp(-z));
      dlogits[b] = (float)(w * (s - y) / batch);
    }
  }
  return total / batch;
}

double
gb_loss_mse(const float *y, const float *targets, int batch, int n, float *dy)
{
  double total = 0.0;
  size_t count = (size_t)batch * n;
  for (size_t i = 0; i < count; i++) {
    double d = (double)y[i] - targets[i];
    total += d * d;
    if (dy != NULL)
      dy[i] = (float)(2.0 * d / (double)count);
  }
  return total / (double)count;
}

double
gb_loss_compute(const GbLossConfig *cfg, const float *logits, const int *labels,
                const float *targets, int batch, int n_out, float *dlogits)
{
  switch (cfg->kind) {
  case GB_LOSS_SOFTMAX_CE:
    return gb_loss_softmax_ce(logits, labels, batch, n_out, dlogits);
  case GB_LOSS_BCE:
    return gb_loss_bce(logits, labels, batch, cfg->weight_neg, cfg->weight_pos, dlogits);
  case GB_LOSS_MSE:
    return gb_loss_mse(logits, targets, batch, n_out, dlogits);
  }
  return NAN;
}
