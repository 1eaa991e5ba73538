// MemberTable: one node's view of the heartbeat membership, and its peer sampler.
//
// One row per member this node has heard of (never itself): the member's generation, the
// highest heartbeat (origin counter) seen in that generation, its status in this node's eyes,
// when that status began, when this node last contacted it, and its failure-detector state.
// The rules, applied by observe() and check():
//   - a member heard of for the first time joins as alive (event kJoined);
//   - heartbeat progress within the generation feeds the detector and turns a suspect back to
//     alive (kAlive); it does not revive a dead member, nor a member that left;
//   - a newer generation (the member restarted) resets the detector and revives a dead, left or
//     suspect member (kAlive) — dead returns to alive only this way;
//   - a "left" status entry in the member's current generation makes it left (kLeft): left wins
//     over alive, whatever heartbeats follow in that generation;
//   - check() asks each alive or suspect member's detector: alive -> suspect (kSuspect),
//     suspect -> dead (kFailed); a member found dead at once gets both events, in order.
// As a PeerSampler it offers the members believed alive or suspect (not dead, not left),
// uniformly or least-recently-contacted first; with none, the seeds. The table holds at most
// max_members rows; a member beyond that is refused and counted, never crashes anything.
#pragma once

#include <cstdint>
#include <deque>
#include <string_view>
#include <vector>

#include "core/detect/detector.h"
#include "core/peer_sampler.h"

namespace rumor::core {

enum class MemberStatus : uint8_t { kAlive, kSuspect, kDead, kLeft };
std::string_view member_status_name(MemberStatus s);

enum class MemberEventKind : uint8_t { kJoined, kSuspect, kAlive, kFailed, kLeft };
std::string_view member_event_name(MemberEventKind k);

struct MemberEvent {
  MemberEventKind kind = MemberEventKind::kJoined;
  NodeId member = kNoNode;
  uint32_t generation = 0;
  Time at;
};

struct Member {
  NodeId id = kNoNode;
  uint32_t generation = 0;
  uint64_t heartbeat = 0;
  MemberStatus status = MemberStatus::kAlive;
  Time status_since;
  Time last_contact = Time::zero();
  bool contacted = false;  // last_contact is meaningful
  detect::MemberDetector detector;
};

// What observe() is told: one entry of `origin` that changed this node's store.
struct Observation {
  NodeId origin = kNoNode;
  uint32_t generation = 0;
  uint64_t counter = 0;
  bool left = false;  // the entry is the origin's "left" status
};

class MemberTable final : public PeerSampler {
 public:
  MemberTable(NodeId self, const detect::DetectorConfig* detector, PeerSelection selection,
              uint32_t max_members, uint32_t max_events);

  void set_seeds(std::vector<NodeId> seeds) { seeds_ = std::move(seeds); }
  const std::vector<NodeId>& seeds() const { return seeds_; }
  void observe(const Observation& o, Time now);
  void check(Time now);

  const Member* find(NodeId id) const;
  const std::vector<Member>& members() const { return members_; }
  size_t count(MemberStatus s) const;

  // Member events, oldest first; at most max_events are kept (the oldest are dropped first).
  bool poll_event(MemberEvent& out);
  uint64_t events_dropped() const { return events_dropped_; }
  uint64_t members_refused() const { return members_refused_; }

  void sample(NodeId self, Prng& prng, uint32_t k, Time now, std::vector<NodeId>& out) override;
  void all(NodeId self, std::vector<NodeId>& out) override;

 private:
  Member* find_mut(NodeId id);
  void set_status(Member& m, MemberStatus s, MemberEventKind event, Time now);
  void emit(MemberEventKind kind, const Member& m, Time now);

  NodeId self_;
  const detect::DetectorConfig* detector_;
  PeerSelection selection_;
  uint32_t max_members_;
  uint32_t max_events_;
  std::vector<Member> members_;  // sorted by id
  std::vector<NodeId> seeds_;
  std::deque<MemberEvent> events_;
  uint64_t events_dropped_ = 0;
  uint64_t members_refused_ = 0;
  std::vector<NodeId> candidates_;  // scratch for sample()
};

}  // namespace rumor::core
