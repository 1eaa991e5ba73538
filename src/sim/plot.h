// Plot: line charts of simulation metrics as standalone SVG 1.1, with no library behind them.
//
// A PlotSpec is pure data (title, axis labels, series of (x, y) points, optional fixed ranges);
// render_svg() turns it into one SVG document and owns nothing afterwards. The output is a
// function of the spec alone: numbers are printed with std::to_chars (locale-independent), so
// identical specs give byte-identical files on every machine, like the simulator's other output.
// Axes use "nice" 1-2-5 tick steps (Heckbert, "Nice numbers for graph labels", Graphics Gems I)
// or decade ticks on a log10 y axis. Series take the Okabe-Ito colour-blind-safe palette in order
// and cycle through dash patterns past eight. Points that cannot be drawn (NaN or infinite
// coordinates, y <= 0 on a log axis) are skipped; a plot with nothing to draw still renders axes
// and a "no data" note. Degenerate ranges (one point, all-equal values) are widened, never
// divided by.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace rumor::sim {

// One line of a plot: its legend label and its points in the order they are joined.
struct Series {
  std::string label;
  std::vector<std::pair<double, double>> points;
};

struct PlotSpec {
  std::string title, x_label, y_label;
  std::vector<Series> series;
  // log10 y axis (for "fraction uninformed" tails); non-positive y values are skipped.
  bool log_y = false;
  // Fixed axis bounds; an absent bound comes from the data, rounded out to a nice tick. On a log
  // axis a non-positive y bound is ignored. A reversed pair is swapped.
  std::optional<double> y_min, y_max, x_min, x_max;
  // Canvas size in pixels; clamped to at least 240 x 160 so the plot area is never empty.
  int width = 800, height = 480;
};

// The whole plot as one SVG document: starts with "<svg", ends with "</svg>\n".
std::string render_svg(const PlotSpec& spec);

// Tick values at a 1-2-5 x 10^k step, about target_count intervals, covering [lo, hi]: the first
// tick is <= lo and the last >= hi (so they double as nicely rounded axis bounds). lo and hi may
// come in either order; an empty range is widened around its value. Never empty, always sorted.
std::vector<double> nice_ticks(double lo, double hi, int target_count);

// Decade ticks 10^k covering [lo, hi] (both > 0; non-positive or non-finite input falls back to a
// sensible decade). When there are more than about target_count decades, every second, fifth, ...
// decade is ticked instead. Never empty, always sorted, at least two ticks.
std::vector<double> nice_log_ticks(double lo, double hi, int target_count);

}  // namespace rumor::sim
