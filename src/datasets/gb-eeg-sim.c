/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-eeg-sim.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gb-alloc.h"
#include "gb-eeg-montage.h"
#include "gb-eeg-sim-private.h"

#define N_CODES      12   /* 6 columns (1-6) and 6 rows (7-12) */
#define REST_S       1.0  /* rest before the first flash of a character */
#define TAIL_S       0.5  /* rest after the last epoch */
#define RESPONSE_S   1.2  /* responses are evaluated up to this long after their flash */
#define P1_WIDTH     0.015
#define N1_WIDTH     0.020
#define N2_WIDTH     0.025
#define VEP_SPREAD   0.15
#define N2_SPREAD    0.20
#define VEP_CV       0.2
#define VEP_JITTER   0.008
#define ERP_CV       0.3
#define P3_SHIFT_SD  0.03 /* per-subject shift of the P3b centre from Pz */
#define P3_SHIFT_MAX 0.07

/* One flash and the single-trial parameters of its response. */
typedef struct {
  int onset; /* sample in the run */
  int code;  /* 1-12 */
  int target;
  double vep_amp, vep_shift;    /* factor, s */
  double p3_amp, p3_lat;        /* uV, s */
  double n2_amp, n2_lat;
} Flash;

/* Temporal waveforms of one flash's components, resp_len samples from its onset. */
typedef struct {
  double *vep, *n2, *p3;
} Waves;

typedef struct {
  const GbEegSimConfig *cfg;
  GbEegSet *set;
  GbEegBackground *bg;
  int C, n_flashes, lead, run_len, s0, n_times, resp_len;
  Flash *flash;
  double *run;  /* (run_len, C): the continuous recording of one character */
  double *w;    /* (3, C): spatial weights of the current subject's VEP, N2, P3b */
  double *wave; /* (3, resp_len), viewed through Waves */
  GbEegSimSubject subject;
} Sim;

static double
uniform(GbRng *rng, double lo, double hi)
{
  return lo + (hi - lo) * gb_rng_uniform(rng);
}

static double
clamp(double v, double lo, double hi)
{
  return v < lo ? lo : v > hi ? hi : v;
}

void
gb_eeg_sim_config_init(GbEegSimConfig *cfg)
{
  *cfg = (GbEegSimConfig){
      .n_subjects = 8,
      .n_characters = 10,
      .n_repetitions = 5,
      .n_channels = 16,
      .srate = 128.0,
      .t_start = -0.1,
      .t_end = 0.7,
      .soa = 0.175,
      .erp_scale = 1.0,
      .vep_target_gain = 1.0,
      .background_uv = 4.0,
      .alpha_uv = 6.0,
      .blink_rate = 12.0,
      .blink_uv = 150.0,
      .drift_uv = 8.0,
      .line_uv = 2.0,
      .line_hz = 50.0,
      .seed = 1,
  };
}

int
gb_eeg_sim_trials_per_subject(const GbEegSimConfig *cfg)
{
  return cfg->n_characters * cfg->n_repetitions * N_CODES;
}

static bool
in_range(double v, double lo, double hi)
{
  return isfinite(v) && v >= lo && v <= hi;
}

static GbStatus
check_amplitudes(const GbEegSimConfig *cfg, GbError *err)
{
  const struct {
    const char *name;
    double v, max;
  } a[] = {
      {"erp_scale", cfg->erp_scale, 10},         {"vep_target_gain", cfg->vep_target_gain, 5},
      {"background_uv", cfg->background_uv, 1e3}, {"alpha_uv", cfg->alpha_uv, 1e3},
      {"blink_rate", cfg->blink_rate, 120},       {"blink_uv", cfg->blink_uv, 1e4},
      {"drift_uv", cfg->drift_uv, 1e4},           {"line_uv", cfg->line_uv, 1e4},
  };
  for (size_t i = 0; i < sizeof a / sizeof a[0]; i++)
    if (!in_range(a[i].v, 0, a[i].max))
      return gb_error_set(err, GB_ERR_INVALID, "EEG simulator: %s = %g is outside 0..%g",
                          a[i].name, a[i].v, a[i].max);
  if (!in_range(cfg->line_hz, 1, 1000))
    return gb_error_set(err, GB_ERR_INVALID, "EEG simulator: line_hz = %g is outside 1..1000 Hz",
                        cfg->line_hz);
  return GB_OK;
}

