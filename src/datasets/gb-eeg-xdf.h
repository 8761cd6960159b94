/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <stdbool.h>

#include "gb-eeg.h"

/* EEG recordings in EDF, BDF (BioSemi) and GDF 1/2, read with libxdffileio, epoched around
 * their target and non-target events.
 *
 * Events come from one of two places:
 *   - the file's event table (GDF only: libxdffileio 0.3 reads no EDF+ annotations and BDF has
 *     no event table), each event a numeric code at a sample;
 *   - a trigger channel, whose value is an event code while a trigger is on and 0 otherwise:
 *     every sample where the (masked) value changes to a non-zero code is an event with that
 *     code. BioSemi files carry their triggers this way in the "Status" channel.
 * By default the event table is used when it has events, else the first channel called
 * Status, TRIG, Trigger, STI 014, STI014, STIM, Marker or Event (case-insensitive).
 *
 * Which events are trials: when the caller gives code lists, events with a code in
 * target_codes are targets (label 1) and those in nontarget_codes non-targets (label 0).
 * Without lists, an event is a target when its type is described "target" or its code is 2 or
 * 33285 (0x8205, OpenViBE's OVTK_StimulationId_Target, as in the Brain Invaders GDF files), and
 * a non-target when described "nontarget"/"non-target" or coded 1 or 33286 (0x8206, OpenViBE's
 * NonTarget); 1 = non-target, 2 = target is also MOABB's convention for BNCI P300 sets. Other
 * events are ignored and counted. Note that libxdffileio gives GDF event types no real
 * description ("ch:all", the channel the event applies to), so in practice codes decide.
 *
 * A trial is the window [tmin, tmax) seconds from its event: label as above, stimulus = the
 * event code, subject 0, trials in time order. Events whose window would run past either end
 * of the recording are dropped and counted. The trigger channel and any EDF+ "EDF Annotations"
 * signal are left out; every other channel is kept in file order, with its label cleaned up and
 * a 10-20 position when the label is a 10-20 name (gb-eeg-io-private.h). Samples are physical
 * values (microvolts for EEG channels recorded in uV), scaled from the stored digital values
 * with the exact calibration in the header.
 *
 * The recording is read twice from disk (once for the trigger channel, once for the EEG) and
 * never held whole in memory: only the trials are. */

typedef struct {
  double tmin, tmax;       /* epoch window in seconds from each event; 0 .. 0.8 */
  const int *target_codes; /* with nontarget_codes: which event codes are trials; both NULL: */
  int n_target_codes;      /* the default rule above */
  const int *nontarget_codes;
  int n_nontarget_codes;
  const char *trigger_channel; /* label of the trigger channel to use, or NULL (see above) */
  unsigned int trigger_mask;   /* bits of the trigger value that carry the code; 0 = 0xFFFF (the
                                * BioSemi Status channel keeps device status in bits 16-23) */
  GbProgressFn progress;       /* fraction of the recording read; return false to cancel */
  void *progress_user;
} GbEegXdfOptions;

void gb_eeg_xdf_options_init(GbEegXdfOptions *options);

#define GB_EEG_XDF_MAX_CODES 64

/* What the reader found besides the trials (no memory to free). */
typedef struct {
  char format[8];      /* "EDF", "BDF", "GDF 1" or "GDF 2" */
  int n_file_channels; /* in the file, trigger included */
  long n_samples;      /* per channel */
  double srate;        /* Hz */
  bool from_trigger;   /* events from a trigger channel (else from the event table) */
  char trigger_label[GB_EEG_LABEL_MAX];
  int n_events;                /* every event found */
  int n_targets, n_nontargets; /* events kept as trials */
  int n_ignored;               /* events with other codes */
  int n_dropped;               /* target/non-target events whose window ran past the recording */
  int n_codes;                 /* distinct event codes seen (at most GB_EEG_XDF_MAX_CODES) ... */
  int codes[GB_EEG_XDF_MAX_CODES];       /* ... in increasing order */
  int code_counts[GB_EEG_XDF_MAX_CODES]; /* ... and how often each occurs */
} GbEegXdfInfo;

/* Reads @path; @options and @info may be NULL. Errors name the file and what is wrong with it:
 * missing or unreadable (GB_ERR_IO); not EDF/BDF/GDF, a truncated header, data or event table,
 * channels at different sampling rates (libxdffileio reads one rate per file), a broken
 * calibration, discontinuous EDF+/BDF+ (GB_ERR_FORMAT or GB_ERR_UNSUPPORTED); no events, or no
 * target/non-target events (with the codes that were found) (GB_ERR_FORMAT); non-finite samples
 * (GB_ERR_NUMERIC). */
GbEegSet *gb_eeg_xdf_read(const char *path, const GbEegXdfOptions *options, GbEegXdfInfo *info,
                          GbError *err);
