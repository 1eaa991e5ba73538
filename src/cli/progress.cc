#include "cli/progress.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>

namespace rumor::cli {

ProgressBar::ProgressBar(std::string label)
    : label_(std::move(label)),
      enabled_(isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

ProgressBar::~ProgressBar() {
  finish();
}

void ProgressBar::on_round(uint32_t round, uint32_t max_rounds, uint64_t informed, uint64_t nodes) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (now - start_ < std::chrono::seconds(1)) return;
  if (drawn_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  drawn_ = true;
  const double frac = nodes ? static_cast<double>(informed) / static_cast<double>(nodes) : 0.0;
  constexpr int kWidth = 30;
  const int filled = static_cast<int>(frac * kWidth);
  std::string bar(static_cast<size_t>(filled), '#');
  bar.append(static_cast<size_t>(kWidth - filled), '.');
  // Rounded down, so "100.0%" means everyone.
  const double percent = std::floor(frac * 1000.0) / 10.0;
  std::fprintf(stderr, "\r%s [%s] round %u/%u, %.1f%% informed\x1b[K", label_.c_str(), bar.c_str(),
               round, max_rounds, percent);
  std::fflush(stderr);
}

void ProgressBar::finish() {
  if (!drawn_) return;
  std::fprintf(stderr, "\r\x1b[K");
  std::fflush(stderr);
  drawn_ = false;
}

}  // namespace rumor::cli
