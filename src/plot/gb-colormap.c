/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gb-colormap.h"

#include <math.h>

#define RGB8(t, r, g, b) { (t), (r) / 255.0, (g) / 255.0, (b) / 255.0 }

/* ColorBrewer RdBu, 11 classes, low (blue) to high (red). */
static const double diverging[][4] = {
  RGB8(0.0, 5, 48, 97),     /* #053061 */
  RGB8(0.1, 33, 102, 172),  /* #2166ac */
  RGB8(0.2, 67, 147, 195),  /* #4393c3 */
  RGB8(0.3, 146, 197, 222), /* #92c5de */
  RGB8(0.4, 209, 229, 240), /* #d1e5f0 */
  RGB8(0.5, 247, 247, 247), /* #f7f7f7 */
  RGB8(0.6, 253, 219, 199), /* #fddbc7 */
  RGB8(0.7, 244, 165, 130), /* #f4a582 */
  RGB8(0.8, 214, 96, 77),   /* #d6604d */
  RGB8(0.9, 178, 24, 43),   /* #b2182b */
  RGB8(1.0, 103, 0, 31),    /* #67001f */
};

/* viridis: {t = index / 255, r, g, b}, every 8th entry and the last of the 256. */
static const double viridis[][4] = {
  {0 / 255.0, 0.267004, 0.004874, 0.329415},
  {8 / 255.0, 0.277018, 0.050344, 0.375715},
  {16 / 255.0, 0.282327, 0.094955, 0.417331},
  {24 / 255.0, 0.282884, 0.135920, 0.453427},
  {32 / 255.0, 0.278826, 0.175490, 0.483397},
  {40 / 255.0, 0.270595, 0.214069, 0.507052},
  {48 / 255.0, 0.258965, 0.251537, 0.524736},
  {56 / 255.0, 0.244972, 0.287675, 0.537260},
  {64 / 255.0, 0.229739, 0.322361, 0.545706},
  {72 / 255.0, 0.214298, 0.355619, 0.551184},
  {80 / 255.0, 0.199430, 0.387607, 0.554642},
  {88 / 255.0, 0.185556, 0.418570, 0.556753},
  {96 / 255.0, 0.172719, 0.448791, 0.557885},
  {104 / 255.0, 0.160665, 0.478540, 0.558115},
  {112 / 255.0, 0.149039, 0.508051, 0.557250},
  {120 / 255.0, 0.137770, 0.537492, 0.554906},
  {128 / 255.0, 0.127568, 0.566949, 0.550556},
  {136 / 255.0, 0.120565, 0.596422, 0.543611},
  {144 / 255.0, 0.120638, 0.625828, 0.533488},
  {152 / 255.0, 0.132268, 0.655014, 0.519661},
  {160 / 255.0, 0.157851, 0.683765, 0.501686},
  {168 / 255.0, 0.196571, 0.711827, 0.479221},
  {176 / 255.0, 0.246070, 0.738910, 0.452024},
  {184 / 255.0, 0.304148, 0.764704, 0.419943},
  {192 / 255.0, 0.369214, 0.788888, 0.382914},
  {200 / 255.0, 0.440137, 0.811138, 0.340967},
  {208 / 255.0, 0.515992, 0.831158, 0.294279},
  {216 / 255.0, 0.595839, 0.848717, 0.243329},
  {224 / 255.0, 0.678489, 0.863742, 0.189503},
  {232 / 255.0, 0.762373, 0.876424, 0.137064},
  {240 / 255.0, 0.845561, 0.887322, 0.099702},
  {248 / 255.0, 0.926106, 0.897330, 0.104071},
  {255 / 255.0, 0.993248, 0.906157, 0.143936},
};

#define N_POINTS(a) (sizeof(a) / sizeof((a)[0]))

const double (*gb_colormap_control_points(GbColormap map, size_t *n_out))[4]
{
  if (map == GB_COLORMAP_VIRIDIS) {
    *n_out = N_POINTS(viridis);
    return viridis;
  }
  *n_out = N_POINTS(diverging);
  return diverging;
}

GbRgb
gb_colormap_lookup(GbColormap map, double t)
{
  size_t n;
  const double (*p)[4] = gb_colormap_control_points(map, &n);
  if (isnan(t))
    t = 0.5;
  t = t < 0.0 ? 0.0 : t > 1.0 ? 1.0 : t;
  /* The points are few and sorted: a linear scan finds the segment. */
  size_t i = 0;
  while (i + 2 < n && t > p[i + 1][0])
    i++;
  double f = (t - p[i][0]) / (p[i + 1][0] - p[i][0]);
  return (GbRgb){
    p[i][1] + f * (p[i + 1][1] - p[i][1]),
    p[i][2] + f * (p[i + 1][2] - p[i][2]),
    p[i][3] + f * (p[i + 1][3] - p[i][3]),
  };
}

double
gb_colormap_symmetric(double v, double max_abs)
{
  if (!(max_abs > 0.0) || !isfinite(max_abs) || isnan(v))
    return 0.5;
  double t = 0.5 + 0.5 * v / max_abs;
  return t < 0.0 ? 0.0 : t > 1.0 ? 1.0 : t;
}

double
gb_colormap_max_abs(const float *v, size_t n)
{
  double m = 0.0;
  for (size_t i = 0; i < n; i++)
    if (isfinite(v[i]) && fabs(v[i]) > m)
      m = fabs(v[i]);
  return m;
}

void
gb_colormap_range(const float *v, size_t n, double *lo, double *hi)
{
  double a = INFINITY, b = -INFINITY;
  for (size_t i = 0; i < n; i++) {
    if (!isfinite(v[i]))
      continue;
    a = v[i] < a ? v[i] : a;
    b = v[i] > b ? v[i] : b;
  }
  if (a > b)
    a = b = 0.0;
  *lo = a;
  *hi = b;
}
