/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gb-model.h"
#include "gb-status.h"

/* What a recurrent network keeps in its hidden state while it reads a trial (methods.md §3.4,
 * §3.5, §2.4; Oliva & Lago-Fernández): the states of every step over many trials, each unit's
 * selectivity over time, PCA of the pooled states, a time-resolved logistic probe, k-means
 * clusters with their purity and transition table, relevance through time and space, and the
 * PRM-like model's per-step evidence. Labels are binary: 1 target, 0 non-target. */

/* ---- Collecting states ---- */

typedef struct {
  int n_trials, n_times, n_units;
  float *states;   /* (n_trials, n_times, n_units): h(t) for t = 1..T, owned */
  int *labels;     /* n_trials, owned */
  int *subjects;   /* n_trials, owned; all 0 when none were given */
  int n_subjects;  /* 1 + the largest subject index */
  int layer;       /* index of the model layer the states come from */
} GbHiddenStates;

/* Index of the first recurrent layer (rnn, lstm, gru, prm) of @m, or -1. */
int gb_hidden_find_layer(GbModel *m);

/* Runs @m over @n_trials inputs @x (n_trials, input size) without noise and keeps layer
 * @layer's state at every step, whatever its seq setting. @subjects may be NULL.
 * GB_ERR_INVALID for a layer that is not recurrent, labels other than 0/1 or no trials. */
GbStatus gb_hidden_collect(GbModel *m, int layer, const float *x, int n_trials,
                           const int *labels, const int *subjects, GbHiddenStates *out,
                           GbProgressFn progress, void *user, GbError *err);
void gb_hidden_states_clear(GbHiddenStates *s);

/* ---- Unit selectivity ---- */

/* d' = (mu_T - mu_N) / sqrt((var_T + var_N) / 2) with unbiased variances; 0 when both
 * groups are constant and equal, NaN when they are constant and differ or a group has fewer
 * than two members. */
double gb_hidden_dprime(const float *values, size_t stride, const int *labels, int n);
/* d' of every unit at every step: @dprime (n_times, n_units). */
void gb_hidden_selectivity(const GbHiddenStates *s, float *dprime);

/* ---- PCA ---- */

typedef struct {
  int dim;             /* features */
  double *mean;        /* dim */
  double *eigenvalues; /* dim, descending: variances along the axes (divisor n - 1) */
  double *axes;        /* (dim, dim): row k is the k-th unit-length principal axis, signed so
                        * that its largest-magnitude entry is positive */
  double total_variance;
} GbPca;

/* PCA of @n rows of @x (n, dim) by LAPACK's dsyevd on the covariance. GB_ERR_INVALID for
 * n < 2, GB_ERR_NUMERIC for non-finite values or when LAPACK fails. */
GbStatus gb_pca_fit(const float *x, size_t n, int dim, GbPca *out, GbError *err);
/* Scores on the first @k axes: @out (n, k). */
void gb_pca_project(const GbPca *p, const float *x, size_t n, int k, float *out);
void gb_pca_clear(GbPca *p);

/* ---- Time-resolved decoding ---- */

typedef struct {
  int folds;        /* k >= 2, default 5; stratified */
  double l2;        /* ridge penalty on the weights (not the bias) per sample, default 1e-2 */
  int max_iter;     /* Newton steps, default 25 */
  uint64_t seed;    /* fold assignment, default 1 */
} GbProbeConfig;

void gb_probe_config_init(GbProbeConfig *c);
/* Cross-validated L2 logistic regression on @x (n, dim), features standardised with each
 * training fold's statistics; the out-of-fold scores of all n rows pooled into one ROC AUC
 * (gb_metrics_roc_auc). GB_ERR_INVALID when a class has fewer members than folds. */
GbStatus gb_probe_cv_auc(const float *x, int n, int dim, const int *labels,
                         const GbProbeConfig *c, double *auc, GbError *err);
/* The probe at every step of @s: @auc (n_times). */
GbStatus gb_hidden_probe(const GbHiddenStates *s, const GbProbeConfig *c, double *auc,
                         GbProgressFn progress, void *user, GbError *err);

/* ---- Clusters ---- */

typedef struct {
  int k;         /* clusters, >= 1 */
  int restarts;  /* k-means++ initialisations, the lowest inertia kept; default 5 */
  int max_iter;  /* Lloyd iterations per restart, default 100 */
  uint64_t seed; /* default 1 */
} GbKmeansConfig;

