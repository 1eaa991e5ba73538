#include "core/membership/member_table.h"

#include <algorithm>
#include <limits>

namespace rumor::core {

std::string_view member_status_name(MemberStatus s) {
  switch (s) {
    case MemberStatus::kAlive:
      return "alive";
    case MemberStatus::kSuspect:
      return "suspect";
    case MemberStatus::kDead:
      return "dead";
    case MemberStatus::kLeft:
      return "left";
  }
  return "unknown";
}

std::string_view member_event_name(MemberEventKind k) {
  switch (k) {
    case MemberEventKind::kJoined:
      return "joined";
    case MemberEventKind::kSuspect:
      return "suspect";
    case MemberEventKind::kAlive:
      return "alive";
    case MemberEventKind::kFailed:
      return "failed";
    case MemberEventKind::kLeft:
      return "left";
  }
  return "unknown";
}

MemberTable::MemberTable(NodeId self, const detect::DetectorConfig* detector,
                         PeerSelection selection, uint32_t max_members, uint32_t max_events)
    : self_(self),
      detector_(detector),
      selection_(selection),
      max_members_(max_members),
      max_events_(max_events) {}

const Member* MemberTable::find(NodeId id) const {
  auto it = std::lower_bound(members_.begin(), members_.end(), id,
                             [](const Member& m, NodeId x) { return m.id < x; });
  return it != members_.end() && it->id == id ? &*it : nullptr;
}

Member* MemberTable::find_mut(NodeId id) {
  return const_cast<Member*>(find(id));
}

size_t MemberTable::count(MemberStatus s) const {
  return static_cast<size_t>(std::count_if(members_.begin(), members_.end(),
                                           [s](const Member& m) { return m.status == s; }));
}

void MemberTable::emit(MemberEventKind kind, const Member& m, Time now) {
  if (events_.size() >= max_events_) {
    events_.pop_front();
    events_dropped_++;
  }
  events_.push_back(MemberEvent{kind, m.id, m.generation, now});
}

void MemberTable::set_status(Member& m, MemberStatus s, MemberEventKind event, Time now) {
  m.status = s;
  m.status_since = now;
  emit(event, m, now);
}

void MemberTable::observe(const Observation& o, Time now) {
  if (o.origin == self_) return;
  Member* m = find_mut(o.origin);
  if (m == nullptr) {
    if (members_.size() >= max_members_) {
      members_refused_++;
      return;
    }
    Member fresh;
    fresh.id = o.origin;
    fresh.generation = o.generation;
    fresh.heartbeat = o.counter;
    fresh.status = o.left ? MemberStatus::kLeft : MemberStatus::kAlive;
    fresh.status_since = now;
    fresh.detector.reset(now);
    auto it = std::lower_bound(members_.begin(), members_.end(), o.origin,
                               [](const Member& x, NodeId id) { return x.id < id; });
    it = members_.insert(it, std::move(fresh));
    emit(o.left ? MemberEventKind::kLeft : MemberEventKind::kJoined, *it, now);
    return;
  }
  if (o.generation < m->generation) return;
  if (o.generation > m->generation) {
    // The member restarted: a new incarnation, observed from scratch.
    m->generation = o.generation;
    m->heartbeat = o.counter;
    m->detector.reset(now);
    if (o.left) {
      if (m->status != MemberStatus::kLeft)
        set_status(*m, MemberStatus::kLeft, MemberEventKind::kLeft, now);
    } else if (m->status != MemberStatus::kAlive) {
      set_status(*m, MemberStatus::kAlive, MemberEventKind::kAlive, now);
    }
    return;
  }
  if (o.left) {
    if (m->status != MemberStatus::kLeft)
      set_status(*m, MemberStatus::kLeft, MemberEventKind::kLeft, now);
    return;
  }
  if (o.counter <= m->heartbeat) return;
  m->heartbeat = o.counter;
  if (m->status == MemberStatus::kDead || m->status == MemberStatus::kLeft) return;
  m->detector.heartbeat(*detector_, now);
  if (m->status == MemberStatus::kSuspect) {
    set_status(*m, MemberStatus::kAlive, MemberEventKind::kAlive, now);
  }
}

void MemberTable::check(Time now) {
  for (Member& m : members_) {
    if (m.status != MemberStatus::kAlive && m.status != MemberStatus::kSuspect) continue;
    const detect::Health h = m.detector.health(*detector_, now);
    if (h == detect::Health::kAlive) continue;
    if (m.status == MemberStatus::kAlive) {
      set_status(m, MemberStatus::kSuspect, MemberEventKind::kSuspect, now);
    }
    if (h == detect::Health::kDead)
      set_status(m, MemberStatus::kDead, MemberEventKind::kFailed, now);
  }
}

bool MemberTable::poll_event(MemberEvent& out) {
  if (events_.empty()) return false;
  out = events_.front();
  events_.pop_front();
  return true;
}

void MemberTable::sample(NodeId self, Prng& prng, uint32_t k, Time now, std::vector<NodeId>& out) {
  candidates_.clear();
  for (const Member& m : members_) {
    if (m.id != self && (m.status == MemberStatus::kAlive || m.status == MemberStatus::kSuspect)) {
      candidates_.push_back(m.id);
    }
  }
  if (candidates_.empty()) {
    for (NodeId s : seeds_) {
      if (s != self) candidates_.push_back(s);
    }
    sample_distinct(candidates_, prng, k, out);
    return;
  }
  const size_t start = out.size();
  if (selection_ == PeerSelection::kUniform) {
    sample_distinct(candidates_, prng, k, out);
  } else {
    // Least recently contacted first: shuffle, then a stable sort by last contact, so ties
    // fall in random order.
    std::vector<NodeId>& c = candidates_;
    for (size_t i = c.size(); i > 1; --i)
      std::swap(c[i - 1], c[prng.uniform(i)]);
    std::stable_sort(c.begin(), c.end(), [this](NodeId a, NodeId b) {
      const Member* ma = find(a);
      const Member* mb = find(b);
      const int64_t ta =
          ma->contacted ? ma->last_contact.ns() : std::numeric_limits<int64_t>::min();
      const int64_t tb =
          mb->contacted ? mb->last_contact.ns() : std::numeric_limits<int64_t>::min();
      return ta < tb;
    });
    for (size_t i = 0; i < c.size() && i < k; ++i)
      out.push_back(c[i]);
  }
  for (size_t i = start; i < out.size(); ++i) {
    Member* m = find_mut(out[i]);
    m->last_contact = now;
    m->contacted = true;
  }
}

void MemberTable::all(NodeId self, std::vector<NodeId>& out) {
  for (const Member& m : members_) {
    if (m.id != self && (m.status == MemberStatus::kAlive || m.status == MemberStatus::kSuspect)) {
      out.push_back(m.id);
    }
  }
}

}  // namespace rumor::core
