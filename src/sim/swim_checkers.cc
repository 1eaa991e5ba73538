#include "sim/swim_checkers.h"

#include <utility>

namespace rumor::sim {
namespace {

using core::SwimEventKind;
using core::SwimState;

std::string secs(Duration d) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.3f s", d.sec());
  return buf;
}

std::string at_text(Time t) {
  return secs(t - Time::zero());
}

bool holds_alive(SwimState s) {
  return s == SwimState::kAlive || s == SwimState::kSuspect;
}

}  // namespace

SwimCheckers::SwimCheckers(uint32_t nodes, std::vector<uint8_t> touched,
                           std::vector<uint8_t> persistent, const SwimCheckBounds& bounds)
    : nodes_(nodes),
      touched_(std::move(touched)),
      persistent_(std::move(persistent)),
      bounds_(bounds),
      live_(nodes, 0),
      alive_by_live_(nodes, 0),
      alive_by_steady_(nodes, 0),
      dead_by_live_(nodes, 0),
      bad_(nodes, 0),
      dead_everywhere_since_(nodes, Time::never()),
      reported_a_(nodes, 0),
      reported_c_(nodes, 0) {
  touched_.resize(nodes, 0);
  persistent_.resize(nodes, 0);
}

void SwimCheckers::report(Time t, std::string checker, uint32_t member, std::string detail) {
  ++violations_total_;
  if (violations_.size() >= kMaxViolations) return;
  violations_.push_back(
      SwimViolation{std::move(checker), (t - Time::zero()).sec(), member, std::move(detail)});
}

void SwimCheckers::formed(Time t) {
  live_.assign(nodes_, 1);
  live_count_ = nodes_;
  steady_count_ = 0;
  for (uint32_t m = 0; m < nodes_; ++m)
    steady_count_ += persistent_[m] ? 0 : 1;
  alive_by_live_.assign(nodes_, nodes_ - 1);
  for (uint32_t m = 0; m < nodes_; ++m)
    alive_by_steady_[m] = steady_count_ - (persistent_[m] ? 0 : 1);
  update_all(t);
}

void SwimCheckers::up(Time t, uint32_t node) {
  if (live_[node]) return;
  live_[node] = 1;
  ++live_count_;
  if (!persistent_[node]) ++steady_count_;
  update_all(t);
}

void SwimCheckers::down(Time t, uint32_t node, const core::SwimNode& view) {
  if (!live_[node]) return;
  live_[node] = 0;
  --live_count_;
  if (!persistent_[node]) --steady_count_;
  // Its view stops counting: what it held alive, and what it held dead.
  for (const core::SwimMember& row : view.members()) {
    const uint32_t m = view.directory().identity_name(row.identity);
    if (m == node || m >= nodes_ || !holds_alive(row.state)) continue;
    take_alive(node, m);
  }
  for (auto it = dead_.begin(); it != dead_.end();) {
    if (static_cast<uint32_t>(it->first >> 32) != node) {
      ++it;
      continue;
    }
    const auto m = static_cast<uint32_t>(it->first & 0xffffffffu);
    if (!it->second.left && dead_by_live_[m] > 0) --dead_by_live_[m];
    it = dead_.erase(it);
  }
  update_all(t);
}

void SwimCheckers::take_alive(uint32_t observer, uint32_t member) {
  if (alive_by_live_[member] == 0) {
    ++count_errors_;
    return;
  }
  --alive_by_live_[member];
  if (!persistent_[observer] && alive_by_steady_[member] > 0) --alive_by_steady_[member];
}

void SwimCheckers::on_event(uint32_t observer, const core::SwimEvent& e) {
  const uint32_t m = e.member;
  if (observer >= nodes_ || !live_[observer] || m >= nodes_ || m == observer) return;
  switch (e.kind) {
    case SwimEventKind::kJoined: {
      ++alive_by_live_[m];
      if (!persistent_[observer]) ++alive_by_steady_[m];
      auto it = dead_.find(pair(observer, m));
      if (it == dead_.end()) break;
      const DeadMark mark = it->second;
      dead_.erase(it);
      if (!mark.left && dead_by_live_[m] > 0) --dead_by_live_[m];
      if (e.incarnation > mark.incarnation) break;
      if (e.at - mark.at >= bounds_.remember_dead) {
        ++stale_rejoins_;  // the observer may have forgotten the death (swim_checkers.h)
        break;
      }
      if (reported_c_[m]) break;
      reported_c_[m] = 1;
      report(e.at, "dead-returns-newer", m,
             "node " + std::to_string(observer) + " held member " + std::to_string(m) +
                 (mark.left ? " left" : " dead") + " with incarnation " +
                 std::to_string(mark.incarnation) + " since " + at_text(mark.at) +
                 " and took it back as alive with incarnation " + std::to_string(e.incarnation));
      break;
    }
    case SwimEventKind::kFailed:
    case SwimEventKind::kLeft: {
      take_alive(observer, m);
      const bool left = e.kind == SwimEventKind::kLeft;
      auto [it, inserted] = dead_.emplace(pair(observer, m), DeadMark{e.incarnation, e.at, left});
      if (!inserted) {
        // Already held dead or left: the events skipped a return to alive.
        ++count_errors_;
        if (!it->second.left && dead_by_live_[m] > 0) --dead_by_live_[m];
        it->second = DeadMark{e.incarnation, e.at, left};
      }
      if (!left) ++dead_by_live_[m];
      break;
    }
    case SwimEventKind::kReaped: {
      // The observer forgot a dead or left member: it no longer holds it dead, and may learn
      // of it again as new, at any incarnation.
      auto it = dead_.find(pair(observer, m));
      if (it == dead_.end()) {
        ++count_errors_;
        break;
      }
      if (!it->second.left && dead_by_live_[m] > 0) --dead_by_live_[m];
      dead_.erase(it);
      break;
    }
    case SwimEventKind::kSuspect:
    case SwimEventKind::kAlive:
    case SwimEventKind::kUpdated:
      return;  // no change between "alive or suspect" and "dead or left"
  }
  update(m, e.at);
}