typedef struct {
  int k, dim;
  float *centres;  /* (k, dim) */
  int *assign;     /* n: cluster of each row */
  int *sizes;      /* k */
  double inertia;  /* sum of squared distances to the assigned centres */
} GbKmeans;

void gb_kmeans_config_init(GbKmeansConfig *c, int k);
/* k-means with k-means++ seeding. GB_ERR_INVALID for k < 1 or n < k. */
GbStatus gb_kmeans_fit(const float *x, size_t n, int dim, const GbKmeansConfig *c,
                       GbKmeans *out, GbError *err);
void gb_kmeans_clear(GbKmeans *km);
/* Purity: the fraction of rows whose cluster's most common label is their own; labels in
 * [0, n_labels). */
double gb_cluster_purity(const int *assign, const int *labels, size_t n, int k, int n_labels);

/* Transitions between the clusters of consecutive steps of each trial: @assign
 * (n_trials, n_times) -> @counts (k, k), counts[a * k + b] = steps from a at t to b at t+1. */
void gb_cluster_transitions(const int *assign, int n_trials, int n_times, int k, int *counts);

typedef struct {
  double determinism;          /* mean over visited a of max_b P(b | a) */
  double weighted_determinism; /* sum_a max_b counts / all transitions (Oliva's score) */
  double conditional_entropy;  /* H(B | A) in bits: 0 for a deterministic table */
  int visited;                 /* sources a with at least one transition */
} GbTransitionStats;

void gb_transition_stats(const int *counts, int k, GbTransitionStats *out);

/* ---- Relevance through time ---- */

typedef enum {
  GB_HIDDEN_RELEVANCE_LRP,          /* LRP-eps (Arras' recurrent rule), gb-lrp.h */
  GB_HIDDEN_RELEVANCE_GRAD_X_INPUT, /* gradient x input */
} GbHiddenRelevance;

const char *gb_hidden_relevance_name(GbHiddenRelevance method);

/* One map per trial of the model's (single) logit, or of class 1 for two outputs: @maps
 * (n_trials, T, C) for inputs (n_trials, T, C). */
GbStatus gb_hidden_relevance_maps(GbModel *m, const float *x, int n_trials,
                                  GbHiddenRelevance method, float *maps, GbProgressFn progress,
                                  void *user, GbError *err);
/* One map (T, C) summed over channels (@per_time, T) and over time (@per_channel, C); either
 * may be NULL. */
void gb_relevance_sums(const float *map, int n_times, int n_channels, double *per_time,
                       double *per_channel);
/* Mean and sd over the trials of each class of the per-time sums: @mean and @sd (2, T),
 * row = label. A class without trials gives NaN. */
void gb_relevance_time_by_class(const float *maps, int n_trials, int n_times, int n_channels,
                                const int *labels, double *mean, double *sd);
/* Scalp values: per subject, the relevance summed over steps [t_lo, t_hi) for each channel,
 * averaged over that subject's trials with label @label (-1: all): @out (n_subjects, C); NaN
 * rows for subjects without such trials. */
void gb_relevance_window_by_subject(const float *maps, int n_trials, int n_times,
                                    int n_channels, const int *subjects, int n_subjects,
                                    const int *labels, int label, int t_lo, int t_hi,
                                    double *out);
/* Pearson correlation between the @n_rows rows of @rows (n_rows, n): @out (n_rows, n_rows);
 * NaN where a row is constant or has NaN. */
void gb_correlation_matrix(const double *rows, int n_rows, int n, double *out);

/* ---- The PRM-like model's evidence ---- */

/* Index of the first prm layer of @m, or -1. */
int gb_hidden_find_prm(GbModel *m);
/* The per-step terms e(t) + b_e / T of @m's prm layer for each trial: @evidence
 * (n_trials, T). They add up to the layer's logit (the model's output when the prm layer is
 * last). Runs the model's layers up to the prm layer with seq=all on a copy of the weights.
 * GB_ERR_INVALID when @m has no prm layer. */
GbStatus gb_hidden_prm_evidence(GbModel *m, const float *x, int n_trials, float *evidence,
                                GbError *err);

/* The model's own ROC AUC on these trials (x: (n, input size), labels 0/1): the reference a
 * probe of its hidden states is read against. NAN when the model cannot run. */
double gb_hidden_model_auc(GbModel *m, const float *x, int n, const int *labels);
