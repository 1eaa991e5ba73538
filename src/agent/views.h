// Views of the membership copied out of the core for the HTTP API, the event stream, the
// snapshot and the log (DESIGN.md: the outside only ever sees values copied out of the core).
// They are made on the loop thread and may then travel to any thread.
//
// A member's status is Serf's (alive, leaving, left, failed), except that a member Serf holds
// alive while the SWIM layer suspects it shows as suspect: failure detection in progress is
// worth seeing. Tags are Serf's (decoded from memberlist metadata; metadata that does not
// decode shows as no tags); the incarnation is the SWIM layer's, 0 once it forgot the member.
// The round trip is the Vivaldi estimate from this node's coordinate to the last one the member
// sent in a ping ack (core/serf/coordinate.h); there is none for the node itself, nor before
// a member's first ack, nor with coordinates off.
//
// The event stream's texts (GET /v1/events) are made here too: one server-sent event each,
// "event: TYPE\ndata: JSON\n\n", the JSON on one line.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
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
  std::optional<double> rtt_ms;  // the Vivaldi round-trip estimate from this node
};

MemberView member_view(const core::serf::SerfNode& node, const core::serf::SerfMember& m);
// The member as events carry it: name, address, status, tags, incarnation.
nlohmann::json to_json(const MemberView& v);
// A row of GET /v1/members: to_json's fields and rtt_ms (null when there is no estimate).
nlohmann::json to_member_row(const MemberView& v);
// The estimated round trip between two coordinates in milliseconds, rounded to the microsecond;
// nullopt when `other` is missing, or either is invalid, or their dimensions differ.
std::optional<double> rtt_estimate_ms(const core::serf::Coordinate& self,
                                      const std::optional<core::serf::Coordinate>& other);

// The event stream's texts. `time` is wall_clock_now()'s form.
std::string member_event_text(std::string_view type, const MemberView& v, const std::string& time);
// kUser: {type: "user", time, name, ltime, payload, coalesce}.
std::string user_event_text(const core::serf::SerfEvent& e, const std::string& time);
// kQuery: {type: "query", time, id (this node's handle of the query), name, ltime, payload,
// from (the asking node's name; null when its message did not say)}.
std::string query_event_text(const core::serf::SerfEvent& e, const std::string& time);

// JSON text of untrusted strings: invalid UTF-8 is replaced, never thrown.
std::string json_text(const nlohmann::json& j);
// Now, on the wall clock, as RFC 3339 UTC with milliseconds ("2026-11-21T10:00:00.123Z").
std::string wall_clock_now();
// Now, on the wall clock, in milliseconds since the Unix epoch.
int64_t wall_clock_ms();

}  // namespace rumor::agent