GbStatus
gb_eeg_sim_config_check(const GbEegSimConfig *cfg, GbError *err)
{
  const char *what = "EEG simulator";
  if (cfg->n_subjects < 1 || cfg->n_subjects > 1000)
    return gb_error_set(err, GB_ERR_INVALID, "%s: %d subjects (need 1 to 1000)", what,
                        cfg->n_subjects);
  if (cfg->n_characters < 1 || cfg->n_characters > 1000 || cfg->n_repetitions < 1 ||
      cfg->n_repetitions > 100)
    return gb_error_set(err, GB_ERR_INVALID,
                        "%s: %d characters of %d repetitions (need 1-1000 characters of 1-100 "
                        "repetitions)",
                        what, cfg->n_characters, cfg->n_repetitions);
  if (!gb_eeg_montage_supported(cfg->n_channels))
    return gb_error_set(err, GB_ERR_INVALID, "%s: no %d-channel montage (use 8, 16, 32 or 64)",
                        what, cfg->n_channels);
  if (!in_range(cfg->srate, 64, 1024))
    return gb_error_set(err, GB_ERR_INVALID, "%s: sampling rate %g Hz is outside 64..1024 Hz",
                        what, cfg->srate);
  if (!in_range(cfg->t_start, -0.5, 0.5) || !in_range(cfg->t_end, cfg->t_start + 0.1, 1.5))
    return gb_error_set(err, GB_ERR_INVALID,
                        "%s: epoch window %g..%g s must start in -0.5..0.5 s, end by 1.5 s and "
                        "last at least 0.1 s",
                        what, cfg->t_start, cfg->t_end);
  if (!in_range(cfg->soa, 0.1, 1.0))
    return gb_error_set(err, GB_ERR_INVALID, "%s: SOA %g s is outside 0.1..1 s", what, cfg->soa);
  double floats = (double)cfg->n_subjects * gb_eeg_sim_trials_per_subject(cfg) *
                  (cfg->t_end - cfg->t_start) * cfg->srate * cfg->n_channels;
  if (floats > 1e9)
    return gb_error_set(err, GB_ERR_INVALID, "%s: %.3g samples are too many (at most 1e9)", what,
                        floats);
  return check_amplitudes(cfg, err);
}

void
gb_eeg_sim_subject_draw(const GbEegSimConfig *cfg, int subject, GbEegSimSubject *out)
{
  GbRng rng;
  gb_rng_seed(&rng, gb_rng_derive(gb_rng_derive(cfg->seed, (uint64_t)subject), 0));
  float pz_x = 0, pz_y = 0;
  gb_eeg_montage_position("Pz", &pz_x, &pz_y);
  /* Every value is drawn whatever the scales, so a scale changes only what it scales. */
  out->p3_latency = uniform(&rng, 0.32, 0.43);
  out->p3_width = uniform(&rng, 0.06, 0.09);
  out->p3_jitter = uniform(&rng, 0.02, 0.04);
  out->p3_amplitude = cfg->erp_scale * uniform(&rng, 6.0, 11.0);
  out->p3_x = pz_x + clamp(P3_SHIFT_SD * gb_rng_normal(&rng), -P3_SHIFT_MAX, P3_SHIFT_MAX);
  out->p3_y = pz_y + clamp(P3_SHIFT_SD * gb_rng_normal(&rng), -P3_SHIFT_MAX, P3_SHIFT_MAX);
  out->p3_spread = uniform(&rng, 0.17, 0.25);
  out->n2_latency = uniform(&rng, 0.21, 0.25);
  out->n2_amplitude = -cfg->erp_scale * uniform(&rng, 2.0, 4.0);
  out->p1_amplitude = uniform(&rng, 2.0, 4.0);
  out->p1_latency = uniform(&rng, 0.09, 0.11);
  out->n1_amplitude = -uniform(&rng, 3.0, 6.0);
  out->n1_latency = uniform(&rng, 0.15, 0.19);
  out->background_uv = cfg->background_uv * uniform(&rng, 0.8, 1.25);
  out->beta = uniform(&rng, 1.0, 1.6);
  out->alpha_hz = uniform(&rng, 8.5, 11.5);
  out->alpha_uv = cfg->alpha_uv * uniform(&rng, 0.5, 1.5);
  out->blink_rate = cfg->blink_rate * uniform(&rng, 0.6, 1.4);
  out->blink_uv = cfg->blink_uv * uniform(&rng, 0.7, 1.3);
}

static double
gauss(double t, double mu, double sigma)
{
  double z = (t - mu) / sigma;
  return exp(-0.5 * z * z);
}

