// ProgressBar: a one-line progress bar on stderr for simulations that run longer than a second.
//
// It draws only when stderr is a terminal, and only once the run has taken more than a second,
// so short runs and redirected output stay clean. It lives in the CLI, not the simulator,
// because it reads the wall clock (the simulator never does).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "sim/gossip_world.h"

namespace rumor::cli {

class ProgressBar final : public sim::ProgressObserver {
 public:
  explicit ProgressBar(std::string label);
  ~ProgressBar() override;
  void set_label(std::string label) { label_ = std::move(label); }
  void on_round(uint32_t round, uint32_t max_rounds, uint64_t informed, uint64_t nodes) override;
  // Clears the line if anything was drawn.
  void finish();

 private:
  std::string label_;
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

}  // namespace rumor::cli
