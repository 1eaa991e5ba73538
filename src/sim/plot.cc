#include "sim/plot.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace rumor::sim {
namespace {

constexpr int kMinWidth = 240;
constexpr int kMinHeight = 160;
// Rough advance of one character at the 12 px sans-serif used for labels; SVG has no text
// metrics, so widths of margins and the legend are estimated from character counts.
constexpr double kCharWidth = 7.0;
// A segment to a point far outside the axes is still drawn toward it (the clip path cuts it),
// but its pixel coordinate is clamped so the number stays short.
constexpr double kMaxCoord = 1e7;

// Okabe & Ito (2008), "Color Universal Design": distinguishable under the common colour-vision
// deficiencies. Yellow is last: it is the hardest to see on white.
constexpr std::array<const char*, 8> kPalette = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                                 "#E69F00", "#56B4E9", "#000000", "#F0E442"};
// Past eight series the colours repeat with the next dash pattern.
constexpr std::array<const char*, 4> kDashes = {"", "8 4", "2 3", "8 3 2 3"};

// 10^e, exact for |e| <= 22: those positive powers are exact doubles, and dividing by one rounds
// correctly, so 10^-3 is the same double as the literal 0.001.
double pow10i(int e) {
  if (e >= 0 && e <= 22) {
    double r = 1.0;
    for (int i = 0; i < e; ++i)
      r *= 10.0;
    return r;
  }
  if (e < 0 && e >= -22) return 1.0 / pow10i(-e);
  return std::pow(10.0, e);
}

void append_chars(std::string& out, double v, std::chars_format fmt, int precision) {
  std::array<char, 64> buf{};
  auto res = std::to_chars(buf.data(), buf.data() + buf.size(), v, fmt, precision);
  out.append(buf.data(), res.ptr);
}

// A pixel coordinate: at most two decimals, trailing zeros dropped ("12", "12.5", "12.25").
void append_coord(std::string& out, double v) {
  if (!std::isfinite(v)) v = 0.0;
  v = std::clamp(v, -kMaxCoord, kMaxCoord);
  std::string s;
  append_chars(s, v, std::chars_format::fixed, 2);
  while (s.back() == '0')
    s.pop_back();
  if (s.back() == '.') s.pop_back();
  if (s == "-0") s = "0";
  out += s;
}

std::string coord(double v) {
  std::string s;
  append_coord(s, v);
  return s;
}

// A tick label: integers in full below 10^7, otherwise six significant digits (like "%.6g"),
// with a short exponent.
std::string format_label(double v) {
  std::string s;
  if (v == 0.0 || !std::isfinite(v)) return "0";
  if (std::fabs(v) < 1e7 && v == std::round(v)) {
    append_chars(s, v, std::chars_format::fixed, 0);
  } else {
    append_chars(s, v, std::chars_format::general, 6);
    // "1e-05" and "1e+07" read better as "1e-5" and "1e7".
    if (const size_t e = s.find('e'); e != std::string::npos) {
      std::string exp = s.substr(e + 1);
      const bool negative = exp[0] == '-';
      if (exp[0] == '-' || exp[0] == '+') exp.erase(0, 1);
      while (exp.size() > 1 && exp[0] == '0')
        exp.erase(0, 1);
      s = s.substr(0, e + 1) + (negative ? "-" : "") + exp;
    }
  }
  return s;
}

// Text for XML content and attribute values. Control characters that XML 1.0 forbids become '?'.
std::string xml_escape(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (char c : in) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r') {
          out += '?';
        } else {
          out += c;
        }
    }
  }
  return out;
}

bool is_utf8_continuation(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

size_t utf8_length(std::string_view s) {
  return static_cast<size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return !is_utf8_continuation(c); }));
}

