#include "core/membership/swim_rules.h"

#include <algorithm>

namespace rumor::core {

std::string_view swim_state_name(SwimState s) {
  switch (s) {
    case SwimState::kAlive:
      return "alive";
    case SwimState::kSuspect:
      return "suspect";
    case SwimState::kDead:
      return "dead";
    case SwimState::kLeft:
      return "left";
  }
  return "unknown";
}

std::string_view alive_action_name(AliveAction a) {
  switch (a) {
    case AliveAction::kIgnore:
      return "ignore";
    case AliveAction::kApply:
      return "apply";
    case AliveAction::kRefute:
      return "refute";
  }
  return "unknown";
}

std::string_view suspect_action_name(SuspectAction a) {
  switch (a) {
    case SuspectAction::kIgnore:
      return "ignore";
    case SuspectAction::kConfirm:
      return "confirm";
    case SuspectAction::kApply:
      return "apply";
    case SuspectAction::kRefute:
      return "refute";
  }
  return "unknown";
}

std::string_view dead_action_name(DeadAction a) {
  switch (a) {
    case DeadAction::kIgnore:
      return "ignore";
    case DeadAction::kApplyDead:
      return "apply-dead";
    case DeadAction::kApplyLeft:
      return "apply-left";
    case DeadAction::kRefute:
      return "refute";
  }
  return "unknown";
}

std::string_view merge_rule_name(MergeRule r) {
  switch (r) {
    case MergeRule::kAlive:
      return "alive";
    case MergeRule::kLeft:
      return "left";
    case MergeRule::kSuspect:
      return "suspect";
    case MergeRule::kSkip:
      return "skip";
  }
  return "unknown";
}

// state.go aliveNode: "Allow the address to be updated if a dead node is being replaced."
AddressAction decide_alive_address(const KnownMember& known, bool dead_reclaimable) {
  if (known.state == SwimState::kLeft) return AddressAction::kUpdate;
  if (known.state == SwimState::kDead && dead_reclaimable) return AddressAction::kUpdate;
  return AddressAction::kConflict;
}

// state.go aliveNode, in its order of checks.
AliveAction decide_alive(const KnownMember* known, uint32_t incoming_inc, bool about_self,
                         bool same_meta_and_vsn, bool leaving, bool updates_address) {
  // "if m.hasLeft() && a.Node == m.config.Name { return }"
  if (about_self && leaving) return AliveAction::kIgnore;
  // A new node's state starts as StateDead with Incarnation 0.
  const KnownMember current = known ? *known : KnownMember{SwimState::kDead, 0};
  if (!about_self) {
    // "Bail if the incarnation number is older, and this is not about us"
    if (incoming_inc <= current.incarnation && !updates_address) return AliveAction::kIgnore;
    return AliveAction::kApply;
  }
  // "Bail if strictly less and this is about us"
  if (incoming_inc < current.incarnation) return AliveAction::kIgnore;
  // Same incarnation, same meta and versions: our own alive come back to us.
  if (incoming_inc == current.incarnation && same_meta_and_vsn) return AliveAction::kIgnore;
  return AliveAction::kRefute;
}

// state.go aliveNode: the "if !ok" branch stores the new node before the incarnation check.
bool alive_inserts_unknown(const KnownMember* known, bool about_self, bool leaving) {
  return known == nullptr && !(about_self && leaving);
}

// state.go aliveNode: "protocol version(s) are wrong".
bool alive_vsn_acceptable(std::span<const uint8_t> vsn) {
  if (vsn.size() < 3) return true;
  const uint8_t pmin = vsn[0];
  const uint8_t pmax = vsn[1];
  return pmin != 0 && pmax != 0 && pmin <= pmax;
}

// state.go suspectNode, in its order of checks.
SuspectAction decide_suspect(const KnownMember* known, uint32_t incoming_inc, bool about_self,
                             bool has_timer) {
  // "If we've never heard about this node before, ignore it"
  if (known == nullptr) return SuspectAction::kIgnore;
  // "Ignore old incarnation numbers"
  if (incoming_inc < known->incarnation) return SuspectAction::kIgnore;
  // "See if there's a suspicion timer we can confirm."
  if (has_timer) return SuspectAction::kConfirm;
  // "Ignore non-alive nodes"
  if (known->state != SwimState::kAlive) return SuspectAction::kIgnore;
  // "If this is us we need to refute, otherwise re-broadcast"
  if (about_self) return SuspectAction::kRefute;
  return SuspectAction::kApply;
}

// state.go deadNode, in its order of checks.
DeadAction decide_dead(const KnownMember* known, uint32_t incoming_inc, bool about_self,
                       bool leaving, bool graceful) {
  // "If we've never heard about this node before, ignore it"
  if (known == nullptr) return DeadAction::kIgnore;
  // "Ignore old incarnation numbers"
  if (incoming_inc < known->incarnation) return DeadAction::kIgnore;
  // "Ignore if node is already dead"
  if (known->state == SwimState::kDead || known->state == SwimState::kLeft) {
    return DeadAction::kIgnore;
  }
  // "If we are not leaving we need to refute"
  if (about_self && !leaving) return DeadAction::kRefute;
  // "If the dead message was send by the node itself, mark it is left instead of dead."
  return graceful ? DeadAction::kApplyLeft : DeadAction::kApplyDead;
}

// state.go refute: inc = nextIncarnation(); if accusedInc >= inc, skip to accusedInc + 1.
uint32_t refute_incarnation(uint32_t own, uint32_t accused) {
  const uint32_t next = own + 1u;
  if (accused >= next) return accused + 1u;
  return next;
}

// state.go mergeState: the switch on r.State.
MergeRule merge_rule(SwimState remote) {
  switch (remote) {
    case SwimState::kAlive:
      return MergeRule::kAlive;
    case SwimState::kLeft:
      return MergeRule::kLeft;
    case SwimState::kDead:  // "we prefer to suspect that node instead of declaring it dead"
    case SwimState::kSuspect:
      return MergeRule::kSuspect;
  }
  return MergeRule::kSkip;
}

MergeRule merge_rule(wire::ml::WireState remote) {
  return merge_rule_raw(static_cast<uint8_t>(remote));
}

MergeRule merge_rule_raw(int64_t remote_state) {
  if (remote_state < 0 || remote_state > 3) return MergeRule::kSkip;
  return merge_rule(static_cast<SwimState>(remote_state));
}

SwimState merge_as(SwimState remote) {
  switch (merge_rule(remote)) {
    case MergeRule::kAlive:
      return SwimState::kAlive;
    case MergeRule::kLeft:
      return SwimState::kLeft;
    case MergeRule::kSuspect:
    case MergeRule::kSkip:
      break;
  }
  return SwimState::kSuspect;
}

void VersionRange::narrow(SwimState state, std::span<const uint8_t> vsn) {
  if (state != SwimState::kAlive || vsn.size() < 6) return;
  pmin_ = std::max(pmin_, vsn[0]);
  pmax_ = std::min(pmax_, vsn[1]);
  dmin_ = std::max(dmin_, vsn[3]);
  dmax_ = std::min(dmax_, vsn[4]);
}

bool VersionRange::admits(std::span<const uint8_t> vsn) const {
  const uint8_t pcur = vsn.size() >= 6 ? vsn[2] : 0;
  const uint8_t dcur = vsn.size() >= 6 ? vsn[5] : 0;
  return pcur >= pmin_ && pcur <= pmax_ && dcur >= dmin_ && dcur <= dmax_;
}

}  // namespace rumor::core
