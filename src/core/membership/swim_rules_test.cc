#include "core/membership/swim_rules.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace rumor::core {
namespace {

// The member-state dimension of every table: unknown, then the four states.
const std::array<std::optional<SwimState>, 5> kKnown = {
    std::nullopt, SwimState::kAlive, SwimState::kSuspect, SwimState::kDead, SwimState::kLeft};
// The incarnations a known member is tried at (0 has no "<" case; the top one has no ">").
const uint32_t kBases[] = {0, 1, 7, 0xfffffffeu, 0xffffffffu};

enum Rel { kLess = 0, kEqual = 1, kGreater = 2 };
const char* const kRelName[] = {"<", "=", ">"};

std::optional<uint32_t> incoming_for(uint32_t base, Rel rel) {
  if (rel == kLess) return base == 0 ? std::nullopt : std::optional<uint32_t>(base - 1);
  if (rel == kGreater)
    return base == 0xffffffffu ? std::nullopt : std::optional<uint32_t>(base + 1);
  return base;
}

std::string where(const std::optional<SwimState>& s, uint32_t base, Rel rel) {
  return std::string(s ? swim_state_name(*s) : "unknown") + " inc " + std::to_string(base) +
         ", incoming " + kRelName[rel];
}

// --- alive ---------------------------------------------------------------------------------

AliveAction alive_letter(char c) {
  return c == 'A' ? AliveAction::kApply : c == 'R' ? AliveAction::kRefute : AliveAction::kIgnore;
}

// Expected decide_alive for a known member (any state: the alive rules do not look at it) by
// incarnation relation; 16 letters over (self, same_meta_and_vsn, leaving, updates_address),
// self slowest, updates_address fastest. I ignore, A apply, R refute.
//   not self: apply iff newer, or the address is being taken over; leaving does not matter.
//   self: ignored while leaving; older ignored; equal ignored only with the same meta and vsn.
const char* const kAliveKnown[3] = {
    /* < */
    "IAIAIAIA"
    "IIIIIIII",
    /* = */
    "IAIAIAIA"
    "RRIIIIII",
    /* > */
    "AAAAAAAA"
    "RRIIRRII",
};

TEST(SwimRules, AliveDecisionsMatchMemberlistForEveryStateIncarnationAndFlag) {
  int checked = 0;
  for (const auto& state : kKnown) {
    for (uint32_t base : kBases) {
      for (Rel rel : {kLess, kEqual, kGreater}) {
        const auto inc = incoming_for(base, rel);
        if (!inc) continue;
        for (int bits = 0; bits < 16; ++bits) {
          const bool self = bits & 8, same = bits & 4, leaving = bits & 2, updates = bits & 1;
          // An unknown member reads as known at incarnation 0, so it has only that base.
          if (!state && base != 0) continue;
          const AliveAction want = alive_letter(kAliveKnown[rel][bits]);
          const KnownMember km{state.value_or(SwimState::kDead), base};
          const AliveAction got =
              decide_alive(state ? &km : nullptr, *inc, self, same, leaving, updates);
          EXPECT_EQ(got, want) << where(state, base, rel) << " self=" << self << " same=" << same
                               << " leaving=" << leaving << " updates=" << updates;
          ++checked;
        }
      }
    }
  }
  EXPECT_EQ(checked, 4 * (5 * 3 - 2) * 16 + 2 * 16);
}

TEST(SwimRules, AliveForUnknownMemberAtIncarnationZeroIsIgnoredAndOneIsApplied) {
  EXPECT_EQ(decide_alive(nullptr, 0, false, false, false), AliveAction::kIgnore);
  EXPECT_EQ(decide_alive(nullptr, 1, false, false, false), AliveAction::kApply);
  EXPECT_EQ(decide_alive(nullptr, 0xffffffffu, false, false, true), AliveAction::kApply);
}

TEST(SwimRules, AliveAboutSelfWithEqualIncarnationRefutesOnlyWhenMetaOrVersionsDiffer) {
  const KnownMember me{SwimState::kAlive, 4};
  EXPECT_EQ(decide_alive(&me, 4, true, true, false), AliveAction::kIgnore);
  EXPECT_EQ(decide_alive(&me, 4, true, false, false), AliveAction::kRefute);
  EXPECT_EQ(decide_alive(&me, 5, true, true, false), AliveAction::kRefute);
  EXPECT_EQ(decide_alive(&me, 3, true, false, false), AliveAction::kIgnore);
  EXPECT_EQ(decide_alive(&me, 9, true, false, true), AliveAction::kIgnore);
}

TEST(SwimRules, AliveAddressChangeIsTakenOverOnlyFromLeftOrReclaimableDeadMembers) {
  for (const auto& state : kKnown) {
    if (!state) continue;
    for (bool reclaimable : {false, true}) {
      const KnownMember km{*state, 3};
      const bool want = *state == SwimState::kLeft || (*state == SwimState::kDead && reclaimable);
      EXPECT_EQ(decide_alive_address(km, reclaimable),
                want ? AddressAction::kUpdate : AddressAction::kConflict)
          << swim_state_name(*state) << " reclaimable=" << reclaimable;
    }
  }
}

TEST(SwimRules, AliveInsertsEveryUnknownMemberExceptSelfWhileLeaving) {
  const KnownMember km{SwimState::kAlive, 1};
  EXPECT_TRUE(alive_inserts_unknown(nullptr, false, false));
  EXPECT_TRUE(alive_inserts_unknown(nullptr, false, true));
  EXPECT_TRUE(alive_inserts_unknown(nullptr, true, false));
  EXPECT_FALSE(alive_inserts_unknown(nullptr, true, true));
  EXPECT_FALSE(alive_inserts_unknown(&km, false, false));
}

TEST(SwimRules, AliveVsnWithZeroOrInvertedProtocolVersionsIsRejected) {
  using V = std::vector<uint8_t>;
  EXPECT_TRUE(alive_vsn_acceptable(V{}));
  EXPECT_TRUE(alive_vsn_acceptable(V{0, 0}));  // too short to be checked
  EXPECT_TRUE(alive_vsn_acceptable(V{1, 5, 2, 2, 5, 5}));
  EXPECT_TRUE(alive_vsn_acceptable(V{2, 2, 2}));
  EXPECT_FALSE(alive_vsn_acceptable(V{0, 5, 2, 2, 5, 5}));
  EXPECT_FALSE(alive_vsn_acceptable(V{1, 0, 2}));
  EXPECT_FALSE(alive_vsn_acceptable(V{5, 1, 2, 2, 5, 5}));
}

// --- suspect -------------------------------------------------------------------------------

SuspectAction suspect_letter(char c) {
  switch (c) {
    case 'C':
      return SuspectAction::kConfirm;
    case 'A':
      return SuspectAction::kApply;
    case 'R':
      return SuspectAction::kRefute;
    default:
      return SuspectAction::kIgnore;
  }
}

// Expected decide_suspect: [state][rel] -> 4 letters over (self, has_timer), self slowest.
// A running timer confirms whatever the state; otherwise only an alive member moves.
const char* const kSuspectTable[5][3] = {
    /* unknown */ {"IIII", "IIII", "IIII"},
    /* alive   */ {"IIII", "ACRC", "ACRC"},
    /* suspect */ {"IIII", "ICIC", "ICIC"},
    /* dead    */ {"IIII", "ICIC", "ICIC"},
    /* left    */ {"IIII", "ICIC", "ICIC"},
};

TEST(SwimRules, SuspectDecisionsMatchMemberlistForEveryStateIncarnationAndFlag) {
  int checked = 0;
  for (size_t s = 0; s < kKnown.size(); ++s) {
    const auto& state = kKnown[s];
    for (uint32_t base : kBases) {
      for (Rel rel : {kLess, kEqual, kGreater}) {
        const auto inc = incoming_for(base, rel);
        if (!inc) continue;
        for (int bits = 0; bits < 4; ++bits) {
          const bool self = bits & 2, timer = bits & 1;
          const KnownMember km{state.value_or(SwimState::kAlive), base};
          const SuspectAction got = decide_suspect(state ? &km : nullptr, *inc, self, timer);
          EXPECT_EQ(got, suspect_letter(kSuspectTable[s][rel][bits]))
              << where(state, base, rel) << " self=" << self << " timer=" << timer;
          ++checked;
        }
      }
    }
  }
  EXPECT_EQ(checked, 5 * (5 * 3 - 2) * 4);
}

TEST(SwimRules, SuspectOnlyMovesAnAliveMemberAndNeverSuspectsSelf) {
  const KnownMember alive{SwimState::kAlive, 2};
  const KnownMember suspect{SwimState::kSuspect, 2};
  EXPECT_EQ(decide_suspect(&alive, 2, false, false), SuspectAction::kApply);
  EXPECT_EQ(decide_suspect(&alive, 2, true, false), SuspectAction::kRefute);
  EXPECT_EQ(decide_suspect(&alive, 1, true, false), SuspectAction::kIgnore);
  EXPECT_EQ(decide_suspect(&suspect, 2, false, false), SuspectAction::kIgnore);
  EXPECT_EQ(decide_suspect(&suspect, 9, false, true), SuspectAction::kConfirm);
}

// --- dead ----------------------------------------------------------------------------------

DeadAction dead_letter(char c) {
  switch (c) {
    case 'D':
      return DeadAction::kApplyDead;
    case 'L':
      return DeadAction::kApplyLeft;
    case 'R':
      return DeadAction::kRefute;
    default:
      return DeadAction::kIgnore;
  }
}

// Expected decide_dead: [state][rel] -> 8 letters over (self, leaving, graceful), self slowest.
// Alive and suspect members die (left when graceful); self refutes unless it is leaving.
const char* const kDeadTable[5][3] = {
    /* unknown */ {"IIIIIIII", "IIIIIIII", "IIIIIIII"},
    /* alive   */ {"IIIIIIII", "DLDLRRDL", "DLDLRRDL"},
    /* suspect */ {"IIIIIIII", "DLDLRRDL", "DLDLRRDL"},
    /* dead    */ {"IIIIIIII", "IIIIIIII", "IIIIIIII"},
    /* left    */ {"IIIIIIII", "IIIIIIII", "IIIIIIII"},
};

TEST(SwimRules, DeadDecisionsMatchMemberlistForEveryStateIncarnationAndFlag) {
  int checked = 0;
  for (size_t s = 0; s < kKnown.size(); ++s) {
    const auto& state = kKnown[s];
    for (uint32_t base : kBases) {
      for (Rel rel : {kLess, kEqual, kGreater}) {
        const auto inc = incoming_for(base, rel);
        if (!inc) continue;
        for (int bits = 0; bits < 8; ++bits) {
          const bool self = bits & 4, leaving = bits & 2, graceful = bits & 1;
          const KnownMember km{state.value_or(SwimState::kAlive), base};
          const DeadAction got = decide_dead(state ? &km : nullptr, *inc, self, leaving, graceful);
          EXPECT_EQ(got, dead_letter(kDeadTable[s][rel][bits]))
              << where(state, base, rel) << " self=" << self << " leaving=" << leaving
              << " graceful=" << graceful;
          ++checked;
        }
      }
    }
  }
  EXPECT_EQ(checked, 5 * (5 * 3 - 2) * 8);
}

TEST(SwimRules, DeadOfAnAlreadyDeadMemberIsIgnoredEvenWhenItIsAGracefulLeave) {
  const KnownMember dead{SwimState::kDead, 3};
  const KnownMember left{SwimState::kLeft, 3};
  EXPECT_EQ(decide_dead(&dead, 4, false, false, true), DeadAction::kIgnore);
  EXPECT_EQ(decide_dead(&left, 4, false, false, false), DeadAction::kIgnore);
}

TEST(SwimRules, OwnLeaveIsAppliedAsLeftWhileLeaving) {
  const KnownMember me{SwimState::kAlive, 6};
  EXPECT_EQ(decide_dead(&me, 6, true, true, true), DeadAction::kApplyLeft);
  EXPECT_EQ(decide_dead(&me, 6, true, false, true), DeadAction::kRefute);
}

// --- refute and merge ----------------------------------------------------------------------

TEST(SwimRules, RefuteIncarnationBeatsBothOwnAndAccusedIncarnations) {
  EXPECT_EQ(refute_incarnation(0, 0), 1u);
  EXPECT_EQ(refute_incarnation(5, 3), 6u);
  EXPECT_EQ(refute_incarnation(5, 5), 6u);
  EXPECT_EQ(refute_incarnation(5, 6), 7u);
  EXPECT_EQ(refute_incarnation(5, 900), 901u);
  EXPECT_EQ(refute_incarnation(0xfffffffeu, 0), 0xffffffffu);
  for (uint32_t own : {0u, 1u, 10u, 1000u}) {
    for (uint32_t accused : {0u, 1u, 9u, 10u, 11u, 5000u}) {
      const uint32_t r = refute_incarnation(own, accused);
      EXPECT_GT(r, own);
      EXPECT_GT(r, accused);
      EXPECT_TRUE(r == own + 1 || r == accused + 1);
    }
  }
}

TEST(SwimRules, RefuteIncarnationWrapsLikeGoAtTheTopOfTheRange) {
  // nextIncarnation() wraps to 0, then the accusation is skipped past.
  EXPECT_EQ(refute_incarnation(0xffffffffu, 3), 4u);
  EXPECT_EQ(refute_incarnation(0xffffffffu, 0), 1u);
  EXPECT_EQ(refute_incarnation(7, 0xffffffffu), 0u);
}

TEST(SwimRules, MergeTurnsRemoteDeadIntoSuspicionAndLeftIntoGracefulDead) {
  EXPECT_EQ(merge_rule(SwimState::kAlive), MergeRule::kAlive);
  EXPECT_EQ(merge_rule(SwimState::kSuspect), MergeRule::kSuspect);
  EXPECT_EQ(merge_rule(SwimState::kDead), MergeRule::kSuspect);
  EXPECT_EQ(merge_rule(SwimState::kLeft), MergeRule::kLeft);
  EXPECT_EQ(merge_as(SwimState::kAlive), SwimState::kAlive);
  EXPECT_EQ(merge_as(SwimState::kSuspect), SwimState::kSuspect);
  EXPECT_EQ(merge_as(SwimState::kDead), SwimState::kSuspect);
  EXPECT_EQ(merge_as(SwimState::kLeft), SwimState::kLeft);
}

TEST(SwimRules, MergeOfWireStatesAgreesAndSkipsUnknownValues) {
  using wire::ml::WireState;
  EXPECT_EQ(merge_rule(WireState::kAlive), MergeRule::kAlive);
  EXPECT_EQ(merge_rule(WireState::kSuspect), MergeRule::kSuspect);
  EXPECT_EQ(merge_rule(WireState::kDead), MergeRule::kSuspect);
  EXPECT_EQ(merge_rule(WireState::kLeft), MergeRule::kLeft);
  for (int64_t v = 0; v <= 3; ++v) {
    EXPECT_EQ(merge_rule_raw(v), merge_rule(static_cast<SwimState>(v)));
  }
  EXPECT_EQ(merge_rule_raw(-1), MergeRule::kSkip);
  EXPECT_EQ(merge_rule_raw(4), MergeRule::kSkip);
  EXPECT_EQ(merge_rule_raw(256), MergeRule::kSkip);
}

TEST(SwimRules, NamesAreStable) {
  EXPECT_EQ(swim_state_name(SwimState::kAlive), "alive");
  EXPECT_EQ(swim_state_name(SwimState::kSuspect), "suspect");
  EXPECT_EQ(swim_state_name(SwimState::kDead), "dead");
  EXPECT_EQ(swim_state_name(SwimState::kLeft), "left");
  EXPECT_EQ(alive_action_name(AliveAction::kRefute), "refute");
  EXPECT_EQ(suspect_action_name(SuspectAction::kConfirm), "confirm");
  EXPECT_EQ(dead_action_name(DeadAction::kApplyLeft), "apply-left");
  EXPECT_EQ(merge_rule_name(MergeRule::kSkip), "skip");
}

}  // namespace
}  // namespace rumor::core