// The first max_chars characters of s, with an ellipsis if anything was cut; never splits a
// multi-byte UTF-8 sequence.
std::string truncate_utf8(std::string_view s, size_t max_chars) {
  if (utf8_length(s) <= max_chars) return std::string(s);
  size_t keep = max_chars > 0 ? max_chars - 1 : 0;
  size_t i = 0;
  size_t chars = 0;
  while (i < s.size()) {
    if (!is_utf8_continuation(s[i])) {
      if (chars == keep) break;
      ++chars;
    }
    ++i;
  }
  return std::string(s.substr(0, i)) + "\xE2\x80\xA6";  // U+2026 HORIZONTAL ELLIPSIS
}

// One axis bound: its value and whether the spec fixed it (a fixed bound is not rounded out).
struct Bound {
  double value;
  bool pinned;
};

// The axis after rounding: its range in axis units (log10 units on a log axis) and the ticks that
// fall inside it, as values (not log10).
struct Axis {
  double lo = 0.0;
  double hi = 1.0;
  bool log = false;
  std::vector<double> ticks;

  double unit(double v) const { return log ? std::log10(v) : v; }
  // v's position in [0, 1] along the axis (outside that range when v is outside the axis).
  double fraction(double v) const { return (unit(v) - lo) / (hi - lo); }
};

Axis make_axis(Bound lo, Bound hi, bool log, int target) {
  if (lo.value > hi.value) std::swap(lo, hi);
  Axis axis;
  axis.log = log;
  const std::vector<double> ticks =
      log ? nice_log_ticks(lo.value, hi.value, target) : nice_ticks(lo.value, hi.value, target);
  const double lo_v = lo.pinned ? lo.value : ticks.front();
  const double hi_v = hi.pinned ? hi.value : ticks.back();
  axis.lo = axis.unit(lo_v);
  axis.hi = axis.unit(hi_v);
  if (!(axis.hi > axis.lo)) {  // Both ends pinned to one value: fall back to the rounded range.
    axis.lo = axis.unit(ticks.front());
    axis.hi = axis.unit(ticks.back());
  }
  const double eps = 1e-9 * (axis.hi - axis.lo);
  for (double t : ticks) {
    const double u = axis.unit(t);
    if (u >= axis.lo - eps && u <= axis.hi + eps) axis.ticks.push_back(t);
  }
  return axis;
}

// An axis bound from the spec, if it is usable: finite, and positive on a log axis.
std::optional<double> usable_bound(const std::optional<double>& b, bool log) {
  if (!b || !std::isfinite(*b) || (log && *b <= 0.0)) return std::nullopt;
  return b;
}

struct Point {
  double x;
  double y;
};

bool drawable(double x, double y, bool log_y) {
  return std::isfinite(x) && std::isfinite(y) && (!log_y || y > 0.0);
}

// Opening tag of a <text> element at (x, y).
std::string text_open(double x, double y, const char* extra) {
  std::string s = "<text x=\"" + coord(x) + "\" y=\"" + coord(y) + "\"";
  if (extra[0] != '\0') {
    s += ' ';
    s += extra;
  }
  s += '>';
  return s;
}

}  // namespace