static double
spatial(const GbEegChannel *ch, double cx, double cy, double spread)
{
  double dx = ch->x - cx, dy = ch->y - cy;
  return exp(-(dx * dx + dy * dy) / (2.0 * spread * spread));
}

/* w: VEP at PO7 + PO8, N2 between Cz and CPz, P3b at the subject's centre. */
static void
sim_subject_weights(Sim *sim)
{
  float po7x, po7y, po8x, po8y, cpzx, cpzy;
  gb_eeg_montage_position("PO7", &po7x, &po7y);
  gb_eeg_montage_position("PO8", &po8x, &po8y);
  gb_eeg_montage_position("CPz", &cpzx, &cpzy);
  const GbEegSimSubject *s = &sim->subject;
  for (int c = 0; c < sim->C; c++) {
    const GbEegChannel *ch = &sim->set->channels[c];
    sim->w[c] = spatial(ch, po7x, po7y, VEP_SPREAD) + spatial(ch, po8x, po8y, VEP_SPREAD);
    sim->w[sim->C + c] = spatial(ch, 0.5 * cpzx, 0.5 * cpzy, N2_SPREAD);
    sim->w[2 * sim->C + c] = spatial(ch, s->p3_x, s->p3_y, s->p3_spread);
  }
}

static Waves
sim_waves(Sim *sim)
{
  return (Waves){sim->wave, sim->wave + sim->resp_len, sim->wave + 2 * sim->resp_len};
}

/* The flash's component waveforms; N2 and P3b are zero for non-targets. */
static void
flash_waves(Sim *sim, const Flash *f, Waves *w)
{
  const GbEegSimSubject *s = &sim->subject;
  for (int i = 0; i < sim->resp_len; i++) {
    double t = i / sim->cfg->srate;
    w->vep[i] = f->vep_amp * (s->p1_amplitude * gauss(t, s->p1_latency + f->vep_shift, P1_WIDTH) +
                              s->n1_amplitude * gauss(t, s->n1_latency + f->vep_shift, N1_WIDTH));
    w->n2[i] = f->target ? f->n2_amp * gauss(t, f->n2_lat, N2_WIDTH) : 0.0;
    w->p3[i] = f->target ? f->p3_amp * gauss(t, f->p3_lat, s->p3_width) : 0.0;
  }
}

/* Every flash draws the same numbers, target or not, so the stream does not depend on the
 * order of the codes. The N2 takes half the P3b's latency shift. */
static void
draw_flash(Sim *sim, Flash *f, GbRng *rng)
{
  const GbEegSimSubject *s = &sim->subject;
  f->vep_amp = fmax(0.0, 1.0 + VEP_CV * gb_rng_normal(rng));
  f->vep_shift = VEP_JITTER * gb_rng_normal(rng);
  double shift = s->p3_jitter * clamp(gb_rng_normal(rng), -2.5, 2.5);
  f->p3_lat = s->p3_latency + shift;
  f->p3_amp = s->p3_amplitude * fmax(0.0, 1.0 + ERP_CV * gb_rng_normal(rng));
  f->n2_lat = s->n2_latency + 0.5 * shift;
  f->n2_amp = s->n2_amplitude * fmax(0.0, 1.0 + ERP_CV * gb_rng_normal(rng));
}

/* A 6x6 speller character: blocks of the 12 codes in random order; the target character's
 * column (1-6) and row (7-12) are the targets. */
static void
schedule_flashes(Sim *sim, GbRng *rng)
{
  int row = (int)gb_rng_below(rng, 6), col = (int)gb_rng_below(rng, 6);
  int codes[N_CODES];
  for (int rep = 0; rep < sim->cfg->n_repetitions; rep++) {
    for (int i = 0; i < N_CODES; i++) codes[i] = i + 1;
    gb_rng_shuffle(rng, codes, N_CODES);
    for (int i = 0; i < N_CODES; i++) {
      int k = rep * N_CODES + i;
      Flash *f = &sim->flash[k];
      f->onset = sim->lead + (int)lround(k * sim->cfg->soa * sim->cfg->srate);
      f->code = codes[i];
      f->target = codes[i] == col + 1 || codes[i] == 7 + row;
      draw_flash(sim, f, rng);
    }
  }
}

