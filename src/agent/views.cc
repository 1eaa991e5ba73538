#include "agent/views.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>

#include "net/endpoint.h"

namespace rumor::agent {

MemberView member_view(const core::serf::SerfNode& node, const core::serf::SerfMember& m) {
  MemberView v;
  v.name = m.name;
  v.address = net::to_string(m.addr);
  v.status = std::string(core::serf::member_status_name(m.status));
  v.tags = m.tags;
  const core::SwimNode& swim = node.swim();
  const auto id = swim.directory().find_name(m.name);
  if (const core::SwimMember* sm = id ? swim.find(*id) : nullptr) {
    v.incarnation = sm->incarnation;
    if (m.status == core::serf::MemberStatus::kAlive && sm->state == core::SwimState::kSuspect) {
      v.status = "suspect";
    }
  }
  if (m.name != swim.directory().name(swim.self_name())) {
    v.rtt_ms = rtt_estimate_ms(node.coordinate(), node.coordinate_of(m.name));
  }
  return v;
}

nlohmann::json to_json(const MemberView& v) {
  return {{"name", v.name},
          {"address", v.address},
          {"status", v.status},
          {"tags", v.tags},
          {"incarnation", v.incarnation}};
}

nlohmann::json to_member_row(const MemberView& v) {
  nlohmann::json j = to_json(v);
  j["rtt_ms"] = v.rtt_ms ? nlohmann::json(*v.rtt_ms) : nlohmann::json(nullptr);
  return j;
}

std::optional<double> rtt_estimate_ms(const core::serf::Coordinate& self,
                                      const std::optional<core::serf::Coordinate>& other) {
  if (!other || self.vec.empty() || !self.is_valid() || !other->is_valid() ||
      !self.is_compatible_with(*other)) {
    return std::nullopt;
  }
  const double us = std::round(static_cast<double>(self.distance_to(*other).ns()) / 1e3);
  return us / 1e3;
}

std::string member_event_text(std::string_view type, const MemberView& v, const std::string& time) {
  const nlohmann::json j = {{"type", type}, {"time", time}, {"member", to_json(v)}};
  return "event: " + std::string(type) + "\ndata: " + json_text(j) + "\n\n";
}

std::string user_event_text(const core::serf::SerfEvent& e, const std::string& time) {
  const std::string payload(e.payload.begin(), e.payload.end());
  const nlohmann::json j = {{"type", "user"},   {"time", time},       {"name", e.name},
                            {"ltime", e.ltime}, {"payload", payload}, {"coalesce", e.coalesce}};
  return "event: user\ndata: " + json_text(j) + "\n\n";
}

std::string query_event_text(const core::serf::SerfEvent& e, const std::string& time) {
  const std::string payload(e.payload.begin(), e.payload.end());
  const nlohmann::json j = {
      {"type", "query"},
      {"time", time},
      {"id", e.query_id},
      {"name", e.name},
      {"ltime", e.ltime},
      {"payload", payload},
      {"from", e.from.empty() ? nlohmann::json(nullptr) : nlohmann::json(e.from)}};
  return "event: query\ndata: " + json_text(j) + "\n\n";
}

std::string json_text(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string wall_clock_now() {
  const auto now = std::chrono::system_clock::now();
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[80];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  return buf;
}

int64_t wall_clock_ms() {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return std::chrono::duration_cast<std::chrono::milliseconds>(now).count();
}

}  // namespace rumor::agent
