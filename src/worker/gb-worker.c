/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-worker.h"

#include <string.h>

/* Threads and ownership. A job is shared by the main thread and its worker thread through a
 * reference count. The worker thread only reads the immutable fields, writes its progress under
 * @lock and its outcome before it queues the final idle; everything else (the lane table, the
 * owner's callbacks, data_free) happens on the main thread, in the worker's main context. */
struct _GbJob {
  gint ref_count;
  guint id;
  GbWorker *worker; /* strong: the worker outlives its jobs */
  char *lane;
  GCancellable *cancellable;
  gint stale; /* atomic: replaced by a newer job on its lane */
  GWeakRef owner;
  GbJobRunFunc run;
  gpointer data;
  GDestroyNotify data_free;
  GbJobProgressFunc progress;
  GbJobDoneFunc done;
  gint64 start_us;

  GMutex lock; /* guards the progress fields */
  double fraction;
  char stage[96];
  gboolean progress_pending;

  gboolean ok; /* written by the worker thread before it queues the finish idle */
  GError *error;
};

struct _GbWorker {
  GObject parent_instance;
  GMainContext *context;
  GHashTable *lanes; /* lane name -> current GbJob (borrowed: the job's thread holds the ref) */
  gint active;       /* atomic: this worker's jobs still inside their run function */
  guint next_id;
  guint n_running;
};

enum { PROP_0, PROP_N_RUNNING, N_PROPS };
static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE(GbWorker, gb_worker, G_TYPE_OBJECT)

/* Job threads still running their run function, over every worker of the process. */
static gint active_threads;
G_DEFINE_QUARK(gb-error-quark, gb_error)

void
gb_set_error_from_status(GError **error, GbStatus st, const GbError *err)
{
  if (st == GB_OK)
    return;
  const char *msg = err != NULL && err->message[0] != '\0' ? err->message : gb_status_to_string(st);
  if (st == GB_ERR_CANCELLED)
    g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_CANCELLED, msg);
  else
    g_set_error_literal(error, GB_ERROR, (int)st, msg);
}

static GbJob *
gb_job_ref(GbJob *job)
{
  g_atomic_int_inc(&job->ref_count);
  return job;
}

/* The last reference is always dropped on the main thread (by the finish idle or by a
 * progress/publish idle that ran after it), so data_free runs there too. */
static void
gb_job_unref(GbJob *job)
{
  if (!g_atomic_int_dec_and_test(&job->ref_count))
    return;
  if (job->data_free != NULL && job->data != NULL)
    job->data_free(job->data);
  g_clear_error(&job->error);
  g_weak_ref_clear(&job->owner);
  g_clear_object(&job->cancellable);
  g_mutex_clear(&job->lock);
  g_free(job->lane);
  g_object_unref(job->worker);
  g_free(job);
}

gboolean
gb_job_is_cancelled(GbJob *job)
{
  return g_cancellable_is_cancelled(job->cancellable) || g_atomic_int_get(&job->stale);
}

GCancellable *
gb_job_get_cancellable(GbJob *job)
{
  return job->cancellable;
}

static void
attach_idle(GbJob *job, GSourceFunc func, gpointer data)
{
  GSource *source = g_idle_source_new();
  g_source_set_priority(source, G_PRIORITY_DEFAULT);
  g_source_set_callback(source, func, data, NULL);
  g_source_attach(source, job->worker->context);
  g_source_unref(source);
}

/* Seconds left from the rate so far; unknown until the estimate means something. */
static double
seconds_left(const GbJob *job, double fraction)
{
  double elapsed = (double)(g_get_monotonic_time() - job->start_us) / G_USEC_PER_SEC;
  if (fraction < 0.02 || elapsed < 0.2)
    return -1;
  return elapsed * (1 - fraction) / fraction;
}

static gboolean
progress_idle_cb(gpointer user)
{
  GbJob *job = user;
  g_mutex_lock(&job->lock);
  double fraction = job->fraction;
  char stage[sizeof job->stage];
  memcpy(stage, job->stage, sizeof stage);
  job->progress_pending = FALSE;
  g_mutex_unlock(&job->lock);
  GObject *owner = g_weak_ref_get(&job->owner);
  if (owner != NULL && job->progress != NULL && !gb_job_is_cancelled(job))
    job->progress(owner, fraction, stage, seconds_left(job, fraction));
  g_clear_object(&owner);
  gb_job_unref(job);
  return G_SOURCE_REMOVE;
}

