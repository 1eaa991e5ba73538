#include "agent/log.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "agent/views.h"

namespace rumor::agent {

namespace {

spdlog::level::level_enum to_spdlog(LogLevel l) {
  switch (l) {
    case LogLevel::kDebug:
      return spdlog::level::debug;
    case LogLevel::kInfo:
      return spdlog::level::info;
    case LogLevel::kWarn:
      return spdlog::level::warn;
    case LogLevel::kError:
      return spdlog::level::err;
  }
  return spdlog::level::info;
}

// A JSON string literal (names from the network may be invalid UTF-8: json_text replaces it).
std::string json_quoted(std::string_view s) {
  return json_text(nlohmann::json(std::string(s)));
}

LogLevel parse_level(std::string_view s) {
  if (s == "debug") return LogLevel::kDebug;
  if (s == "warn") return LogLevel::kWarn;
  if (s == "error") return LogLevel::kError;
  return LogLevel::kInfo;
}

}  // namespace

Log::Log(std::string_view level, bool json)
    : json_(json),
      logger_(std::make_shared<spdlog::logger>("rumor",
                                               std::make_shared<spdlog::sinks::stderr_sink_mt>())) {
  // The JSON form writes the message and fields itself (escaped by nlohmann) after the time and
  // level spdlog fills in.
  logger_->set_pattern(json ? R"({"time":"%Y-%m-%dT%H:%M:%S.%e%z","level":"%l",%v})"
                            : "%Y-%m-%dT%H:%M:%S.%e%z [%l] %v");
  logger_->set_level(to_spdlog(parse_level(level)));
  logger_->flush_on(spdlog::level::debug);
}

Log::~Log() = default;

void Log::write(LogLevel level, std::string_view msg, std::initializer_list<LogField> fields) {
  const auto lvl = to_spdlog(level);
  if (!logger_->should_log(lvl)) return;
  std::string line;
  if (json_) {
    line = "\"msg\":" + json_quoted(msg);
    for (const auto& [k, v] : fields)
      line += "," + json_quoted(k) + ":" + json_quoted(v);
  } else {
    line = std::string(msg);
    for (const auto& [k, v] : fields) {
      line += " ";
      line += k;
      line += "=";
      line += v.find(' ') == std::string::npos ? v : json_quoted(v);
    }
  }
  logger_->log(lvl, "{}", line);
  std::lock_guard lock(tap_mu_);
  if (!tap_) return;
  static const char* const kTags[] = {"[DEBUG] ", "[INFO] ", "[WARN] ", "[ERR] "};
  std::string text = kTags[static_cast<int>(level)] + std::string(msg);
  for (const auto& [k, v] : fields) {
    text += " ";
    text += k;
    text += "=";
    text += v;
  }
  tap_(level, text);
}

void Log::set_tap(std::function<void(LogLevel, const std::string&)> tap) {
  std::lock_guard lock(tap_mu_);
  tap_ = std::move(tap);
}

}  // namespace rumor::agent