/* run[onset + i, c] += gain * vep[i] w_vep[c] + n2[i] w_n2[c] + p3[i] w_p3[c] */
static void
add_responses(Sim *sim)
{
  Waves w = sim_waves(sim);
  int C = sim->C;
  for (int k = 0; k < sim->n_flashes; k++) {
    const Flash *f = &sim->flash[k];
    double gain = f->target ? sim->cfg->vep_target_gain : 1.0;
    flash_waves(sim, f, &w);
    for (int i = 0; i < sim->resp_len; i++) {
      double *out = sim->run + (size_t)(f->onset + i) * C;
      for (int c = 0; c < C; c++)
        out[c] += gain * w.vep[i] * sim->w[c] + w.n2[i] * sim->w[C + c] +
                  w.p3[i] * sim->w[2 * C + c];
    }
  }
}

/* truth: (n_times, C) = |class-specific part of the flash's own response| over the epoch. */
static void
fill_truth(Sim *sim, const Flash *f, float *truth)
{
  Waves w = sim_waves(sim);
  int C = sim->C;
  double extra = sim->cfg->vep_target_gain - 1.0;
  flash_waves(sim, f, &w);
  for (int t = 0; t < sim->n_times; t++) {
    int i = sim->s0 + t;
    if (i < 0 || i >= sim->resp_len)
      continue;
    for (int c = 0; c < C; c++)
      truth[(size_t)t * C + c] = (float)fabs(extra * w.vep[i] * sim->w[c] +
                                             w.n2[i] * sim->w[C + c] + w.p3[i] * sim->w[2 * C + c]);
  }
}

static void
cut_epochs(Sim *sim, int subject, int first_trial)
{
  GbEegSet *set = sim->set;
  size_t epoch = (size_t)sim->n_times * sim->C;
  for (int k = 0; k < sim->n_flashes; k++) {
    const Flash *f = &sim->flash[k];
    int trial = first_trial + k;
    float *x = set->data->x->data + (size_t)trial * epoch;
    const double *src = sim->run + (size_t)(f->onset + sim->s0) * sim->C;
    for (size_t i = 0; i < epoch; i++) x[i] = (float)src[i];
    set->data->labels[trial] = f->target;
    set->subject[trial] = subject;
    set->stimulus[trial] = f->code;
    if (f->target)
      fill_truth(sim, f, set->truth + (size_t)trial * epoch);
  }
}

static void
simulate_run(Sim *sim, int subject, int character)
{
  GbRng rng;
  gb_rng_seed(&rng, gb_rng_derive(gb_rng_derive(sim->cfg->seed, (uint64_t)subject),
                                  (uint64_t)character + 1));
  memset(sim->run, 0, (size_t)sim->run_len * sim->C * sizeof *sim->run);
  schedule_flashes(sim, &rng);
  int soa = (int)lround(sim->cfg->soa * sim->cfg->srate);
  int flash_end = sim->flash[sim->n_flashes - 1].onset + soa;
  gb_eeg_background_add(sim->bg, &sim->subject, sim->cfg, sim->lead, flash_end, &rng, sim->run);
  add_responses(sim);
  cut_epochs(sim, subject, (subject * sim->cfg->n_characters + character) * sim->n_flashes);
}

/* Run layout: rest (plus the pre-onset part of the first epoch), the flashes, then enough
 * samples for the last epoch and the last response, and a little rest. */
static void
sim_geometry(Sim *sim)
{
  const GbEegSimConfig *cfg = sim->cfg;
  sim->C = cfg->n_channels;
  sim->n_flashes = cfg->n_repetitions * N_CODES;
  sim->s0 = (int)lround(cfg->t_start * cfg->srate);
  sim->n_times = (int)lround(cfg->t_end * cfg->srate) - sim->s0;
  sim->resp_len = (int)ceil(RESPONSE_S * cfg->srate);
  sim->lead = (int)lround(REST_S * cfg->srate) + (sim->s0 < 0 ? -sim->s0 : 0);
  int last = sim->lead + (int)lround((sim->n_flashes - 1) * cfg->soa * cfg->srate);
  int after = sim->s0 + sim->n_times > sim->resp_len ? sim->s0 + sim->n_times : sim->resp_len;
  sim->run_len = last + after + (int)lround(TAIL_S * cfg->srate);
}

static void
sim_clear(Sim *sim)
{
  gb_eeg_background_free(sim->bg);
  gb_free(sim->flash);
  gb_free(sim->run);
  gb_free(sim->w);
  gb_free(sim->wave);
}