std::vector<double> nice_ticks(double lo, double hi, int target_count) {
  if (!std::isfinite(lo) && !std::isfinite(hi)) {
    lo = 0.0;
    hi = 1.0;
  } else if (!std::isfinite(lo)) {
    lo = hi;
  } else if (!std::isfinite(hi)) {
    hi = lo;
  }
  if (lo > hi) std::swap(lo, hi);
  if (lo == hi) {
    if (lo == 0.0) {
      hi = 1.0;
    } else {
      const double d = std::fabs(lo) * 0.1;
      if (lo - d == lo || lo + d == hi) {
        lo -= 1.0;
        hi += 1.0;
      } else {
        lo -= d;
        hi += d;
      }
    }
  }
  const double span = hi - lo;
  const int target = std::clamp(target_count, 1, 100);
  if (!std::isfinite(span) || !(span > 0.0)) return {lo, hi};

  // Heckbert's nice step: the 1, 2 or 5 x 10^e nearest to span / target.
  const double raw = span / target;
  int e = static_cast<int>(std::floor(std::log10(raw)));
  const double f = raw / pow10i(e);
  int m = 1;
  if (f < 1.5) {
    m = 1;
  } else if (f < 3.0) {
    m = 2;
  } else if (f < 7.0) {
    m = 5;
  } else {
    m = 1;
    ++e;
  }
  const double step = m * pow10i(e);
  // The epsilon keeps 0.3 / 0.1 = 2.9999999999999996 from adding a tick below 0.3.
  const double k_lo = std::floor(lo / step + 1e-9);
  const double k_hi = std::ceil(hi / step - 1e-9);
  // Ticks are k * step with integral k; past 2^50 the doubles can no longer tell neighbours
  // apart, so a range that narrow relative to its magnitude just gets its two ends.
  constexpr double kMaxK = 1125899906842624.0;  // 2^50
  if (!std::isfinite(k_lo) || !std::isfinite(k_hi) || std::fabs(k_lo) > kMaxK ||
      std::fabs(k_hi) > kMaxK || k_hi - k_lo > 1000.0) {
    return {lo, hi};
  }
  std::vector<double> ticks;
  const auto n = static_cast<int64_t>(std::max(1.0, k_hi - k_lo));
  for (int64_t i = 0; i <= n; ++i) {
    // k * m is an exact integer; one multiply or divide by an exact power of ten rounds once.
    const double km = (k_lo + static_cast<double>(i)) * m;
    double t = e >= 0 ? km * pow10i(e) : km / pow10i(-e);
    if (t == 0.0) t = 0.0;  // No "-0".
    ticks.push_back(t);
  }
  ticks.erase(std::unique(ticks.begin(), ticks.end()), ticks.end());
  if (ticks.size() < 2) return {lo, hi};
  return ticks;
}

std::vector<double> nice_log_ticks(double lo, double hi, int target_count) {
  if (lo > hi) std::swap(lo, hi);
  if (!std::isfinite(hi) || !(hi > 0.0)) hi = std::isfinite(lo) && lo > 0.0 ? lo : 1.0;
  if (!std::isfinite(lo) || !(lo > 0.0)) lo = hi / 10.0;
  // Exponents are kept inside the normal double range so every tick is finite and non-zero.
  constexpr int kMinExp = -300;
  constexpr int kMaxExp = 300;
  // The epsilon keeps log10(0.001) = -2.9999999999999996 (if the libm says so) from adding a
  // decade.
  int d_lo = static_cast<int>(std::clamp(std::floor(std::log10(lo) + 1e-9), -300.0, 300.0));
  int d_hi = static_cast<int>(std::clamp(std::ceil(std::log10(hi) - 1e-9), -300.0, 300.0));
  if (d_hi <= d_lo) {
    if (d_lo < kMaxExp) {
      d_hi = d_lo + 1;
    } else {
      d_lo = d_hi - 1;
    }
  }
  const int target = std::clamp(target_count, 1, 100);
  const int decades = d_hi - d_lo;
  int step = 1;
  for (int s : {1, 2, 5, 10, 20, 50, 100, 200, 500}) {
    step = s;
    if (decades <= s * target) break;
  }
  // Align to multiples of step (10^-6, 10^-4, ... rather than 10^-5, 10^-3, ...) when it stays
  // inside the exponent range.
  auto floor_div = [](int a, int b) { return a >= 0 ? a / b : -((-a + b - 1) / b); };
  int first = floor_div(d_lo, step) * step;
  if (first < kMinExp) first = d_lo;
  std::vector<double> ticks;
  int k = first;
  for (; k < d_hi; k += step)
    ticks.push_back(pow10i(k));
  // The last tick is the first multiple at or above d_hi; 10^307 is still finite.
  ticks.push_back(pow10i(std::min(k, 307)));
  return ticks;
}

