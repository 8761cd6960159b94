/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Every target defines the libFuzzer entry point. The same sources link either with libFuzzer
 * (fuzz/meson.build, clang) or with gb-fuzz-replay.c (tests/meson.build, any compiler), which
 * feeds it the seed corpus and every input that once crashed. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Readers that need a file path get one: @data is written to a file in /dev/shm (or $TMPDIR
 * when /dev/shm is missing) private to this process, named with @suffix ("" or ".edf"), and
 * removed at exit. Returns the path (static storage), or NULL when the file cannot be written,
 * in which case the target returns without testing anything. */
const char *gb_fuzz_write_file(const uint8_t *data, size_t size, const char *suffix);
