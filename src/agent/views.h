// Views of the membership copied out of the core for the HTTP API, the event stream, the
// snapshot and the log (DESIGN.md: the outside only ever sees values copied out of the core).
// They are made on the loop thread and may then travel to any thread.
//
// A member's status is Serf's (alive, leaving, left, failed), except that a member Serf holds
// alive while the SWIM layer suspects it shows as suspect: failure detection in progress is
// worth seeing. Tags are Serf's (decoded from memberlist metadata; metadata that does not
// decode shows as no tags); the incarnation is the SWIM layer's, 0 once it forgot the member.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/membership/swim_node.h"
#include "core/serf/serf_node.h"
#include "core/wire/serf_tags.h"

namespace rumor::agent {

struct MemberView {
  std::string name;
  std::string address;  // "ip:port", IPv6 bracketed
  std::string status;   // alive | suspect | leaving | left | failed
  core::wire::Tags tags;
  uint32_t incarnation = 0;
};

MemberView member_view(const core::serf::SerfNode& node, const core::serf::SerfMember& m);
nlohmann::json to_json(const MemberView& v);
// JSON text of untrusted strings: invalid UTF-8 is replaced, never thrown.
std::string json_text(const nlohmann::json& j);
// Now, on the wall clock, as RFC 3339 UTC with milliseconds ("2026-11-21T10:00:00.123Z").
std::string wall_clock_now();

}  // namespace rumor::agent