std::string render_svg(const PlotSpec& spec) {
  const double width = std::max(spec.width, kMinWidth);
  const double height = std::max(spec.height, kMinHeight);
  const bool log_y = spec.log_y;

  // The points that can be drawn, per series, and the data's extent.
  std::vector<std::vector<Point>> drawn(spec.series.size());
  double x_lo = INFINITY, x_hi = -INFINITY, y_lo = INFINITY, y_hi = -INFINITY;
  size_t total = 0;
  for (size_t i = 0; i < spec.series.size(); ++i) {
    for (const auto& [x, y] : spec.series[i].points) {
      if (!drawable(x, y, log_y)) continue;
      drawn[i].push_back({x, y});
      x_lo = std::min(x_lo, x);
      x_hi = std::max(x_hi, x);
      y_lo = std::min(y_lo, y);
      y_hi = std::max(y_hi, y);
      ++total;
    }
  }
  if (total == 0) {
    x_lo = 0.0;
    x_hi = 1.0;
    y_lo = log_y ? 0.01 : 0.0;
    y_hi = 1.0;
  }

  // Vertical layout first: the y ticks depend on the plot height, the left margin on the widest
  // y tick label, and the x ticks on the plot width that leaves.
  const double top = spec.title.empty() ? 16.0 : 40.0;
  const double bottom = height - (spec.x_label.empty() ? 28.0 : 48.0);
  const double plot_h = bottom - top;

  const auto y_min = usable_bound(spec.y_min, log_y);
  const auto y_max = usable_bound(spec.y_max, log_y);
  // Decade labels are short and evenly spaced, so a log axis can take more of them.
  const int y_target = std::max(2, static_cast<int>(plot_h / (log_y ? 40.0 : 60.0)));
  const Axis y_axis = make_axis({y_min.value_or(y_lo), y_min.has_value()},
                                {y_max.value_or(y_hi), y_max.has_value()}, log_y, y_target);
  std::vector<std::string> y_labels;
  size_t y_label_chars = 1;
  for (double t : y_axis.ticks) {
    y_labels.push_back(format_label(t));
    y_label_chars = std::max(y_label_chars, y_labels.back().size());
  }

  double left =
      12.0 + (spec.y_label.empty() ? 0.0 : 20.0) + kCharWidth * static_cast<double>(y_label_chars);
  left = std::min(left, width * 0.3);

  // The legend sits right of the plot, one row per series, at most 30% of the width.
  size_t label_chars = 0;
  for (const auto& s : spec.series)
    label_chars = std::max(label_chars, utf8_length(s.label));
  double legend_w = 0.0;
  size_t legend_chars = 0;
  if (!spec.series.empty()) {
    legend_w = std::min(16.0 + 34.0 + kCharWidth * static_cast<double>(label_chars), width * 0.3);
    legend_chars = static_cast<size_t>(std::max(1.0, (legend_w - 50.0) / kCharWidth));
  }
  const double right = width - 20.0 - legend_w;
  const double plot_w = right - left;

  const auto x_min = usable_bound(spec.x_min, false);
  const auto x_max = usable_bound(spec.x_max, false);
  const int x_target = std::max(2, static_cast<int>(plot_w / 90.0));
  const Axis x_axis = make_axis({x_min.value_or(x_lo), x_min.has_value()},
                                {x_max.value_or(x_hi), x_max.has_value()}, false, x_target);

  auto px = [&](double x) { return left + x_axis.fraction(x) * plot_w; };
  auto py = [&](double y) { return bottom - y_axis.fraction(y) * plot_h; };

  std::string out;
  out.reserve(4096 + total * 16);
  const std::string w = coord(width);
  const std::string h = coord(height);
  out += "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"" + w + "\" height=\"" +
         h + "\" viewBox=\"0 0 " + w + " " + h +
         "\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" font-size=\"12\">\n";
  if (!spec.title.empty()) out += "<title>" + xml_escape(spec.title) + "</title>\n";
  out += "<rect width=\"" + w + "\" height=\"" + h + "\" fill=\"#ffffff\"/>\n";

  // The clip id is made of the plot rectangle, so two plots inlined in one HTML page either get
  // different ids or share an identical rectangle.
  const std::string rect_attrs = "x=\"" + coord(left) + "\" y=\"" + coord(top) + "\" width=\"" +
                                 coord(plot_w) + "\" height=\"" + coord(plot_h) + "\"";
  const std::string clip_id =
      "rumor-plot-" + coord(left) + "-" + coord(top) + "-" + coord(plot_w) + "-" + coord(plot_h);
  out += "<defs><clipPath id=\"" + clip_id + "\"><rect " + rect_attrs + "/></clipPath></defs>\n";

  // Grid: on a log axis, faint minor lines first (2..9 x 10^k when every decade is ticked, the
  // skipped decades otherwise), then a line per major tick.
  out += "<g stroke=\"#e6e6e6\" stroke-width=\"1\">\n";
  if (log_y && y_axis.ticks.size() >= 2) {
    const bool every_decade = y_axis.ticks[1] / y_axis.ticks[0] < 11.0;
    const int d0 = static_cast<int>(std::floor(y_axis.lo));
    const int d1 = static_cast<int>(std::ceil(y_axis.hi));
    if (d1 - d0 <= (every_decade ? 8 : 60)) {
      for (int d = d0; d < d1; ++d) {
        for (int j = every_decade ? 2 : 1; j <= (every_decade ? 9 : 1); ++j) {
          const double f = y_axis.fraction(j * pow10i(d));
          if (f <= 0.0 || f >= 1.0) continue;
          const std::string y = coord(bottom - f * plot_h);
          out += "<line x1=\"" + coord(left) + "\" y1=\"" + y + "\" x2=\"" + coord(right) +
                 "\" y2=\"" + y + "\" stroke=\"#f3f3f3\"/>\n";
        }
      }
    }
  }
  for (double t : y_axis.ticks) {
    const std::string y = coord(py(t));
    out += "<line x1=\"" + coord(left) + "\" y1=\"" + y + "\" x2=\"" + coord(right) + "\" y2=\"" +
           y + "\"/>\n";
  }
  for (double t : x_axis.ticks) {
    const std::string x = coord(px(t));
    out += "<line x1=\"" + x + "\" y1=\"" + coord(top) + "\" x2=\"" + x + "\" y2=\"" +
           coord(bottom) + "\"/>\n";
  }
  out += "</g>\n";

  // Frame and tick marks.
  out += "<rect " + rect_attrs + " fill=\"none\" stroke=\"#333333\" stroke-width=\"1\"/>\n";
  out += "<g stroke=\"#333333\" stroke-width=\"1\">\n";
  for (double t : y_axis.ticks) {
    const std::string y = coord(py(t));
    out += "<line x1=\"" + coord(left - 4.0) + "\" y1=\"" + y + "\" x2=\"" + coord(left) +
           "\" y2=\"" + y + "\"/>\n";
  }
  for (double t : x_axis.ticks) {
    const std::string x = coord(px(t));
    out += "<line x1=\"" + x + "\" y1=\"" + coord(bottom) + "\" x2=\"" + x + "\" y2=\"" +
           coord(bottom + 4.0) + "\"/>\n";
  }
  out += "</g>\n";

  // Tick labels.
  out += "<g fill=\"#333333\" font-size=\"11\">\n";
  for (size_t i = 0; i < y_axis.ticks.size(); ++i) {
    out += text_open(left - 7.0, py(y_axis.ticks[i]) + 4.0, "text-anchor=\"end\"") +
           xml_escape(y_labels[i]) + "</text>\n";
  }
  for (double t : x_axis.ticks) {
    out += text_open(px(t), bottom + 17.0, "text-anchor=\"middle\"") + xml_escape(format_label(t)) +
           "</text>\n";
  }
  out += "</g>\n";

  // Axis labels and title.
  if (!spec.x_label.empty()) {
    out += text_open(left + plot_w / 2.0, height - 10.0, "text-anchor=\"middle\"") +
           xml_escape(spec.x_label) + "</text>\n";
  }
  if (!spec.y_label.empty()) {
    const double cx = 16.0;
    const double cy = top + plot_h / 2.0;
    const std::string transform =
        "text-anchor=\"middle\" transform=\"rotate(-90 " + coord(cx) + " " + coord(cy) + ")\"";
    out += text_open(cx, cy, transform.c_str()) + xml_escape(spec.y_label) + "</text>\n";
  }
  if (!spec.title.empty()) {
    out += text_open(width / 2.0, 24.0,
                     "text-anchor=\"middle\" font-size=\"15\" font-weight=\"bold\"") +
           xml_escape(spec.title) + "</text>\n";
  }

  // Series, clipped to the plot area.
  auto stroke_attrs = [](size_t i) {
    std::string s = std::string("stroke=\"") + kPalette[i % kPalette.size()] + "\"";
    const char* dash = kDashes[(i / kPalette.size()) % kDashes.size()];
    if (dash[0] != '\0') s += std::string(" stroke-dasharray=\"") + dash + "\"";
    return s;
  };
  out += "<g clip-path=\"url(#" + clip_id +
         ")\" fill=\"none\" stroke-width=\"2\" stroke-linejoin=\"round\" "
         "stroke-linecap=\"round\">\n";
  for (size_t i = 0; i < drawn.size(); ++i) {
    if (drawn[i].empty()) continue;
    out += "<polyline " + stroke_attrs(i) + " points=\"";
    for (size_t j = 0; j < drawn[i].size(); ++j) {
      if (j > 0) out += ' ';
      append_coord(out, px(drawn[i][j].x));
      out += ',';
      append_coord(out, py(drawn[i][j].y));
    }
    out += "\"/>\n";
    if (drawn[i].size() == 1) {  // A one-point line is invisible; mark the point.
      out += "<circle cx=\"" + coord(px(drawn[i][0].x)) + "\" cy=\"" + coord(py(drawn[i][0].y)) +
             "\" r=\"3\" fill=\"" + kPalette[i % kPalette.size()] + "\" stroke=\"none\"/>\n";
    }
  }
  out += "</g>\n";

  if (total == 0) {
    out += text_open(left + plot_w / 2.0, top + plot_h / 2.0,
                     "text-anchor=\"middle\" fill=\"#777777\" font-size=\"14\"") +
           "no data</text>\n";
  }

  // Legend: one row per series, rows squeezed to fit the plot height.
  if (!spec.series.empty()) {
    const double n = static_cast<double>(spec.series.size());
    const double row = std::clamp((plot_h - 8.0) / n, 8.0, 18.0);
    const double lx = right + 16.0;
    out += "<g font-size=\"12\" fill=\"#222222\">\n";
    for (size_t i = 0; i < spec.series.size(); ++i) {
      const double y = top + 10.0 + row * static_cast<double>(i);
      const std::string ys = coord(y);
      out += "<line x1=\"" + coord(lx) + "\" y1=\"" + ys + "\" x2=\"" + coord(lx + 28.0) +
             "\" y2=\"" + ys + "\" " + stroke_attrs(i) + " stroke-width=\"2\"/>\n";
      out += text_open(lx + 34.0, y + 4.0, "") +
             xml_escape(truncate_utf8(spec.series[i].label, legend_chars)) + "</text>\n";
    }
    out += "</g>\n";
  }

  out += "</svg>\n";
  return out;
}

}  // namespace rumor::sim
