// Trace: the record of every state change in a simulated run, for the viewer and for tests.
//
// A trace is JSON Lines, one event an object, in the order the simulator produced them (which
// is deterministic, so the same seed gives byte-identical traces). Every event has "t" (virtual
// time in milliseconds, never decreasing within a run) and "ev"; the rest depends on the event:
//   {"ev":"run", "protocol", "nodes", "seed", ..., "args"}   first line of each run; the
//       protocol's own fields follow (gossip: mode, timing, fanout, origin, key; heartbeat:
//       mode, timing, fanout, detector; swim: profile, lifeguard, start, probe_interval_ms,
//       gossip_interval_ms, duration_s, and mode "swim", timing "async" for older readers);
//       "args" (the command line after `rumor sim`) only when set_args() was called
//       and "faults" (an object) only when set_faults() was called
//   {"ev":"write", "node", "origin", "key", "gen", "counter"}        the update is written
//   {"ev":"send", "from", "to", "type", "bytes"}                      a message leaves a node;
//       swim adds "arrive" (when it reaches `to`) unless it is dropped as it leaves
//   {"ev":"drop", "from", "to", "type", "why"}   why: "loss", "partition", "crashed"
//   {"ev":"learn", "node", "from", "origin", "key", "gen", "counter", "via"}   a store changed
//   {"ev":"status", "node", "about", "status"}   in node's view, member `about` joined, turned
//                                                suspect, alive again, failed or left
//                                                (heartbeat; swim adds "inc", the incarnation
//                                                node holds for about)
//   {"ev":"crash", "node"} / {"ev":"restart", "node", "gen"}
//   {"ev":"leave", "node"}   node begins to leave gracefully (heartbeat, swim): from here on it
//                            is no running member (sim/view_accuracy.h)
//   {"ev":"start", "node"}   node starts (swim with start "join"; heartbeat members and a formed
//                            swim cluster all run from time 0, so no line says so)
//   {"ev":"partition", "state": "start"|"heal", "index"}
//   {"ev":"round", "round", "informed", "messages"}   end of a round (rounds timing), interval
//                                                     (async) or swim probe interval; informed:
//       the nodes holding the update (gossip), the running members whose view is accurate
//       (heartbeat, swim: sim/view_accuracy.h); messages: those sent since the previous round
// The simulator only writes to the TraceSink a driver hands it; a null sink costs nothing.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "base/time.h"
#include "core/antientropy/entry.h"
#include "core/wire/gossip_message.h"

namespace rumor::sim {

// The run line of a swim run (sim/swim_world.h).
struct SwimRunLine {
  uint32_t nodes = 0;
  uint64_t seed = 0;
  std::string_view profile;
  bool lifeguard = true;
  std::string_view start;  // "formed" or "join"
  Duration probe_interval;
  Duration gossip_interval;
  double duration_s = 0;
};

class TraceSink {
 public:
  explicit TraceSink(std::ostream& out) : out_(out) {}

  // The command line's arguments after `rumor sim`, written into every later run line as
  // "args", so a viewer can show and re-run it. Not called: no "args".
  void set_args(std::vector<std::string> args) { args_ = std::move(args); }
  // A JSON object (the caller's, written as it is) put into every later run line as "faults":
  // the viewer's fault plan of a re-run (docs/web.md). Not called: no "faults".
  void set_faults(std::string json_object) { faults_ = std::move(json_object); }

  void gossip_run(uint32_t nodes, std::string_view mode, uint64_t seed, std::string_view timing,
                  uint32_t fanout, uint32_t origin, std::string_view key);
  void heartbeat_run(uint32_t nodes, std::string_view mode, uint64_t seed, std::string_view timing,
                     uint32_t fanout, std::string_view detector);
  void swim_run(const SwimRunLine& r);
  void write(Time t, uint32_t node, const core::Entry& e);
  void send(Time t, uint32_t from, uint32_t to, core::MessageType type, size_t bytes);
  void drop(Time t, uint32_t from, uint32_t to, core::MessageType type, std::string_view why);
  // Messages named by the caller (swim: memberlist types); `arrive`: when it reaches `to`.
  void send(Time t, uint32_t from, uint32_t to, std::string_view type, size_t bytes,
            std::optional<Time> arrive);
  void drop(Time t, uint32_t from, uint32_t to, std::string_view type, std::string_view why);
  void learn(Time t, uint32_t node, uint32_t from, const core::Entry& e, core::MessageType via);
  void status(Time t, uint32_t node, uint32_t about, std::string_view status);
  void status(Time t, uint32_t node, uint32_t about, std::string_view status, uint32_t inc);
  void crash(Time t, uint32_t node);
  void restart(Time t, uint32_t node, uint32_t generation);
  void leave(Time t, uint32_t node);
  void start(Time t, uint32_t node);
  void partition(Time t, bool start, size_t index);
  void round(Time t, uint32_t round, uint64_t informed, uint64_t messages);

 private:
  void begin(Time t, std::string_view ev);
  void begin_run(std::string_view protocol, uint32_t nodes, uint64_t seed);
  void end_run();
  std::ostream& out_;
  std::optional<std::vector<std::string>> args_;
  std::optional<std::string> faults_;
};

// JSON string escaping for keys and values written into traces and reports.
std::string json_escape(std::string_view s);

}  // namespace rumor::sim
