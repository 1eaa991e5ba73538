// The agent's log: one line per record on stderr, as text ("2026-11-21T10:00:00.123+0000 [info]
// member joined name=b addr=10.0.0.2:7946") or, with --log-json, as one JSON object per line
// ({"time":..,"level":..,"msg":..,"name":..}). Built on spdlog; fields are (key, value) pairs so
// both forms carry the same data. Thread-safe (the HTTP threads log too).
#pragma once

#include <functional>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

namespace spdlog {
class logger;
}

namespace rumor::agent {

enum class LogLevel { kDebug, kInfo, kWarn, kError };

using LogField = std::pair<std::string_view, std::string>;

class Log {
 public:
  // level: "debug" | "info" | "warn" | "error" (validated by the config).
  Log(std::string_view level, bool json);
  ~Log();
  void write(LogLevel level, std::string_view msg, std::initializer_list<LogField> fields = {});
  void debug(std::string_view m, std::initializer_list<LogField> f = {}) {
    write(LogLevel::kDebug, m, f);
  }
  void info(std::string_view m, std::initializer_list<LogField> f = {}) {
    write(LogLevel::kInfo, m, f);
  }
  void warn(std::string_view m, std::initializer_list<LogField> f = {}) {
    write(LogLevel::kWarn, m, f);
  }
  void error(std::string_view m, std::initializer_list<LogField> f = {}) {
    write(LogLevel::kError, m, f);
  }
  // Also hands every record that is written (as its text line, "[INFO] msg k=v") to `tap`, e.g.
  // Serf's `monitor` streams. The tap must not block or log. Thread-safe; an empty tap detaches.
  void set_tap(std::function<void(LogLevel, const std::string&)> tap);

 private:
  bool json_;
  std::shared_ptr<spdlog::logger> logger_;
  std::mutex tap_mu_;
  std::function<void(LogLevel, const std::string&)> tap_;
};

}  // namespace rumor::agent
