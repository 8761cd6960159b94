/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The background job runner: results come back on the main thread, progress is coalesced, a new
 * job on a lane drops the old one's result, cancel stops a job, and a job whose owner is gone
 * calls nothing. No display needed. */
#include "config.h"

#include <gio/gio.h>

#include "gb-worker.h"

typedef struct {
  int n_steps;
  gboolean until_cancelled;
  gboolean fail;
  int result;
  gboolean *freed;
} JobData;

static void
job_data_free(gpointer p)
{
  JobData *d = p;
  if (d->freed != NULL)
    *d->freed = TRUE;
  g_free(d);
}

static JobData *
job_data_new(int n_steps, gboolean until_cancelled, gboolean *freed)
{
  JobData *d = g_new0(JobData, 1);
  d->n_steps = n_steps;
  d->until_cancelled = until_cancelled;
  d->freed = freed;
  return d;
}

static gboolean
run_cb(GbJob *job, gpointer data, GError **error)
{
  JobData *d = data;
  for (int i = 0; d->until_cancelled || i < d->n_steps; i++) {
    if (!gb_job_progress(job, d->until_cancelled ? 0.5 : (double)(i + 1) / d->n_steps, "step"))
      return FALSE;
    if (d->until_cancelled)
      g_usleep(1000);
    d->result += 1;
  }
  if (d->fail) {
    g_set_error(error, GB_ERROR, GB_ERR_NUMERIC, "the loss turned NaN in epoch 3");
    return FALSE;
  }
  return TRUE;
}

/* What the owner saw. */
typedef struct {
  int n_progress, n_done, result;
  double last_fraction;
  gboolean fraction_monotone;
  GError *error;
  GPtrArray *partials;
} Seen;

static Seen *
owner_seen(GObject *owner)
{
  return g_object_get_data(owner, "seen");
}

static void
progress_cb(GObject *owner, double fraction, const char *stage, double seconds_left)
{
  (void)seconds_left;
  Seen *s = owner_seen(owner);
  g_assert_cmpstr(stage, ==, "step");
  s->fraction_monotone = s->fraction_monotone && fraction >= s->last_fraction;
  s->last_fraction = fraction;
  s->n_progress++;
}

static void
done_cb(GObject *owner, gpointer data, const GError *error)
{
  Seen *s = owner_seen(owner);
  s->n_done++;
  s->result = ((JobData *)data)->result;
  g_clear_error(&s->error);
  s->error = error != NULL ? g_error_copy(error) : NULL;
}

static GObject *
owner_new(Seen *s)
{
  GObject *o = g_object_new(G_TYPE_OBJECT, NULL);
  *s = (Seen){0, 0, 0, 0, TRUE, NULL, NULL};
  g_object_set_data(o, "seen", s);
  return o;
}

static void
test_result_and_coalesced_progress(void)
{
  g_autoptr(GbWorker) w = gb_worker_new();
  Seen s;
  g_autoptr(GObject) owner = owner_new(&s);
  gboolean freed = FALSE;
  gb_worker_submit(w, "a", owner, run_cb, job_data_new(200000, FALSE, &freed), job_data_free,
                   progress_cb, done_cb);
  g_assert_cmpuint(gb_worker_get_n_running(w), ==, 1);
  g_assert_true(gb_worker_wait_idle(w, 10000));
  g_assert_cmpint(s.n_done, ==, 1);
  g_assert_no_error(s.error);
  g_assert_cmpint(s.result, ==, 200000);
  g_assert_true(freed);
  /* 200,000 reports, at most one idle pending at a time: far fewer callbacks, in order. */
  g_assert_cmpint(s.n_progress, >=, 1);
  g_assert_cmpint(s.n_progress, <, 200000);
  g_assert_true(s.fraction_monotone);
  g_assert_false(gb_worker_lane_busy(w, "a"));
}

/* A second job on the lane cancels the first; only the second's result arrives. */
static void
test_stale_dropped(void)
{
  g_autoptr(GbWorker) w = gb_worker_new();
  Seen s;
  g_autoptr(GObject) owner = owner_new(&s);
  gboolean freed_first = FALSE;
  gb_worker_submit(w, "explain", owner, run_cb, job_data_new(0, TRUE, &freed_first),
                   job_data_free, progress_cb, done_cb);
  gb_worker_submit(w, "explain", owner, run_cb, job_data_new(7, FALSE, NULL), job_data_free,
                   NULL, done_cb);
  g_assert_true(gb_worker_wait_idle(w, 10000));
  g_assert_cmpint(s.n_done, ==, 1);
  g_assert_cmpint(s.result, ==, 7);
  g_assert_true(freed_first);
}

