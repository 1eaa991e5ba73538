// Trace: the record of every state change in a simulated run, for the viewer and for tests.
//
// A trace is JSON Lines, one event an object, in the order the simulator produced them (which
// is deterministic, so the same seed gives byte-identical traces). Every event has "t" (virtual
// time in milliseconds) and "ev"; the rest depends on the event:
//   {"ev":"run", "nodes", "mode", "seed", "timing", "fanout", "origin", "key"}      first line
//   {"ev":"write", "node", "origin", "key", "gen", "counter"}        the update is written
//   {"ev":"send", "from", "to", "type", "bytes"}                      a message leaves a node
//   {"ev":"drop", "from", "to", "type", "why"}   why: "loss", "partition", "crashed"
//   {"ev":"learn", "node", "from", "origin", "key", "gen", "counter", "via"}   a store changed
//   {"ev":"status", "node", "about", "status"}   in node's view, member `about` joined, turned
//                                                suspect, alive again, failed or left
//                                                (heartbeat protocol)
//   {"ev":"crash", "node"} / {"ev":"restart", "node", "gen"}
//   {"ev":"partition", "state": "start"|"heal", "index"}
//   {"ev":"round", "round", "informed", "messages"}   end of a round (rounds timing) or interval
// The simulator only writes to the TraceSink a driver hands it; a null sink costs nothing.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>

#include "base/time.h"
#include "core/antientropy/entry.h"
#include "core/wire/gossip_message.h"

namespace rumor::sim {

class TraceSink {
 public:
  explicit TraceSink(std::ostream& out) : out_(out) {}

  void run(uint32_t nodes, std::string_view mode, uint64_t seed, std::string_view timing,
           uint32_t fanout, uint32_t origin, std::string_view key);
  void write(Time t, uint32_t node, const core::Entry& e);
  void send(Time t, uint32_t from, uint32_t to, core::MessageType type, size_t bytes);
  void drop(Time t, uint32_t from, uint32_t to, core::MessageType type, std::string_view why);
  void learn(Time t, uint32_t node, uint32_t from, const core::Entry& e, core::MessageType via);
  void status(Time t, uint32_t node, uint32_t about, std::string_view status);
  void crash(Time t, uint32_t node);
  void restart(Time t, uint32_t node, uint32_t generation);
  void partition(Time t, bool start, size_t index);
  void round(Time t, uint32_t round, uint64_t informed, uint64_t messages);

 private:
  void begin(Time t, std::string_view ev);
  std::ostream& out_;
};

// JSON string escaping for keys and values written into traces and reports.
std::string json_escape(std::string_view s);

}  // namespace rumor::sim
