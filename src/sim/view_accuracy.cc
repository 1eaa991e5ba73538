#include "sim/view_accuracy.h"

#include <algorithm>

#include "base/assert.h"

namespace rumor::sim {

std::optional<ViewAccuracy::View> ViewAccuracy::view_after(core::MemberEventKind kind) {
  using core::MemberEventKind;
  switch (kind) {
    case MemberEventKind::kJoined:
    case MemberEventKind::kAlive:
      return View::kAlive;
    case MemberEventKind::kSuspect:
      return View::kSuspect;
    case MemberEventKind::kFailed:
      return View::kFailed;
    case MemberEventKind::kLeft:
      return View::kLeft;
  }
  return std::nullopt;
}

std::optional<ViewAccuracy::View> ViewAccuracy::view_after(core::SwimEventKind kind) {
  using core::SwimEventKind;
  switch (kind) {
    case SwimEventKind::kJoined:
    case SwimEventKind::kAlive:
      return View::kAlive;
    case SwimEventKind::kSuspect:
      return View::kSuspect;
    case SwimEventKind::kFailed:
      return View::kFailed;
    case SwimEventKind::kLeft:
      return View::kLeft;
    default:
      return std::nullopt;  // updated, reaped: no change that counts (view_accuracy.h)
  }
}

ViewAccuracy::ViewAccuracy(uint32_t n, bool formed)
    : n_(n), running_(n, formed ? 1 : 0), wrong_(n, 0) {
  RUMOR_ASSERT(n_ <= kMaxViewAccuracyNodes, "at most kMaxViewAccuracyNodes views are followed");
  // Formed: every member runs and holds every other alive, so every view is accurate. Else
  // nobody runs and nobody knows anyone: nothing is wrong either.
  view_.assign(size_t{n_} * n_, static_cast<uint8_t>(formed ? View::kAlive : View::kUnknown));
}

void ViewAccuracy::set(uint32_t observer, uint32_t member, View v) {
  RUMOR_ASSERT(observer < n_ && member < n_ && member != observer, "a view is of another member");
  uint8_t& cell = view_[size_t{observer} * n_ + member];
  const auto now = static_cast<uint8_t>(v);
  const bool was = accurate(cell, running_[member] != 0), is = accurate(now, running_[member] != 0);
  cell = now;
  if (was && !is) wrong_[observer]++;
  if (!was && is) wrong_[observer]--;
}

void ViewAccuracy::set_running(uint32_t node, bool running) {
  if ((running_[node] != 0) == running) return;
  running_[node] = running ? 1 : 0;
  for (uint32_t o = 0; o < n_; ++o) {
    if (o == node) continue;
    const uint8_t v = view_[size_t{o} * n_ + node];
    const bool was = accurate(v, !running), is = accurate(v, running);
    if (was && !is) wrong_[o]++;
    if (!was && is) wrong_[o]--;
  }
}

void ViewAccuracy::start(uint32_t node) {
  set_running(node, true);
  // A new generation knows nobody: every running member is one it gets wrong.
  uint8_t* row = view_.data() + size_t{node} * n_;
  std::fill(row, row + n_, static_cast<uint8_t>(View::kUnknown));
  uint32_t wrong = 0;
  for (uint32_t m = 0; m < n_; ++m)
    wrong += m != node && running_[m];
  wrong_[node] = wrong;
}

void ViewAccuracy::stop(uint32_t node) {
  set_running(node, false);
}

uint64_t ViewAccuracy::informed() const {
  uint64_t k = 0;
  for (uint32_t o = 0; o < n_; ++o)
    k += running_[o] && wrong_[o] == 0;
  return k;
}

}  // namespace rumor::sim
