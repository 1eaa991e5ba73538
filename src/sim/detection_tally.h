// DetectionTally: the detection times of one crash, gathered over the members that watched it.
//
// A world feeds it each observer's first suspicion and death verdict about the crashed member
// (Time::never() when that observer never reached it) and copies the summary into its result:
// how many observers, how many declared the member dead, and, in seconds after the crash, the
// first suspicion, the first verdict, the last verdict (only when every observer reached one)
// and the mean verdict time. Shared by the heartbeat and SWIM worlds, whose result structs both
// carry those fields.
#pragma once

#include <algorithm>
#include <cstdint>

#include "base/time.h"

namespace rumor::sim {

class DetectionTally {
 public:
  explicit DetectionTally(Time crash) : crash_(crash) {}

  void observe(Time suspect, Time dead) {
    ++observers_;
    first_suspect_ = std::min(first_suspect_, suspect);
    if (dead == Time::never()) return;
    ++observers_dead_;
    first_dead_ = std::min(first_dead_, dead);
    last_dead_ = std::max(last_dead_, dead);
    sum_s_ += (dead - crash_).sec();
  }

  // Stats: any struct with observers, observers_dead, first_suspect_s, first_dead_s, all_dead_s
  // (std::optional<double>) and mean_dead_s.
  template <typename Stats>
  void fill(Stats& d) const {
    d.observers = observers_;
    d.observers_dead = observers_dead_;
    if (first_suspect_ != Time::never()) d.first_suspect_s = (first_suspect_ - crash_).sec();
    if (first_dead_ != Time::never()) d.first_dead_s = (first_dead_ - crash_).sec();
    if (observers_dead_ > 0 && observers_dead_ == observers_) {
      d.all_dead_s = (last_dead_ - crash_).sec();
    }
    if (observers_dead_ > 0) d.mean_dead_s = sum_s_ / observers_dead_;
  }

 private:
  Time crash_;
  uint32_t observers_ = 0;
  uint32_t observers_dead_ = 0;
  Time first_suspect_ = Time::never();
  Time first_dead_ = Time::never();
  Time last_dead_ = Time::zero();
  double sum_s_ = 0;
};

}  // namespace rumor::sim
