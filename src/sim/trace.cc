#include "sim/trace.h"

#include <charconv>
#include <cstdio>

namespace rumor::sim {
namespace {

// Milliseconds with microsecond precision, printed from integers so output is exact.
void put_ms(std::ostream& out, Time t) {
  const int64_t us = t.ns() / 1000;
  char buf[32];
  const int len = std::snprintf(buf, sizeof buf, "%lld.%03lld", static_cast<long long>(us / 1000),
                                static_cast<long long>(us % 1000));
  out.write(buf, len);
}

// The shortest text that reads back as the same double (std::to_chars: the same on every
// machine, unlike printf's %g precision choices).
std::string number(double v) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

std::string duration_ms(Duration d) {
  if (d.ns() % 1'000'000 == 0) return std::to_string(d.ns() / 1'000'000);
  return number(d.ms());
}

}  // namespace

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
  out_ << "{\"t\":";
  put_ms(out_, t);
  out_ << ",\"ev\":\"" << ev << '"';
}

void TraceSink::begin_run(std::string_view protocol, uint32_t nodes, uint64_t seed) {
  begin(Time::zero(), "run");
  out_ << ",\"protocol\":\"" << protocol << "\",\"nodes\":" << nodes << ",\"seed\":" << seed;
}

void TraceSink::end_run() {
  if (args_) {
    out_ << ",\"args\":[";
    for (size_t i = 0; i < args_->size(); ++i)
      out_ << (i == 0 ? "\"" : ",\"") << json_escape((*args_)[i]) << '"';
    out_ << ']';
  }
  if (faults_) out_ << ",\"faults\":" << *faults_;
  out_ << "}\n";
}

void TraceSink::gossip_run(uint32_t nodes, std::string_view mode, uint64_t seed,
                           std::string_view timing, uint32_t fanout, uint32_t origin,
                           std::string_view key) {
  begin_run("gossip", nodes, seed);
  out_ << ",\"mode\":\"" << mode << "\",\"timing\":\"" << timing << "\",\"fanout\":" << fanout
       << ",\"origin\":" << origin << ",\"key\":\"" << json_escape(key) << '"';
  end_run();
}

void TraceSink::heartbeat_run(uint32_t nodes, std::string_view mode, uint64_t seed,
                              std::string_view timing, uint32_t fanout, std::string_view detector) {
  begin_run("heartbeat", nodes, seed);
  out_ << ",\"mode\":\"" << mode << "\",\"timing\":\"" << timing << "\",\"fanout\":" << fanout
       << ",\"detector\":\"" << detector << '"';
  end_run();
}

void TraceSink::swim_run(const SwimRunLine& r) {
  begin_run("swim", r.nodes, r.seed);
  out_ << ",\"mode\":\"swim\",\"timing\":\"async\",\"profile\":\"" << json_escape(r.profile)
       << "\",\"lifeguard\":" << (r.lifeguard ? "true" : "false") << ",\"start\":\"" << r.start
       << "\",\"probe_interval_ms\":" << duration_ms(r.probe_interval)
       << ",\"gossip_interval_ms\":" << duration_ms(r.gossip_interval)
       << ",\"duration_s\":" << number(r.duration_s);
  end_run();
}

void TraceSink::write(Time t, uint32_t node, const core::Entry& e) {
  begin(t, "write");
  out_ << ",\"node\":" << node << ",\"origin\":" << e.origin << ",\"key\":\""
       << json_escape(e.key()) << "\",\"gen\":" << e.generation << ",\"counter\":" << e.counter
       << "}\n";
}

void TraceSink::send(Time t, uint32_t from, uint32_t to, core::MessageType type, size_t bytes) {
  send(t, from, to, core::message_type_name(type), bytes, std::nullopt);
}

void TraceSink::drop(Time t, uint32_t from, uint32_t to, core::MessageType type,
                     std::string_view why) {
  drop(t, from, to, core::message_type_name(type), why);
}

void TraceSink::send(Time t, uint32_t from, uint32_t to, std::string_view type, size_t bytes,
                     std::optional<Time> arrive) {
  begin(t, "send");
  out_ << ",\"from\":" << from << ",\"to\":" << to << ",\"type\":\"" << type
       << "\",\"bytes\":" << bytes;
  if (arrive) {
    out_ << ",\"arrive\":";
    put_ms(out_, *arrive);
  }
  out_ << "}\n";
}

void TraceSink::drop(Time t, uint32_t from, uint32_t to, std::string_view type,
                     std::string_view why) {
  begin(t, "drop");
  out_ << ",\"from\":" << from << ",\"to\":" << to << ",\"type\":\"" << type << "\",\"why\":\""
       << why << "\"}\n";
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

void TraceSink::status(Time t, uint32_t node, uint32_t about, std::string_view status,
                       uint32_t inc) {
  begin(t, "status");
  out_ << ",\"node\":" << node << ",\"about\":" << about << ",\"status\":\"" << status
       << "\",\"inc\":" << inc << "}\n";
}

void TraceSink::crash(Time t, uint32_t node) {
  begin(t, "crash");
  out_ << ",\"node\":" << node << "}\n";
}

void TraceSink::restart(Time t, uint32_t node, uint32_t generation) {
  begin(t, "restart");
  out_ << ",\"node\":" << node << ",\"gen\":" << generation << "}\n";
}

void TraceSink::leave(Time t, uint32_t node) {
  begin(t, "leave");
  out_ << ",\"node\":" << node << "}\n";
}

void TraceSink::start(Time t, uint32_t node) {
  begin(t, "start");
  out_ << ",\"node\":" << node << "}\n";
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
