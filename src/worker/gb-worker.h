/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <stdbool.h>

#include "gb-status.h"

G_BEGIN_DECLS

/* GError domain of Glassbox: codes are GbStatus values, messages the engine's own. */
#define GB_ERROR (gb_error_quark())
GQuark gb_error_quark(void);
/* Fills @error from an engine status and message (nothing when @st is GB_OK). A cancelled
 * status becomes G_IO_ERROR_CANCELLED so callers test one thing. */
void gb_set_error_from_status(GError **error, GbStatus st, const GbError *err);

/* One job of the background runner (style.md, "Threads"). A job's run function works on a
 * worker thread on data the job owns (copied on the main thread, or immutable and
 * reference-counted, e.g. a GbModelHandle); it never touches a widget or another GObject's
 * mutable state. Progress is coalesced: at most one idle callback is pending, carrying the
 * latest fraction. A new job on a lane cancels the lane's previous job, whose result is then
 * dropped (its done callback is never called). */
typedef struct _GbJob GbJob;

/* Worker thread. Return FALSE with @error set on failure; a cancelled job may return anything. */
typedef gboolean (*GbJobRunFunc)(GbJob *job, gpointer data, GError **error);
/* Main thread. @seconds_left < 0 while unknown (less than 2% done or under 0.2 s elapsed). */
typedef void (*GbJobProgressFunc)(GObject *owner, double fraction, const char *stage,
                                  double seconds_left);
/* Main thread, once, unless the job became stale or its owner was finalised. @error is NULL on
 * success and G_IO_ERROR_CANCELLED after gb_worker_cancel(). @data is still the job's: take
 * what you need (steal pointers out of it); it is freed with the job's data_free afterwards. */
typedef void (*GbJobDoneFunc)(GObject *owner, gpointer data, const GError *error);

/* A GbProgressFn for engine calls made inside a job: @user is the GbJob. Records the progress
 * and returns false once the job is cancelled or stale, so engine loops stop. */
bool gb_job_progress(void *user, double fraction, const char *stage);
gboolean gb_job_is_cancelled(GbJob *job);
GCancellable *gb_job_get_cancellable(GbJob *job);
/* Publishes a partial result for live drawing (e.g. one more point of a curve): @func runs on
 * the main thread with @owner and @partial, then @partial_free(partial). Not coalesced; dropped
 * when the job is stale or its owner gone. */
void gb_job_publish(GbJob *job, void (*func)(GObject *owner, gpointer partial),
                    gpointer partial, GDestroyNotify partial_free);

#define GB_TYPE_WORKER (gb_worker_get_type())
G_DECLARE_FINAL_TYPE(GbWorker, gb_worker, GB, WORKER, GObject)

GbWorker *gb_worker_new(void);
/* Starts @run(job, @data) on a worker thread on @lane ("explain", "curves", "train", ...),
 * cancelling the lane's current job. @owner (may be NULL) is weakly referenced: once it is
 * finalised no callback runs. @data is freed with @data_free on the main thread when the job
 * ends. Returns the job's id (> 0). Main thread only. */
guint gb_worker_submit(GbWorker *self, const char *lane, GObject *owner, GbJobRunFunc run,
                       gpointer data, GDestroyNotify data_free, GbJobProgressFunc progress,
                       GbJobDoneFunc done);
/* Cancels the lane's job: its done callback gets G_IO_ERROR_CANCELLED when it stops. */
void gb_worker_cancel(GbWorker *self, const char *lane);
void gb_worker_cancel_all(GbWorker *self);
gboolean gb_worker_lane_busy(GbWorker *self, const char *lane);
/* Jobs started and not yet finished (stale ones included); "notify::n-running" follows it. */
guint gb_worker_get_n_running(GbWorker *self);
/* Tests: iterates the default main context until no job runs or @timeout_ms passes; returns
 * whether the worker became idle. */
gboolean gb_worker_wait_idle(GbWorker *self, guint timeout_ms);

/* Cancels every job and blocks until they have left their run functions (cancelled jobs stop
 * within about 100 ms) or @timeout_ms passed; returns whether they all stopped. Their done
 * callbacks still come later from the main loop. For a window that goes away: its jobs must not
 * outlive the process's libraries. */
gboolean gb_worker_stop(GbWorker *self, guint timeout_ms);
/* Blocks until no job thread of any worker is inside its run function, or @timeout_ms passed;
 * returns whether they all stopped. For the end of main(): a process must not exit while a
 * job is inside OpenBLAS, whose exit handler would wait for it forever. Cancel the jobs first
 * (destroying the windows does). */
gboolean gb_worker_wait_threads(guint timeout_ms);

G_END_DECLS
