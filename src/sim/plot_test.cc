#include "sim/plot.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rumor::sim {
namespace {

// A small well-formedness check, enough for what render_svg emits: every tag closes in order,
// attribute values are quoted, and '&' / '<' appear only as markup or entities. Returns "" when
// the document is well formed, otherwise what is wrong.
std::string xml_problem(std::string_view doc) {
  std::vector<std::string> open;
  size_t i = 0;
  int roots = 0;
  auto check_entities = [](std::string_view text) -> std::string {
    for (size_t k = 0; k < text.size(); ++k) {
      if (text[k] == '<') return "raw '<' in text";
      if (text[k] == '>') return "raw '>' in text";
      if (text[k] != '&') continue;
      const size_t semi = text.find(';', k);
      if (semi == std::string_view::npos) return "unterminated entity";
      const std::string_view ent = text.substr(k, semi - k + 1);
      if (ent != "&amp;" && ent != "&lt;" && ent != "&gt;" && ent != "&quot;" && ent != "&apos;") {
        return "unknown entity " + std::string(ent);
      }
    }
    return "";
  };
  while (i < doc.size()) {
    const size_t lt = doc.find('<', i);
    const std::string_view text = doc.substr(i, lt == std::string_view::npos ? doc.npos : lt - i);
    if (open.empty() && text.find_first_not_of(" \n\r\t") != std::string_view::npos) {
      return "text outside the root element";
    }
    if (auto p = check_entities(text); !p.empty()) return p;
    if (lt == std::string_view::npos) break;
    // Find the tag's end, skipping '>' inside quoted attribute values.
    size_t k = lt + 1;
    char quote = 0;
    while (k < doc.size() && (quote != 0 || doc[k] != '>')) {
      if (quote != 0 && doc[k] == '<') return "raw '<' in an attribute";
      if (quote == 0 && (doc[k] == '"' || doc[k] == '\'')) {
        quote = doc[k];
      } else if (doc[k] == quote) {
        quote = 0;
      }
      ++k;
    }
    if (k >= doc.size()) return "unterminated tag";
    std::string_view tag = doc.substr(lt + 1, k - lt - 1);
    i = k + 1;
    if (tag.empty()) return "empty tag";
    if (tag[0] == '/') {
      const std::string name(tag.substr(1));
      if (open.empty() || open.back() != name) return "mismatched </" + name + ">";
      open.pop_back();
      continue;
    }
    const bool self_closing = tag.back() == '/';
    if (self_closing) tag.remove_suffix(1);
    const size_t name_end = tag.find_first_of(" \n\t");
    const std::string name(tag.substr(0, name_end));
    if (name.empty() || !std::isalpha(static_cast<unsigned char>(name[0]))) {
      return "bad tag name in <" + std::string(tag) + ">";
    }
    // Attributes: name="value" pairs, values checked for entities.
    std::string_view rest = name_end == std::string_view::npos ? "" : tag.substr(name_end);
    while (true) {
      const size_t a = rest.find_first_not_of(" \n\t");
      if (a == std::string_view::npos) break;
      const size_t eq = rest.find('=', a);
      if (eq == std::string_view::npos || eq + 1 >= rest.size() || rest[eq + 1] != '"') {
        return "unquoted attribute in <" + name + ">";
      }
      const size_t close = rest.find('"', eq + 2);
      if (close == std::string_view::npos) return "unterminated attribute in <" + name + ">";
      if (auto p = check_entities(rest.substr(eq + 2, close - eq - 2)); !p.empty()) return p;
      rest = rest.substr(close + 1);
    }
    if (open.empty()) ++roots;
    if (!self_closing) open.push_back(name);
  }
  if (!open.empty()) return "unclosed <" + open.back() + ">";
  if (roots != 1) return "expected one root element";
  return "";
}

size_t count(std::string_view haystack, std::string_view needle) {
  size_t n = 0;
  for (size_t p = haystack.find(needle); p != haystack.npos; p = haystack.find(needle, p + 1)) {
    ++n;
  }
  return n;
}

// True if any number-like token reads nan or inf (as printf or to_chars would print them).
// Tokens, not substrings: a label may well say "informed".
bool has_non_finite_text(const std::string& svg) {
  std::string token;
  for (size_t i = 0; i <= svg.size(); ++i) {
    const char c = i < svg.size() ? svg[i] : ' ';
    if (std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.') {
      token += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      continue;
    }
    if (token == "nan" || token == "inf" || token == "infinity") return true;
    token.clear();
  }
  return false;
}

void expect_valid(const std::string& svg) {
  EXPECT_EQ(xml_problem(svg), "") << svg;
  EXPECT_TRUE(svg.starts_with("<svg ")) << svg.substr(0, 40);
  EXPECT_TRUE(svg.ends_with("</svg>\n"));
  EXPECT_NE(svg.find("xmlns=\"http://www.w3.org/2000/svg\""), std::string::npos);
  EXPECT_NE(svg.find("viewBox=\"0 0 "), std::string::npos);
  EXPECT_FALSE(has_non_finite_text(svg)) << svg;
}

// Each tick is an integral multiple of one 1, 2 or 5 x 10^k step.
void expect_nice(const std::vector<double>& ticks) {
  ASSERT_GE(ticks.size(), 2u);
  const double step = ticks[1] - ticks[0];
  ASSERT_GT(step, 0.0);
  const double e = std::floor(std::log10(step) + 1e-9);
  const double m = step / std::pow(10.0, e);
  EXPECT_TRUE(std::fabs(m - 1) < 1e-9 || std::fabs(m - 2) < 1e-9 || std::fabs(m - 5) < 1e-9)
      << "step " << step;
  for (size_t i = 0; i < ticks.size(); ++i) {
    const double k = ticks[i] / step;
    EXPECT_NEAR(k, std::round(k), 1e-6) << "tick " << ticks[i];
    if (i > 0) {
      EXPECT_NEAR(ticks[i] - ticks[i - 1], step, step * 1e-9);
    }
  }
}

PlotSpec example_spec() {
  PlotSpec spec;
  spec.title = "Push-pull gossip, n = 1000";
  spec.x_label = "round";
  spec.y_label = "fraction informed";
  for (int s = 0; s < 3; ++s) {
    Series series;
    series.label = "fanout " + std::to_string(s + 1);
    for (int r = 0; r <= 20; ++r) {
      const double k = 0.4 * (s + 1) * (r - 8);
      series.points.emplace_back(r, 1.0 / (1.0 + std::exp(-k)));
    }
    spec.series.push_back(series);
  }
  return spec;
}

TEST(NiceTicks, UnitRangeStepsByTwoTenths) {
  const std::vector<double> ticks = nice_ticks(0.0, 1.0, 5);
  EXPECT_EQ(ticks, (std::vector<double>{0.0, 0.2, 0.4, 0.6, 0.8, 1.0}));
}

TEST(NiceTicks, RoundsOutwardToCoverTheRange) {
  const std::vector<double> ticks = nice_ticks(3.7, 96.2, 5);
  expect_nice(ticks);
  EXPECT_EQ(ticks.front(), 0.0);
  EXPECT_EQ(ticks.back(), 100.0);
  EXPECT_EQ(ticks[1] - ticks[0], 20.0);
}

TEST(NiceTicks, AreNiceForManyRanges) {
  const double ranges[][2] = {{0, 1},       {0, 7},       {-3.2, 4.9},  {0.001, 0.0047},
                              {1e6, 3.3e6}, {-1e-9, 0},   {12, 13},     {0.3, 0.35},
                              {-250, -120}, {0, 1000000}, {99.5, 100.5}};
  for (const auto& r : ranges) {
    for (int target : {2, 5, 8}) {
      SCOPED_TRACE(std::to_string(r[0]) + " .. " + std::to_string(r[1]) + " target " +
                   std::to_string(target));
      const std::vector<double> ticks = nice_ticks(r[0], r[1], target);
      expect_nice(ticks);
      EXPECT_LE(ticks.front(), r[0]);
      EXPECT_GE(ticks.back(), r[1]);
      // Close to the requested count: Heckbert's rounding lands within a factor of about 2.5.
      EXPECT_LE(ticks.size(), static_cast<size_t>(2.5 * target + 3));
    }
  }
}

TEST(NiceTicks, DecimalTicksAreTheNearestDoubles) {
  // 0.3 must be the double 0.3, not 3 * 0.1 = 0.30000000000000004.
  const std::vector<double> ticks = nice_ticks(0.0, 0.5, 5);
  EXPECT_EQ(ticks, (std::vector<double>{0.0, 0.1, 0.2, 0.3, 0.4, 0.5}));
}

TEST(NiceTicks, ReversedRangeIsSorted) {
  EXPECT_EQ(nice_ticks(1.0, 0.0, 5), nice_ticks(0.0, 1.0, 5));
}

TEST(NiceTicks, DegenerateRangesAreWidened) {
  for (double v : {0.0, 5.0, -3.0, 1e-300, 1e300}) {
    SCOPED_TRACE(v);
    const std::vector<double> ticks = nice_ticks(v, v, 5);
    ASSERT_GE(ticks.size(), 2u);
    EXPECT_LE(ticks.front(), v);
    EXPECT_GE(ticks.back(), v);
    EXPECT_LT(ticks.front(), ticks.back());
  }
  const double inf = std::numeric_limits<double>::infinity();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (auto [lo, hi] : {std::pair{nan, nan}, std::pair{-inf, inf}, std::pair{nan, 3.0},
                        std::pair{-1e308, 1e308}, std::pair{1e15, 1e15 + 0.125}}) {
    const std::vector<double> ticks = nice_ticks(lo, hi, 5);
    ASSERT_GE(ticks.size(), 2u);
    for (double t : ticks)
      EXPECT_TRUE(std::isfinite(t));
    EXPECT_TRUE(std::is_sorted(ticks.begin(), ticks.end()));
  }
  EXPECT_GE(nice_ticks(0.0, 1.0, 0).size(), 2u);
  EXPECT_LE(nice_ticks(0.0, 1.0, 1 << 30).size(), 102u);
}

TEST(NiceLogTicks, DecadesCoverTheRange) {
  EXPECT_EQ(nice_log_ticks(0.001, 1.0, 6), (std::vector<double>{0.001, 0.01, 0.1, 1.0}));
  EXPECT_EQ(nice_log_ticks(0.0042, 0.7, 6), (std::vector<double>{0.001, 0.01, 0.1, 1.0}));
  EXPECT_EQ(nice_log_ticks(3.0, 250.0, 6), (std::vector<double>{1.0, 10.0, 100.0, 1000.0}));
}

TEST(NiceLogTicks, ManyDecadesSkipDecades) {
  const std::vector<double> ticks = nice_log_ticks(1e-12, 1.0, 6);
  EXPECT_EQ(ticks, (std::vector<double>{1e-12, 1e-10, 1e-8, 1e-6, 1e-4, 1e-2, 1.0}));
}

TEST(NiceLogTicks, DegenerateInputStillGivesTwoFiniteDecades) {
  const double inf = std::numeric_limits<double>::infinity();
  for (auto [lo, hi] : {std::pair{1.0, 1.0}, std::pair{0.0, 0.0}, std::pair{-5.0, 0.5},
                        std::pair{0.5, 0.5}, std::pair{5e-324, 1e308}, std::pair{0.0, inf}}) {
    const std::vector<double> ticks = nice_log_ticks(lo, hi, 6);
    ASSERT_GE(ticks.size(), 2u);
    for (double t : ticks) {
      EXPECT_TRUE(std::isfinite(t));
      EXPECT_GT(t, 0.0);
    }
    EXPECT_TRUE(std::is_sorted(ticks.begin(), ticks.end()));
  }
  EXPECT_EQ(nice_log_ticks(1.0, 1.0, 6), (std::vector<double>{1.0, 10.0}));
}

TEST(RenderSvg, IsWellFormedWithOnePolylinePerSeries) {
  const std::string svg = render_svg(example_spec());
  expect_valid(svg);
  EXPECT_EQ(count(svg, "<polyline "), 3u);
  EXPECT_NE(svg.find(">fanout 1</text>"), std::string::npos);
  EXPECT_NE(svg.find(">fanout 3</text>"), std::string::npos);
  EXPECT_NE(svg.find(">Push-pull gossip, n = 1000</text>"), std::string::npos);
  EXPECT_NE(svg.find(">fraction informed</text>"), std::string::npos);
  EXPECT_EQ(svg.find("no data"), std::string::npos);
  // Distinct colours for the first series.
  EXPECT_NE(svg.find("stroke=\"#0072B2\""), std::string::npos);
  EXPECT_NE(svg.find("stroke=\"#D55E00\""), std::string::npos);
  EXPECT_NE(svg.find("stroke=\"#009E73\""), std::string::npos);
}

TEST(RenderSvg, PointsLandInsideThePlotArea) {
  PlotSpec spec;
  spec.series.push_back({"diag", {{0.0, 0.0}, {10.0, 10.0}}});
  spec.width = 400;
  spec.height = 300;
  const std::string svg = render_svg(spec);
  expect_valid(svg);
  const size_t p = svg.find("points=\"");
  ASSERT_NE(p, std::string::npos);
  double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  ASSERT_EQ(std::sscanf(svg.c_str() + p, "points=\"%lf,%lf %lf,%lf\"", &x0, &y0, &x1, &y1), 4);
  EXPECT_LT(x0, x1);
  EXPECT_GT(y0, y1);  // SVG y grows downward.
  for (double v : {x0, x1}) {
    EXPECT_GT(v, 0.0);
    EXPECT_LT(v, 400.0);
  }
  for (double v : {y0, y1}) {
    EXPECT_GT(v, 0.0);
    EXPECT_LT(v, 300.0);
  }
}

TEST(RenderSvg, TextIsEscaped) {
  PlotSpec spec;
  spec.title = "a < b & c > d";
  spec.x_label = "\"quoted\"";
  spec.y_label = "it's";
  spec.series.push_back({"<script>&amp;", {{0, 1}, {1, 2}}});
  spec.series.push_back({"ctrl\x01char", {{0, 2}, {1, 1}}});
  const std::string svg = render_svg(spec);
  expect_valid(svg);
  EXPECT_NE(svg.find("a &lt; b &amp; c &gt; d"), std::string::npos);
  EXPECT_NE(svg.find("&quot;quoted&quot;"), std::string::npos);
  EXPECT_NE(svg.find("it&apos;s"), std::string::npos);
  EXPECT_NE(svg.find(">&lt;script&gt;&amp;amp;</text>"), std::string::npos);
  EXPECT_EQ(svg.find("<script"), std::string::npos);
  EXPECT_EQ(svg.find('\x01'), std::string::npos);
}

TEST(RenderSvg, IsDeterministic) {
  const PlotSpec spec = example_spec();
  const std::string a = render_svg(spec);
  const std::string b = render_svg(spec);
  EXPECT_EQ(a, b);
  PlotSpec log_spec = spec;
  log_spec.log_y = true;
  EXPECT_EQ(render_svg(log_spec), render_svg(log_spec));
}

TEST(RenderSvg, EmptyInputsSayNoData) {
  PlotSpec none;
  std::string svg = render_svg(none);
  expect_valid(svg);
  EXPECT_NE(svg.find(">no data</text>"), std::string::npos);
  EXPECT_EQ(count(svg, "<polyline"), 0u);

  PlotSpec empty_series;
  empty_series.title = "nothing yet";
  empty_series.series.push_back({"empty", {}});
  empty_series.log_y = true;
  svg = render_svg(empty_series);
  expect_valid(svg);
  EXPECT_NE(svg.find(">no data</text>"), std::string::npos);
  EXPECT_NE(svg.find(">empty</text>"), std::string::npos);  // Still in the legend.
  EXPECT_EQ(count(svg, "<polyline"), 0u);
}

TEST(RenderSvg, OnlyNonEmptySeriesGetPolylines) {
  PlotSpec spec;
  spec.series.push_back({"a", {{0, 1}, {1, 2}}});
  spec.series.push_back({"b", {}});
  spec.series.push_back({"c", {{0, 3}}});
  const std::string svg = render_svg(spec);
  expect_valid(svg);
  EXPECT_EQ(count(svg, "<polyline "), 2u);
  EXPECT_EQ(count(svg, "<circle "), 1u);  // The one-point series is marked.
}

TEST(RenderSvg, DegenerateInputsStayFinite) {
  const double inf = std::numeric_limits<double>::infinity();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<PlotSpec> specs;
  auto add = [&](std::vector<std::pair<double, double>> points, bool log_y) {
    PlotSpec spec;
    spec.series.push_back({"s", std::move(points)});
    spec.log_y = log_y;
    specs.push_back(spec);
  };
  for (bool log_y : {false, true}) {
    add({{3, 0.5}}, log_y);                         // one point
    add({{0, 0.25}, {5, 0.25}, {9, 0.25}}, log_y);  // all-equal y
    add({{2, 1}, {2, 5}}, log_y);                   // all-equal x
    add({{0, 0}, {1, 0}, {2, -1}}, log_y);          // nothing positive on a log axis
    add({{nan, 1}, {1, nan}, {inf, 2}, {3, -inf}}, log_y);
    add({{0, 1e-300}, {1, 1e300}}, log_y);
    add({{0, -1e308}, {1, 1e308}}, log_y);
    add({{1e15, 1}, {1e15 + 0.125, 2}}, log_y);
  }
  PlotSpec pinned = example_spec();
  pinned.y_min = 0.5;
  pinned.y_max = 0.5;  // Both ends pinned to one value.
  specs.push_back(pinned);
  pinned.y_min = 2.0;
  pinned.y_max = -1.0;  // Reversed.
  pinned.x_min = nan;
  specs.push_back(pinned);
  pinned.log_y = true;
  pinned.y_min = -1.0;  // Unusable on a log axis: ignored.
  pinned.y_max = 1e-3;  // Everything above is clipped.
  specs.push_back(pinned);
  PlotSpec tiny = example_spec();
  tiny.width = 0;
  tiny.height = -5;
  specs.push_back(tiny);

  for (size_t i = 0; i < specs.size(); ++i) {
    SCOPED_TRACE("spec " + std::to_string(i));
    expect_valid(render_svg(specs[i]));
  }
}

TEST(RenderSvg, LogAxisSkipsNonPositiveAndTicksDecades) {
  PlotSpec spec;
  spec.log_y = true;
  spec.series.push_back({"uninformed", {{0, 1.0}, {1, 0.1}, {2, 0.001}, {3, 0.0}, {4, -1.0}}});
  const std::string svg = render_svg(spec);
  expect_valid(svg);
  EXPECT_EQ(count(svg, "<polyline "), 1u);
  const size_t p = svg.find("points=\"");
  const std::string points = svg.substr(p, svg.find('"', p + 8) - p);
  EXPECT_EQ(count(points, ","), 3u);  // Three drawable points.
  EXPECT_NE(svg.find(">0.001</text>"), std::string::npos);
  EXPECT_NE(svg.find(">0.01</text>"), std::string::npos);
  EXPECT_NE(svg.find(">0.1</text>"), std::string::npos);
  EXPECT_NE(svg.find(">1</text>"), std::string::npos);
}

TEST(RenderSvg, ManySeriesCycleDashes) {
  PlotSpec spec;
  for (int i = 0; i < 20; ++i) {
    spec.series.push_back({"series " + std::to_string(i), {{0, i}, {1, i + 1}}});
  }
  const std::string svg = render_svg(spec);
  expect_valid(svg);
  EXPECT_EQ(count(svg, "<polyline "), 20u);
  // Series 8..15 dashed one way, 16..19 another; each in the plot and in the legend.
  EXPECT_EQ(count(svg, "stroke-dasharray=\"8 4\""), 16u);
  EXPECT_EQ(count(svg, "stroke-dasharray=\"2 3\""), 8u);
}

TEST(RenderSvg, LongLabelsAreTruncatedOnCharacterBoundaries) {
  PlotSpec spec;
  std::string label;
  for (int i = 0; i < 100; ++i)
    label += "\xC3\xA9";  // "é" x 100
  spec.series.push_back({label, {{0, 0}, {1, 1}}});
  const std::string svg = render_svg(spec);
  expect_valid(svg);
  EXPECT_NE(svg.find("\xE2\x80\xA6</text>"), std::string::npos);
  EXPECT_EQ(svg.find(label), std::string::npos);
}

}  // namespace
}  // namespace rumor::sim
