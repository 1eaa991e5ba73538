// ViewAccuracy: how many running members of a simulated membership run (heartbeat_world.h,
// swim_world.h) hold an accurate view of the cluster, kept up to date event by event; it is the
// `informed` of their traces' "round" lines (docs/simulator.md "Trace format", docs/web.md
// "Trace format additions for the viewer").
//
// A view is what a member's own status events said, member by member: unknown until its first
// event about a member; joined and alive make it alive, then suspect, failed or left (member
// events that change nothing that counts, such as swim's "updated" and "reaped", are not passed
// in; forgetting a failed or left member counts the same as holding it so). A view is accurate
// when it holds every other running member alive (a suspect one, or one it does not know, is
// wrong) and no member that is not running (crashed, leaving or left, not started yet) alive or
// suspect. A running member is one the world has started and that has neither crashed nor begun
// to leave; a restarted member runs again, with an empty view.
//
// The world tells it the truth (start, stop) and hands it every status event; it reads no node
// and steers nothing. Worlds make one only for a traced run, so an untraced run pays nothing.
//
// Invariant: wrong_[o] is the number of members o's view gets wrong, kept up to date on every
// event (O(1) per status, O(n) per start or stop), so informed() costs O(n). The views are an
// n x n byte matrix, hence at most kMaxViewAccuracyNodes members (25 MB).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "core/membership/member_table.h"
#include "core/membership/swim_node.h"

namespace rumor::sim {

// The most members whose views one ViewAccuracy follows, so the most a traced membership run
// may have.
inline constexpr uint32_t kMaxViewAccuracyNodes = 5000;

class ViewAccuracy {
 public:
  enum class View : uint8_t { kUnknown, kAlive, kSuspect, kFailed, kLeft };

  // The view a member event leaves, or none for an event that changes nothing that counts.
  static std::optional<View> view_after(core::MemberEventKind kind);
  static std::optional<View> view_after(core::SwimEventKind kind);

  // n members (at most kMaxViewAccuracyNodes). formed: every member is running and holds every
  // other alive (swim's formed start); otherwise none runs yet and every view is unknown.
  ViewAccuracy(uint32_t n, bool formed);

  // observer's view of another member becomes v.
  void set(uint32_t observer, uint32_t member, View v);
  // node starts running, for the first time or after a crash, knowing nobody.
  void start(uint32_t node);
  // node stops running: it crashes or begins to leave. Its view no longer counts.
  void stop(uint32_t node);

  bool running(uint32_t node) const { return running_[node] != 0; }
  // Running members whose view is accurate, now.
  uint64_t informed() const;

 private:
  static bool accurate(uint8_t view, bool running) {
    return running ? view == static_cast<uint8_t>(View::kAlive)
                   : view != static_cast<uint8_t>(View::kAlive) &&
                         view != static_cast<uint8_t>(View::kSuspect);
  }
  void set_running(uint32_t node, bool running);

  uint32_t n_;
  std::vector<uint8_t> view_;  // view_[o * n_ + m]: what o holds about m (a View)
  std::vector<uint8_t> running_;
  std::vector<uint32_t> wrong_;
};

}  // namespace rumor::sim
