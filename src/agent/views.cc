#include "agent/views.h"

#include <chrono>
#include <cstdio>
#include <ctime>

#include "net/endpoint.h"

namespace rumor::agent {

std::string_view status_name(core::SwimState s) {
  switch (s) {
    case core::SwimState::kAlive:
      return "alive";
    case core::SwimState::kSuspect:
      return "suspect";
    case core::SwimState::kDead:
      return "failed";
    case core::SwimState::kLeft:
      return "left";
  }
  return "unknown";
}

MemberView member_view(const core::SwimNode& node, const core::SwimMember& m) {
  const core::Directory& dir = node.directory();
  MemberView v;
  v.name = std::string(dir.name(dir.identity_name(m.identity)));
  v.address = net::to_string(dir.identity_addr(m.identity));
  v.status = std::string(status_name(m.state));
  v.incarnation = m.incarnation;
  if (auto tags = core::wire::decode_serf_tags(node.meta(m))) v.tags = std::move(*tags);
  return v;
}

nlohmann::json to_json(const MemberView& v) {
  return {{"name", v.name},
          {"address", v.address},
          {"status", v.status},
          {"tags", v.tags},
          {"incarnation", v.incarnation}};
}

std::string_view event_type(core::SwimEventKind k) {
  switch (k) {
    case core::SwimEventKind::kJoined:
      return "member-join";
    case core::SwimEventKind::kUpdated:
      return "member-update";
    case core::SwimEventKind::kSuspect:
      return "member-suspect";
    case core::SwimEventKind::kAlive:
      return "member-alive";
    case core::SwimEventKind::kFailed:
      return "member-failed";
    case core::SwimEventKind::kLeft:
      return "member-leave";
    case core::SwimEventKind::kReaped:
      return "member-reap";
  }
  return "member-unknown";
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
