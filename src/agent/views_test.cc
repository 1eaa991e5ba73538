// The views the HTTP API and the event stream send: round-trip estimates from coordinates, the
// rows of GET /v1/members, and the texts of the event stream (views.h).
#include "agent/views.h"

#include <gtest/gtest.h>

#include <limits>

namespace rumor::agent {
namespace {

using core::serf::Coordinate;
using core::serf::SerfEvent;
using core::serf::SerfEventKind;
using nlohmann::json;

Coordinate at(double x_s, double height_s = 0.0001, size_t dims = 8) {
  Coordinate c;
  c.vec.assign(dims, 0.0);
  if (dims > 0) c.vec[0] = x_s;
  c.height = height_s;
  return c;
}

// The JSON of a server-sent event's data line, after checking the event's framing.
json data_of(const std::string& text, const std::string& type) {
  const std::string head = "event: " + type + "\ndata: ";
  EXPECT_EQ(text.rfind(head, 0), 0u) << text;
  EXPECT_TRUE(text.ends_with("}\n\n")) << text;
  const std::string line = text.substr(head.size(), text.size() - head.size() - 2);
  EXPECT_EQ(line.find('\n'), std::string::npos) << "the JSON is on one line";
  return json::parse(line);
}

TEST(RttEstimate, IsTheVivaldiDistanceInMillisecondsRoundedToTheMicrosecond) {
  // 3 ms apart in the Euclidean part, plus both heights (0.1 ms each).
  const auto rtt = rtt_estimate_ms(at(0.003), at(0.0));
  ASSERT_TRUE(rtt.has_value());
  EXPECT_DOUBLE_EQ(*rtt, 3.2);
  EXPECT_EQ(rtt_estimate_ms(at(0.0), at(0.003)), rtt) << "symmetric";
}

TEST(RttEstimate, IsUnknownWithoutTheMembersCoordinateOrWithAnUnusableOne) {
  EXPECT_EQ(rtt_estimate_ms(at(0.0), std::nullopt), std::nullopt);
  EXPECT_EQ(rtt_estimate_ms(at(0.0), at(0.001, 0.0001, 4)), std::nullopt) << "other dimensions";
  EXPECT_EQ(rtt_estimate_ms(at(0.0), at(std::numeric_limits<double>::quiet_NaN())), std::nullopt);
  EXPECT_EQ(rtt_estimate_ms(at(0.0, 0.0001, 0), at(0.0, 0.0001, 0)), std::nullopt)
      << "no dimensions at all";
}

TEST(MemberRow, AddsRttMsToTheEventFormAndNullWhenUnknown) {
  MemberView v{"a", "127.0.0.1:7946", "alive", {{"role", "web"}}, 3, std::nullopt};
  json row = to_member_row(v);
  EXPECT_TRUE(row.at("rtt_ms").is_null());
  v.rtt_ms = 0.25;
  row = to_member_row(v);
  EXPECT_EQ(row.at("rtt_ms"), 0.25);
  row.erase("rtt_ms");
  EXPECT_EQ(row, to_json(v));
}

TEST(EventText, MemberEventsCarryTheMemberWithoutRtt) {
  const MemberView v{"b", "127.0.0.1:7947", "suspect", {}, 2, 1.5};
  const json d = data_of(member_event_text("member-suspect", v, "T"), "member-suspect");
  EXPECT_EQ(d, (json{{"type", "member-suspect"},
                     {"time", "T"},
                     {"member",
                      {{"name", "b"},
                       {"address", "127.0.0.1:7947"},
                       {"status", "suspect"},
                       {"tags", json::object()},
                       {"incarnation", 2}}}}));
}

TEST(EventText, QueryEventsCarryNamePayloadSourceAndId) {
  SerfEvent e;
  e.kind = SerfEventKind::kQuery;
  e.name = "uptime";
  e.payload = {'u', 'p', '?'};
  e.query_id = 7;
  e.ltime = 12;
  e.from = "a";
  json d = data_of(query_event_text(e, "T"), "query");
  EXPECT_EQ(d, (json{{"type", "query"},
                     {"time", "T"},
                     {"id", 7},
                     {"name", "uptime"},
                     {"ltime", 12},
                     {"payload", "up?"},
                     {"from", "a"}}));
  e.from.clear();  // an asker that did not name itself
  d = data_of(query_event_text(e, "T"), "query");
  EXPECT_TRUE(d.at("from").is_null());
}

TEST(EventText, InvalidUtf8InAPayloadIsReplacedNotThrown) {
  SerfEvent e;
  e.kind = SerfEventKind::kUser;
  e.name = "deploy";
  e.payload = {0xff, 'v', '2'};
  const json d = data_of(user_event_text(e, "T"), "user");
  EXPECT_EQ(d.at("payload"), "\xEF\xBF\xBDv2");
  EXPECT_EQ(d.at("coalesce"), false);
}

}  // namespace
}  // namespace rumor::agent