bool
gb_job_progress(void *user, double fraction, const char *stage)
{
  GbJob *job = user;
  if (gb_job_is_cancelled(job))
    return false;
  g_mutex_lock(&job->lock);
  job->fraction = CLAMP(fraction, 0.0, 1.0);
  g_strlcpy(job->stage, stage != NULL ? stage : "", sizeof job->stage);
  gboolean queue = !job->progress_pending && job->progress != NULL;
  if (queue)
    job->progress_pending = TRUE;
  g_mutex_unlock(&job->lock);
  if (queue)
    attach_idle(job, progress_idle_cb, gb_job_ref(job));
  return true;
}

typedef struct {
  GbJob *job;
  void (*func)(GObject *owner, gpointer partial);
  gpointer partial;
  GDestroyNotify partial_free;
} Publication;

static gboolean
publish_idle_cb(gpointer user)
{
  Publication *p = user;
  GObject *owner = g_weak_ref_get(&p->job->owner);
  if (owner != NULL && !gb_job_is_cancelled(p->job))
    p->func(owner, p->partial);
  g_clear_object(&owner);
  if (p->partial_free != NULL)
    p->partial_free(p->partial);
  gb_job_unref(p->job);
  g_free(p);
  return G_SOURCE_REMOVE;
}

void
gb_job_publish(GbJob *job, void (*func)(GObject *owner, gpointer partial), gpointer partial,
               GDestroyNotify partial_free)
{
  Publication *p = g_new(Publication, 1);
  *p = (Publication){gb_job_ref(job), func, partial, partial_free};
  attach_idle(job, publish_idle_cb, p);
}

static gboolean
finish_idle_cb(gpointer user)
{
  GbJob *job = user;
  GbWorker *self = job->worker;
  if (g_hash_table_lookup(self->lanes, job->lane) == job)
    g_hash_table_remove(self->lanes, job->lane);
  if (!g_atomic_int_get(&job->stale) && job->done != NULL) {
    GObject *owner = g_weak_ref_get(&job->owner);
    if (owner != NULL) {
      g_autoptr(GError) cancelled = NULL;
      const GError *error = job->ok ? NULL : job->error;
      if (g_cancellable_is_cancelled(job->cancellable)) {
        cancelled = g_error_new_literal(G_IO_ERROR, G_IO_ERROR_CANCELLED, "Cancelled");
        error = cancelled;
      } else if (!job->ok && error == NULL) {
        cancelled = g_error_new_literal(GB_ERROR, GB_ERR_INVALID, "The job failed");
        error = cancelled;
      }
      job->done(owner, job->data, error);
      g_object_unref(owner);
    }
  }
  self->n_running--;
  g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_N_RUNNING]);
  gb_job_unref(job);
  return G_SOURCE_REMOVE;
}

static gpointer
job_thread(gpointer user)
{
  GbJob *job = user;
  GError *error = NULL;
  job->ok = job->run(job, job->data, &error);
  job->error = error;
  g_atomic_int_dec_and_test(&job->worker->active);
  g_atomic_int_dec_and_test(&active_threads);
  attach_idle(job, finish_idle_cb, job); /* hands the thread's reference to the idle */
  return NULL;
}

/* Marks the lane's job stale (its result will be dropped) and stops it. */
static void
replace_lane_job(GbWorker *self, const char *lane)
{
  GbJob *old = g_hash_table_lookup(self->lanes, lane);
  if (old == NULL)
    return;
  g_atomic_int_set(&old->stale, 1);
  g_cancellable_cancel(old->cancellable);
  g_hash_table_remove(self->lanes, lane);
}

