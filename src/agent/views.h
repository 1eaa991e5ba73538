// Views of the membership copied out of the core for the HTTP API, the event stream, the
// snapshot and the log (DESIGN.md: the outside only ever sees values copied out of the core).
// They are made on the loop thread and may then travel to any thread.
//
// A member's status is its SWIM state in Serf's words: alive, suspect, failed (dead), left.
// Tags are decoded from the member's metadata as Serf encodes them (core/wire/serf_tags.h);
// metadata that does not decode shows as no tags.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/membership/swim_node.h"
#include "core/wire/serf_tags.h"

namespace rumor::agent {

struct MemberView {
  std::string name;
  std::string address;  // "ip:port", IPv6 bracketed
  std::string status;   // alive | suspect | failed | left
  core::wire::Tags tags;
  uint32_t incarnation = 0;
};

std::string_view status_name(core::SwimState s);
MemberView member_view(const core::SwimNode& node, const core::SwimMember& m);
nlohmann::json to_json(const MemberView& v);
// The SSE/monitor name of an event: member-join, member-update, member-suspect, member-alive,
// member-failed, member-leave, member-reap.
std::string_view event_type(core::SwimEventKind k);
// JSON text of untrusted strings: invalid UTF-8 is replaced, never thrown.
std::string json_text(const nlohmann::json& j);
// Now, on the wall clock, as RFC 3339 UTC with milliseconds ("2026-11-21T10:00:00.123Z").
std::string wall_clock_now();

}  // namespace rumor::agent