static GbStatus
sim_init(Sim *sim, const GbEegSimConfig *cfg, GbError *err)
{
  memset(sim, 0, sizeof *sim);
  sim->cfg = cfg;
  sim_geometry(sim);
  int n_trials = cfg->n_subjects * gb_eeg_sim_trials_per_subject(cfg);
  double t0 = sim->s0 / cfg->srate;
  sim->set = gb_eeg_set_new(n_trials, sim->n_times, sim->C, cfg->srate, t0, true, err);
  if (sim->set == NULL)
    return err->code;
  sim->set->n_subjects = cfg->n_subjects;
  gb_eeg_montage_get(sim->C, sim->set->channels, NULL);
  sim->bg = gb_eeg_background_new(sim->set->channels, sim->C, sim->run_len, cfg->srate, err);
  if (sim->bg == NULL)
    return err->code;
  sim->flash = gb_calloc((size_t)sim->n_flashes, sizeof *sim->flash);
  sim->run = gb_calloc((size_t)sim->run_len * sim->C, sizeof *sim->run);
  sim->w = gb_calloc(3 * (size_t)sim->C, sizeof *sim->w);
  sim->wave = gb_calloc(3 * (size_t)sim->resp_len, sizeof *sim->wave);
  if (sim->flash == NULL || sim->run == NULL || sim->w == NULL || sim->wave == NULL)
    return gb_error_set(err, GB_ERR_NOMEM, "EEG simulator: out of memory for a run of %d samples",
                        sim->run_len);
  return GB_OK;
}

static char *
describe(const GbEegSimConfig *cfg, const GbEegSet *set)
{
  char buf[768];
  snprintf(buf, sizeof buf,
           "simulated P300 speller: %d subjects x %d flashes (%d characters x %d repetitions x "
           "12 codes, 1 target in 6), %d channels (%s), %g Hz, epochs %.3f..%.3f s, SOA %g ms, "
           "ERP scale %g, VEP target gain %g, background %g uV, alpha %g uV, blinks %g/min of "
           "%g uV, drift %g uV, line %g Hz %g uV, seed %llu",
           cfg->n_subjects, gb_eeg_sim_trials_per_subject(cfg), cfg->n_characters,
           cfg->n_repetitions, cfg->n_channels, gb_eeg_montage_name(cfg->n_channels), cfg->srate,
           set->t0, set->t0 + (set->n_times - 1) / set->srate, cfg->soa * 1000.0, cfg->erp_scale,
           cfg->vep_target_gain, cfg->background_uv, cfg->alpha_uv, cfg->blink_rate,
           cfg->blink_uv, cfg->drift_uv, cfg->line_hz, cfg->line_uv,
           (unsigned long long)cfg->seed);
  return gb_strdup(buf);
}

static GbStatus
sim_run_all(Sim *sim, GbError *err)
{
  const GbEegSimConfig *cfg = sim->cfg;
  int total = cfg->n_subjects * cfg->n_characters;
  for (int s = 0; s < cfg->n_subjects; s++) {
    gb_eeg_sim_subject_draw(cfg, s, &sim->subject);
    sim_subject_weights(sim);
    for (int ch = 0; ch < cfg->n_characters; ch++) {
      simulate_run(sim, s, ch);
      double done = (double)(s * cfg->n_characters + ch + 1) / total;
      if (cfg->progress != NULL && !cfg->progress(cfg->user, done, "simulating EEG"))
        return gb_error_set(err, GB_ERR_CANCELLED,
                            "EEG simulator: cancelled at subject %d of %d", s + 1,
                            cfg->n_subjects);
    }
  }
  return GB_OK;
}

GbStatus
gb_eeg_sim_generate(const GbEegSimConfig *cfg, GbEegSet **out, GbError *err)
{
  GbError local;
  if (err == NULL)
    err = &local; /* sim_init reads the code of errors it passes on */
  *out = NULL;
  GbStatus st = gb_eeg_sim_config_check(cfg, err);
  if (st != GB_OK)
    return st;
  Sim sim;
  st = sim_init(&sim, cfg, err);
  if (st == GB_OK)
    st = sim_run_all(&sim, err);
  if (st == GB_OK) {
    sim.set->source = describe(cfg, sim.set);
    if (sim.set->source == NULL)
      st = gb_error_set(err, GB_ERR_NOMEM, "EEG simulator: out of memory");
  }
  sim_clear(&sim);
  if (st != GB_OK) {
    gb_eeg_set_free(sim.set);
    return st;
  }
  *out = sim.set;
  return GB_OK;
}