guint
gb_worker_submit(GbWorker *self, const char *lane, GObject *owner, GbJobRunFunc run,
                 gpointer data, GDestroyNotify data_free, GbJobProgressFunc progress,
                 GbJobDoneFunc done)
{
  g_return_val_if_fail(GB_IS_WORKER(self), 0);
  g_return_val_if_fail(lane != NULL && run != NULL, 0);
  replace_lane_job(self, lane);
  GbJob *job = g_new0(GbJob, 1);
  job->ref_count = 1;
  job->id = ++self->next_id;
  job->worker = g_object_ref(self);
  job->lane = g_strdup(lane);
  job->cancellable = g_cancellable_new();
  g_weak_ref_init(&job->owner, owner);
  job->run = run;
  job->data = data;
  job->data_free = data_free;
  job->progress = progress;
  job->done = done;
  job->start_us = g_get_monotonic_time();
  g_mutex_init(&job->lock);
  g_hash_table_insert(self->lanes, g_strdup(lane), job);
  self->n_running++;
  g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_N_RUNNING]);
  g_autoptr(GError) error = NULL;
  g_atomic_int_inc(&active_threads);
  g_atomic_int_inc(&self->active);
  GThread *thread = g_thread_try_new("gb-job", job_thread, job, &error);
  if (thread == NULL) {
    g_atomic_int_dec_and_test(&self->active);
    g_atomic_int_dec_and_test(&active_threads);
    /* Report through the normal path so the caller sees one kind of failure. */
    job->ok = FALSE;
    job->error = g_error_new(GB_ERROR, GB_ERR_NOMEM, "Cannot start a background job: %s",
                             error->message);
    attach_idle(job, finish_idle_cb, job);
  } else {
    g_thread_unref(thread);
  }
  return job->id;
}

void
gb_worker_cancel(GbWorker *self, const char *lane)
{
  g_return_if_fail(GB_IS_WORKER(self));
  GbJob *job = g_hash_table_lookup(self->lanes, lane);
  if (job != NULL)
    g_cancellable_cancel(job->cancellable);
}

void
gb_worker_cancel_all(GbWorker *self)
{
  g_return_if_fail(GB_IS_WORKER(self));
  GHashTableIter it;
  gpointer job;
  g_hash_table_iter_init(&it, self->lanes);
  while (g_hash_table_iter_next(&it, NULL, &job))
    g_cancellable_cancel(((GbJob *)job)->cancellable);
}

gboolean
gb_worker_lane_busy(GbWorker *self, const char *lane)
{
  g_return_val_if_fail(GB_IS_WORKER(self), FALSE);
  return g_hash_table_contains(self->lanes, lane);
}

guint
gb_worker_get_n_running(GbWorker *self)
{
  g_return_val_if_fail(GB_IS_WORKER(self), 0);
  return self->n_running;
}

gboolean
gb_worker_stop(GbWorker *self, guint timeout_ms)
{
  g_return_val_if_fail(GB_IS_WORKER(self), FALSE);
  gb_worker_cancel_all(self);
  gint64 end = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
  while (g_atomic_int_get(&self->active) > 0 && g_get_monotonic_time() < end)
    g_usleep(1000);
  return g_atomic_int_get(&self->active) == 0;
}

gboolean
gb_worker_wait_threads(guint timeout_ms)
{
  gint64 end = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
  while (g_atomic_int_get(&active_threads) > 0 && g_get_monotonic_time() < end)
    g_usleep(1000);
  return g_atomic_int_get(&active_threads) == 0;
}

static gboolean
wake_cb(gpointer user)
{
  *(gboolean *)user = TRUE;
  return G_SOURCE_REMOVE;
}

gboolean
gb_worker_wait_idle(GbWorker *self, guint timeout_ms)
{
  g_return_val_if_fail(GB_IS_WORKER(self), FALSE);
  gboolean timed_out = FALSE;
  guint timer = g_timeout_add(timeout_ms, wake_cb, &timed_out);
  while (self->n_running > 0 && !timed_out)
    g_main_context_iteration(self->context, TRUE);
  if (!timed_out)
    g_source_remove(timer);
  return self->n_running == 0;
}

static void
gb_worker_get_property(GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GbWorker *self = GB_WORKER(object);
  if (prop_id == PROP_N_RUNNING)
    g_value_set_uint(value, self->n_running);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
}

static void
gb_worker_finalize(GObject *object)
{
  GbWorker *self = GB_WORKER(object);
  g_hash_table_unref(self->lanes);
  g_main_context_unref(self->context);
  G_OBJECT_CLASS(gb_worker_parent_class)->finalize(object);
}

static void
gb_worker_class_init(GbWorkerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS(klass);
  object_class->finalize = gb_worker_finalize;
  object_class->get_property = gb_worker_get_property;
  properties[PROP_N_RUNNING] =
      g_param_spec_uint("n-running", NULL, NULL, 0, G_MAXUINT, 0,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties(object_class, N_PROPS, properties);
}

static void
gb_worker_init(GbWorker *self)
{
  self->context = g_main_context_ref_thread_default();
  self->lanes = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
}

GbWorker *
gb_worker_new(void)
{
  return g_object_new(GB_TYPE_WORKER, NULL);
}
