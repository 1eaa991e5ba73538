// SWIM's membership rules as pure decisions: what a node does with an alive, suspect or dead
// message, given what it already knows about the member the message names.
//
// These are HashiCorp memberlist 0.2.2's state.go rules (aliveNode, suspectNode, deadNode,
// refute, mergeState), which refine SWIM's incarnation precedence (Das et al. 2002, §4.2) with
// Lifeguard's confirmations (Dadgar et al. 2018, §4). The fact sheet memberlist-serf-wire.md §3
// (push-pull merge) and §7 ("Incarnation rules") summarises them. Each function answers one
// question and changes nothing: the node (swim_node.h) owns the member table and carries the
// action out (update the entry, re-broadcast, start or confirm a suspicion timer, refute).
//
// Invariants the rules keep: a member's incarnation never decreases; an accusation about this
// node is never applied while it is not leaving (it is refuted instead); dead and left members
// change only by an alive with a newer incarnation; a suspect member becomes alive only by a
// strictly newer incarnation. Incarnations are uint32 and wrap as in Go (refute_incarnation).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "core/wire/memberlist_message.h"

namespace rumor::core {

// memberlist's NodeStateType, same numbering as the wire's pushNodeState.State.
enum class SwimState : uint8_t { kAlive = 0, kSuspect = 1, kDead = 2, kLeft = 3 };
std::string_view swim_state_name(SwimState s);  // "alive", "suspect", "dead", "left"

// What this node knows of a member: its state and last known incarnation.
struct KnownMember {
  SwimState state = SwimState::kAlive;
  uint32_t incarnation = 0;
};

// --- alive (state.go aliveNode) -------------------------------------------------------------

enum class AliveAction : uint8_t {
  kIgnore,  // drop the message: stale, a duplicate, from ourselves while leaving, a conflict
  kApply,   // set alive with the message's incarnation/addr/meta/vsn, cancel any suspicion
            // timer, re-broadcast; notify join if it was dead or left (or unknown)
  kRefute,  // about this node and not what it is: refute (refute_incarnation, awareness +1)
};
std::string_view alive_action_name(AliveAction a);

// An alive message with a new address for a known member (state.go aliveNode: "Check if this
// address is different"): only a left member, or a dead one past dead_node_reclaim_time (when
// that is > 0), may be taken over; anything else is a conflict and the message is dropped.
enum class AddressAction : uint8_t { kConflict, kUpdate };
AddressAction decide_alive_address(const KnownMember& known, bool dead_reclaimable);

// `known`: nullptr when the member is unknown. `same_meta_and_vsn`: only read for an alive about
// this node (its Meta and Vsn equal ours byte for byte). `leaving`: this node has left or is
// leaving. `updates_address`: the address differs and decide_alive_address said kUpdate (an
// address conflict must be dropped before calling this). Rules, in memberlist's order:
//   1. about self while leaving: ignore (a queued alive must not re-join us);
//   2. unknown member: as if known dead with incarnation 0 (so incarnation 0 is ignored);
//   3. not self: ignore unless incarnation > known (or updates_address);
//   4. self: ignore if incarnation < known, or == known with the same meta and vsn; otherwise
//      refute (even a newer incarnation about us, e.g. our previous life's, is refuted).
// memberlist inserts an unknown member into its table (as dead, incarnation 0) before rule 3,
// so even an ignored alive for an unknown member adds it: see alive_inserts_unknown().
AliveAction decide_alive(const KnownMember* known, uint32_t incoming_inc, bool about_self,
                         bool same_meta_and_vsn, bool leaving, bool updates_address = false);

// True when memberlist 0.2.2 would add the member to its table for this alive message even if
// decide_alive() says kIgnore: the member is unknown and the message is not about this node
// while leaving. The entry is dead with incarnation 0 (it counts in n, is listed in push-pull
// as dead, and raises no event); a later alive with incarnation >= 1 revives it as a join.
bool alive_inserts_unknown(const KnownMember* known, bool about_self, bool leaving);

// memberlist drops an alive whose Vsn (when it has >= 3 bytes) has PMin == 0, PMax == 0 or
// PMin > PMax, before anything else. Shorter Vsn slices pass.
bool alive_vsn_acceptable(std::span<const uint8_t> vsn);

// --- suspect (state.go suspectNode) ---------------------------------------------------------

enum class SuspectAction : uint8_t {
  kIgnore,   // unknown, stale, or the member is not alive (suspect without a timer, dead, left)
  kConfirm,  // a suspicion timer runs: Suspicion::confirm(from); re-broadcast if it was new
  kApply,    // alive -> suspect with the message's incarnation; start Suspicion(from, ...);
             // re-broadcast; notify nothing (memberlist raises no event for suspect)
  kRefute,   // about this node: refute (refute_incarnation, awareness +1); never suspect self
};
std::string_view suspect_action_name(SuspectAction a);

// `has_timer`: a suspicion timer for the member is running. Rules: unknown -> ignore;
// incarnation < known -> ignore; timer -> confirm (whatever the state and the incarnation, which
// is not updated); state not alive -> ignore; self -> refute; else apply.
SuspectAction decide_suspect(const KnownMember* known, uint32_t incoming_inc, bool about_self,
                             bool has_timer);

// --- dead (state.go deadNode) ---------------------------------------------------------------

enum class DeadAction : uint8_t {
  kIgnore,     // unknown, stale, or already dead or left (a leave does not turn dead into left)
  kApplyDead,  // -> dead with the message's incarnation; cancel the suspicion timer;
               // re-broadcast; notify leave (memberlist's NotifyLeave serves both)
  kApplyLeft,  // -> left (From == Node: a graceful leave); otherwise as kApplyDead
  kRefute,     // about this node while not leaving: refute (refute_incarnation, awareness +1)
};
std::string_view dead_action_name(DeadAction a);

// `graceful`: the message's From equals its Node. Rules: unknown -> ignore; incarnation < known
// -> ignore; (memberlist cancels any suspicion timer here, even if what follows ignores the
// message); dead or left -> ignore; self and not leaving -> refute; else left if graceful, dead
// if not (this node's own leave goes through here too, with leaving set and graceful).
DeadAction decide_dead(const KnownMember* known, uint32_t incoming_inc, bool about_self,
                       bool leaving, bool graceful);

// --- refutation (state.go refute) -----------------------------------------------------------

// The incarnation a refuting alive carries: max(own + 1, accused + 1), in uint32 arithmetic that
// wraps like Go's (an accusation at 0xffffffff yields 0, which nobody accepts: memberlist's own
// limit, kept for equality).
uint32_t refute_incarnation(uint32_t own, uint32_t accused);

// memberlist verifyProtocol (state.go), run before a push-pull is merged: the protocol
// versions every alive member (local or remote) understands narrow a range, [max of pmin, min of
// pmax] for memberlist and [max of dmin, min of dmax] for the delegate; then every member, in
// any state, must be running (pcur, dcur) inside it, or the whole push-pull is refused. A Vsn
// shorter than 6 bytes counts as no versions: skipped when narrowing, zeros when checked.
class VersionRange {
 public:
  void narrow(SwimState state, std::span<const uint8_t> vsn);
  bool admits(std::span<const uint8_t> vsn) const;

 private:
  uint8_t pmin_ = 0, pmax_ = 255, dmin_ = 0, dmax_ = 255;
};

// --- push-pull merge (state.go mergeState) --------------------------------------------------

enum class MergeRule : uint8_t {
  kAlive,    // run the alive rules on alive{Incarnation, Node, Addr, Port, Meta, Vsn}
  kLeft,     // run the dead rules on dead{Incarnation, Node, From = Node}: graceful
  kSuspect,  // run the suspect rules on suspect{Incarnation, Node, From = this node's name}
  kSkip,     // an unknown state value: memberlist's switch has no case for it
};
std::string_view merge_rule_name(MergeRule r);

// A remote's dead entry becomes a suspicion, never a death: this node must see it fail itself.
MergeRule merge_rule(SwimState remote);
MergeRule merge_rule(wire::ml::WireState remote);
// The decoded integer (Go decodes State into an int), possibly out of range: kSkip.
MergeRule merge_rule_raw(int64_t remote_state);

// The state the merge asks for: alive -> alive, left -> left, dead and suspect -> suspect.
SwimState merge_as(SwimState remote);

}  // namespace rumor::core