void SwimCheckers::update_all(Time t) {
  for (uint32_t m = 0; m < nodes_; ++m)
    update(m, t);
}

void SwimCheckers::update(uint32_t m, Time t) {
  // (b) leaves persistently faulty members out, as subjects and as observers.
  const uint32_t steady_others = steady_count_ - (live_[m] && !persistent_[m] ? 1 : 0);
  const bool bad = !persistent_[m] &&
                   (live_[m] ? alive_by_steady_[m] != steady_others : alive_by_steady_[m] != 0);
  const uint32_t others = live_count_ - (live_[m] ? 1 : 0);
  if (bad != (bad_[m] != 0)) {
    bad_[m] = bad ? 1 : 0;
    bad_count_ = bad ? bad_count_ + 1 : bad_count_ - 1;
  }
  if (bad_count_ == 0 && !agreed_at_ && bounds_.faults_end && t > *bounds_.faults_end) {
    agreed_at_ = t;
  }
  const bool dead_everywhere = live_[m] && !touched_[m] && others > 0 && dead_by_live_[m] == others;
  if (!dead_everywhere) {
    dead_everywhere_since_[m] = Time::never();
  } else if (dead_everywhere_since_[m] == Time::never()) {
    dead_everywhere_since_[m] = t;
    due_.push(Due{t + bounds_.dead_everywhere, m, t});
  }
}

void SwimCheckers::advance(Time t) {
  now_ = t;
  while (!due_.empty() && due_.top().at <= t) {
    const Due d = due_.top();
    due_.pop();
    if (dead_everywhere_since_[d.member] != d.since || reported_a_[d.member]) continue;
    reported_a_[d.member] = 1;
    report(d.at, "never-dead-everywhere", d.member,
           "member " + std::to_string(d.member) +
               ", which no fault touches, has been dead in the view of every other live member (" +
               std::to_string(live_count_ - 1) + ") since " + at_text(d.since) + ", longer than " +
               secs(bounds_.dead_everywhere));
  }
  // Strictly after the last fault: events at its very instant may still be ahead of it.
  if (!bounds_.faults_end || t <= *bounds_.faults_end) return;
  if (bad_count_ == 0 && !agreed_at_) agreed_at_ = t;
  const Time deadline = *bounds_.faults_end + bounds_.agreement;
  if (t < deadline) return;
  agreement_checked_ = true;
  if (agreed_at_ || reported_b_) return;
  reported_b_ = true;
  uint32_t example = 0;
  while (example < nodes_ && !bad_[example])
    ++example;
  std::string detail = "the steady live members' views never all matched the " +
                       std::to_string(steady_count_) +
                       " steady live members between the last fault at " +
                       at_text(*bounds_.faults_end) + " and " + secs(bounds_.agreement) +
                       " later; " + std::to_string(bad_count_) + " members are seen wrongly";
  if (example < nodes_) {
    detail += ", e.g. member " + std::to_string(example) + " (" +
              (live_[example] ? "live" : "down") + ") is alive in " +
              std::to_string(alive_by_steady_[example]) + " steady live views";
  }
  report(deadline, "agreement-after-heal", example < nodes_ ? example : 0, detail);
}

void SwimCheckers::finish(Time end, const std::function<const core::SwimNode*(uint32_t)>& view_of) {
  advance(end);
  std::vector<uint32_t> alive(nodes_, 0);
  for (uint32_t o = 0; o < nodes_; ++o) {
    if (!live_[o]) continue;
    const core::SwimNode* node = view_of(o);
    if (node == nullptr) continue;
    for (const core::SwimMember& row : node->members()) {
      const uint32_t m = node->directory().identity_name(row.identity);
      if (m != o && m < nodes_ && holds_alive(row.state)) ++alive[m];
    }
  }
  uint32_t wrong = 0, example = 0;
  for (uint32_t m = 0; m < nodes_; ++m) {
    if (alive[m] == alive_by_live_[m]) continue;
    if (wrong++ == 0) example = m;
  }
  if (wrong > 0 || count_errors_ > 0) {
    report(end, "views-match-events", example,
           std::to_string(wrong) + " members' alive counts from events differ from the views (" +
               "member " + std::to_string(example) + ": events say " +
               std::to_string(alive_by_live_[example]) + ", views hold " +
               std::to_string(alive[example]) + "); " + std::to_string(count_errors_) +
               " events did not fit the state they left");
  }
}

}  // namespace rumor::sim
