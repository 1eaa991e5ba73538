#include "sim/trace.h"

#include <cstdio>

namespace rumor::sim {

std::string json_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += ch;
        }
    }
  }
  return out;
}

void TraceSink::begin(Time t, std::string_view ev) {
  // Milliseconds with microsecond precision, printed from integers so output is exact.
  const int64_t us = t.ns() / 1000;
  char buf[48];
  std::snprintf(buf, sizeof buf, "{\"t\":%lld.%03lld,\"ev\":\"", static_cast<long long>(us / 1000),
                static_cast<long long>(us % 1000));
  out_ << buf << ev << '"';
}

void TraceSink::run(uint32_t nodes, std::string_view mode, uint64_t seed, std::string_view timing,
                    uint32_t fanout, uint32_t origin, std::string_view key) {
  begin(Time::zero(), "run");
  out_ << ",\"nodes\":" << nodes << ",\"mode\":\"" << mode << "\",\"seed\":" << seed
       << ",\"timing\":\"" << timing << "\",\"fanout\":" << fanout << ",\"origin\":" << origin
       << ",\"key\":\"" << json_escape(key) << "\"}\n";
}

void TraceSink::write(Time t, uint32_t node, const core::Entry& e) {
  begin(t, "write");
  out_ << ",\"node\":" << node << ",\"origin\":" << e.origin << ",\"key\":\""
       << json_escape(e.key()) << "\",\"gen\":" << e.generation << ",\"counter\":" << e.counter
       << "}\n";
}

void TraceSink::send(Time t, uint32_t from, uint32_t to, core::MessageType type, size_t bytes) {
  begin(t, "send");
  out_ << ",\"from\":" << from << ",\"to\":" << to << ",\"type\":\""
       << core::message_type_name(type) << "\",\"bytes\":" << bytes << "}\n";
}

void TraceSink::drop(Time t, uint32_t from, uint32_t to, core::MessageType type,
                     std::string_view why) {
  begin(t, "drop");
  out_ << ",\"from\":" << from << ",\"to\":" << to << ",\"type\":\""
       << core::message_type_name(type) << "\",\"why\":\"" << why << "\"}\n";
}

void TraceSink::learn(Time t, uint32_t node, uint32_t from, const core::Entry& e,
                      core::MessageType via) {
  begin(t, "learn");
  out_ << ",\"node\":" << node << ",\"from\":" << from << ",\"origin\":" << e.origin
       << ",\"key\":\"" << json_escape(e.key()) << "\",\"gen\":" << e.generation
       << ",\"counter\":" << e.counter << ",\"via\":\"" << core::message_type_name(via) << "\"}\n";
}

void TraceSink::status(Time t, uint32_t node, uint32_t about, std::string_view status) {
  begin(t, "status");
  out_ << ",\"node\":" << node << ",\"about\":" << about << ",\"status\":\"" << status << "\"}\n";
}

void TraceSink::crash(Time t, uint32_t node) {
  begin(t, "crash");
  out_ << ",\"node\":" << node << "}\n";
}

void TraceSink::restart(Time t, uint32_t node, uint32_t generation) {
  begin(t, "restart");
  out_ << ",\"node\":" << node << ",\"gen\":" << generation << "}\n";
}

void TraceSink::partition(Time t, bool start, size_t index) {
  begin(t, "partition");
  out_ << ",\"state\":\"" << (start ? "start" : "heal") << "\",\"index\":" << index << "}\n";
}

void TraceSink::round(Time t, uint32_t round, uint64_t informed, uint64_t messages) {
  begin(t, "round");
  out_ << ",\"round\":" << round << ",\"informed\":" << informed << ",\"messages\":" << messages
       << "}\n";
}

}  // namespace rumor::sim
