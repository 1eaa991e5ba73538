#include "agent/views.h"

#include <chrono>
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
  return v;
}

nlohmann::json to_json(const MemberView& v) {
  return {{"name", v.name},
          {"address", v.address},
          {"status", v.status},
          {"tags", v.tags},
          {"incarnation", v.incarnation}};
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

}  // namespace rumor::agent