/* Cancel: the done callback gets G_IO_ERROR_CANCELLED; other lanes are untouched. */
static void
test_cancel(void)
{
  g_autoptr(GbWorker) w = gb_worker_new();
  Seen s1, s2;
  g_autoptr(GObject) o1 = owner_new(&s1);
  g_autoptr(GObject) o2 = owner_new(&s2);
  gb_worker_submit(w, "curves", o1, run_cb, job_data_new(0, TRUE, NULL), job_data_free, NULL,
                   done_cb);
  gb_worker_submit(w, "train", o2, run_cb, job_data_new(3, FALSE, NULL), job_data_free, NULL,
                   done_cb);
  gint64 t0 = g_get_monotonic_time();
  gb_worker_cancel(w, "curves");
  g_assert_true(gb_worker_wait_idle(w, 10000));
  g_test_message("cancelled job reported after %.1f ms",
                 (g_get_monotonic_time() - t0) / 1000.0);
  g_assert_error(s1.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint(s2.n_done, ==, 1);
  g_assert_no_error(s2.error);
  g_clear_error(&s1.error);
}

/* A failing job's message reaches the owner; a job whose owner died calls nothing but still
 * frees its data. */
static void
test_failure_and_dead_owner(void)
{
  g_autoptr(GbWorker) w = gb_worker_new();
  Seen s;
  g_autoptr(GObject) owner = owner_new(&s);
  JobData *d = job_data_new(2, FALSE, NULL);
  d->fail = TRUE;
  gb_worker_submit(w, "a", owner, run_cb, d, job_data_free, NULL, done_cb);
  g_assert_true(gb_worker_wait_idle(w, 10000));
  g_assert_error(s.error, GB_ERROR, GB_ERR_NUMERIC);
  g_assert_cmpstr(s.error->message, ==, "the loss turned NaN in epoch 3");
  g_clear_error(&s.error);

  Seen gone;
  GObject *doomed = owner_new(&gone);
  gboolean freed = FALSE;
  gb_worker_submit(w, "b", doomed, run_cb, job_data_new(1000, FALSE, &freed), job_data_free,
                   progress_cb, done_cb);
  g_object_unref(doomed);
  g_assert_true(gb_worker_wait_idle(w, 10000));
  g_assert_cmpint(gone.n_done, ==, 0);
  g_assert_true(freed);
}

static void
partial_cb(GObject *owner, gpointer partial)
{
  g_ptr_array_add(owner_seen(owner)->partials, g_strdup(partial));
}

static gboolean
publish_run_cb(GbJob *job, gpointer data, GError **error)
{
  (void)data, (void)error;
  for (int i = 0; i < 5; i++)
    gb_job_publish(job, partial_cb, g_strdup_printf("curve %d", i), g_free);
  return TRUE;
}

/* Partial results arrive in order, all before the done callback. */
static void
test_publish(void)
{
  g_autoptr(GbWorker) w = gb_worker_new();
  Seen s;
  g_autoptr(GObject) owner = owner_new(&s);
  s.partials = g_ptr_array_new_with_free_func(g_free);
  gb_worker_submit(w, "curves", owner, publish_run_cb, job_data_new(0, FALSE, NULL),
                   job_data_free, NULL, done_cb);
  g_assert_true(gb_worker_wait_idle(w, 10000));
  g_assert_cmpint(s.partials->len, ==, 5);
  for (guint i = 0; i < 5; i++) {
    g_autofree char *want = g_strdup_printf("curve %u", i);
    g_assert_cmpstr(g_ptr_array_index(s.partials, i), ==, want);
  }
  g_assert_cmpint(s.n_done, ==, 1);
  g_ptr_array_unref(s.partials);
}

static void
test_error_from_status(void)
{
  GbError err;
  gb_error_set(&err, GB_ERR_SHAPE, "model.safetensors: tensor 'w' has shape 3x4");
  g_autoptr(GError) e = NULL;
  gb_set_error_from_status(&e, GB_ERR_SHAPE, &err);
  g_assert_error(e, GB_ERROR, GB_ERR_SHAPE);
  g_assert_cmpstr(e->message, ==, "model.safetensors: tensor 'w' has shape 3x4");
  g_autoptr(GError) c = NULL;
  gb_set_error_from_status(&c, GB_ERR_CANCELLED, NULL);
  g_assert_error(c, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  GError *none = NULL;
  gb_set_error_from_status(&none, GB_OK, NULL);
  g_assert_null(none);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/worker/result-and-coalesced-progress", test_result_and_coalesced_progress);
  g_test_add_func("/worker/stale-dropped", test_stale_dropped);
  g_test_add_func("/worker/cancel", test_cancel);
  g_test_add_func("/worker/failure-and-dead-owner", test_failure_and_dead_owner);
  g_test_add_func("/worker/publish", test_publish);
  g_test_add_func("/worker/error-from-status", test_error_from_status);
  return g_test_run();
}
