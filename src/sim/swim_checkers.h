// SwimCheckers: properties a SWIM world must keep, watched from outside (DESIGN.md, "Checkers
// observe; they never steer"). The world (swim_world.h) tells them the truth (who is running)
// and hands them every membership event each node raises; they keep per-member counts, never
// touch a node, and report what they see broken as SwimViolations.
//
//   (a) never-dead-everywhere: a live member that no fault touches (never crashed, not slow, not
//       leaving, on the largest side of every partition) is not held dead by every other live
//       member at once for longer than `dead_everywhere`. Such a member hears of its death
//       (gossip to the recently dead, its own push-pulls) and refutes, so the bound the world
//       passes is 2 x the scaled push-pull interval + the longest suspicion timeout.
//   (b) agreement-after-heal: once the last fault has happened or healed (`faults_end`: the last
//       crash, restart, partition heal, leave, or join), there is an instant, at most `agreement`
//       later, at which every steady live member's view holds exactly the steady live members
//       as alive or suspect (and no stopped one). Steady means not persistently faulty: slow
//       members never heal, and one that answers later than the protocol's timeouts is rightly
//       declared dead again and again, so they are left out of (b) as subjects and observers;
//       what (b) then demands is that they do not keep the healthy members from agreeing. The world
//       passes reconnect interval + 2 x scaled push-pull interval + 2 x longest suspicion timeout +
//       10 probe intervals + 50 gossip intervals: time for an unseen crash to be probed, suspected,
//       declared and spread, and for the two sides of a healed partition to find each other again.
//       Not checked when a partition never heals, when slow members run without Lifeguard (a fault
//       that never heals, around which SWIM keeps flapping: the Lifeguard experiment), or when the
//       run ends first (agreement_checked() says which).
//   (c) dead-returns-newer: when a member an observer holds dead (or left) with incarnation i
//       becomes alive again in that observer's view, it does so with an incarnation > i. A node
//       forgets members dead for longer than gossip_to_the_dead_time (memberlist's reaping) and
//       says so (SwimEventKind::kReaped), after which an older alive is news about a stranger:
//       the checker drops its record then. A return without that event after `remember_dead`
//       is counted as a stale_rejoin(), not a violation.
//   (d) views-match-events: at the end, the alive/suspect counts the events implied equal what
//       the live nodes' member lists hold (a node that changed state without saying so, or that
//       dropped events, would make every other check unreliable).
//
// Invariants: counts only ever describe live observers' views; each violation kind is reported
// at most once per member (and (b) and (d) once per run), the first kMaxViolations in full and
// the rest only counted. Member ids are node indices (the world interns "node-i" as NameId i).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <queue>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/time.h"
#include "core/membership/swim_node.h"

namespace rumor::sim {

struct SwimViolation {
  std::string checker;  // never-dead-everywhere | agreement-after-heal | dead-returns-newer |
                        // views-match-events
  double at_s = 0;
  uint32_t member = 0;  // the member the violation is about (0 for run-wide ones)
  std::string detail;
};

struct SwimCheckBounds {
  Duration dead_everywhere = Duration::seconds(120);  // (a)
  Duration agreement = Duration::seconds(300);        // (b)
  Duration remember_dead = Duration::seconds(30);     // (c)
  std::optional<Time> faults_end;                     // (b); nullopt: some fault never heals
};

class SwimCheckers {
 public:
  static constexpr size_t kMaxViolations = 100;

  // `touched[i]` is nonzero for a member some fault touches (exempt from (a)); `persistent[i]`
  // for one whose fault never heals (a slow member: left out of (b)).
  SwimCheckers(uint32_t nodes, std::vector<uint8_t> touched, std::vector<uint8_t> persistent,
               const SwimCheckBounds& bounds);

  // Truth. formed(): every node is live and knows every other as alive. up(): a node starts (or
  // restarts) knowing only itself. down(): a node stops counting, as member and as observer (a
  // crash, or the moment it starts to leave); `view` is its member list at that moment.
  void formed(Time t);
  void up(Time t, uint32_t node);
  void down(Time t, uint32_t node, const core::SwimNode& view);

  // One event `observer` raised (the world passes only live observers' events).
  void on_event(uint32_t observer, const core::SwimEvent& e);
  // Time moves on to `t`: deadlines of (a) and (b) that passed are judged.
  void advance(Time t);
  // The end of the run: judges what is due and compares the counts with the live nodes' views
  // (`view_of(i)` is node i's node, or nullptr when it is not live).
  void finish(Time end, const std::function<const core::SwimNode*(uint32_t)>& view_of);

  const std::vector<SwimViolation>& violations() const { return violations_; }
  uint64_t violations_total() const { return violations_total_; }
  uint64_t stale_rejoins() const { return stale_rejoins_; }
  bool agreement_checked() const { return agreement_checked_; }
  // When every live view first matched the live set at or after faults_end.
  std::optional<Time> agreed_at() const { return agreed_at_; }

 private:
  struct DeadMark {
    uint32_t incarnation = 0;
    Time at;
    bool left = false;
  };
  struct Due {
    Time at;
    uint32_t member;
    Time since;
    bool operator>(const Due& o) const { return at != o.at ? at > o.at : member > o.member; }
  };
  static uint64_t pair(uint32_t observer, uint32_t member) {
    return (uint64_t{observer} << 32) | member;
  }
  void report(Time t, std::string checker, uint32_t member, std::string detail);
  void update(uint32_t member, Time t);
  void update_all(Time t);
  void take_alive(uint32_t observer, uint32_t member);

  uint32_t nodes_;
  std::vector<uint8_t> touched_;
  std::vector<uint8_t> persistent_;
  SwimCheckBounds bounds_;
  std::vector<uint8_t> live_;
  uint32_t live_count_ = 0;
  uint32_t steady_count_ = 0;              // live and not persistent
  std::vector<uint32_t> alive_by_live_;    // live observers (other than the member) holding it
                                           // alive or suspect
  std::vector<uint32_t> alive_by_steady_;  // ... of them, those not persistently faulty
  std::vector<uint32_t> dead_by_live_;     // ... holding it dead (not left)
  std::unordered_map<uint64_t, DeadMark> dead_;  // (live observer, member) held dead or left
  std::vector<uint8_t> bad_;                     // member's views disagree with the truth
  uint32_t bad_count_ = 0;
  std::vector<Time> dead_everywhere_since_;
  std::vector<uint8_t> reported_a_, reported_c_;
  std::priority_queue<Due, std::vector<Due>, std::greater<>> due_;
  Time now_;
  std::optional<Time> agreed_at_;
  bool agreement_checked_ = false;
  bool reported_b_ = false;
  uint64_t count_errors_ = 0;  // a decrement below zero: events out of step with the views
  uint64_t stale_rejoins_ = 0;
  std::vector<SwimViolation> violations_;
  uint64_t violations_total_ = 0;
};

}  // namespace rumor::sim
