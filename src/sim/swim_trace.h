// SwimTrace: what a swim run (sim/swim_world.h) writes into a trace (sim/trace.h), and the
// bookkeeping behind its "round" events; docs/web.md "Trace format additions for the viewer" is
// the contract.
//
// The world calls it only when a trace is being written (it holds none otherwise, so an
// untraced run pays nothing). It writes the run line, every message with its memberlist type
// and when it arrives (or its drop), every member event a node emits as a "status" with the
// incarnation the node holds, crashes and restarts, starts (--start join) and leaves (when a
// member begins to leave, the moment it stops counting as running), and once per probe interval a
// "round" with the messages sent in that interval and `informed`: the running members whose view is
// accurate, as ViewAccuracy (view_accuracy.h) defines and counts it from the status events
// written ("updated" changes nothing; "reaped" only forgets a failed or left member, which
// counts the same as holding it failed, so neither is written), crashes, restarts, starts and
// leaves. A formed start begins with every member running and holding every other alive, with
// no events. A round costs O(n); the views are an n x n byte matrix, hence the limit of
// kMaxSwimTraceNodes members for a traced run.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "base/time.h"
#include "core/membership/swim_node.h"
#include "sim/sim_config.h"
#include "sim/trace.h"
#include "sim/view_accuracy.h"

namespace rumor::sim {

// The most members a traced swim run may have (the view matrix is n^2 bytes: 25 MB here).
constexpr uint32_t kMaxSwimTraceNodes = kMaxViewAccuracyNodes;

// How the trace names a message: a packet by its memberlist message type ("ping", "ack",
// "compound", ...; the label and CRC wrappers are looked through), a stream open "stream" and
// its reply "stream-reply".
std::string_view swim_message_type(core::Channel channel, std::span<const uint8_t> bytes);

class SwimTrace {
 public:
  // config has validated; node_config is what every member runs.
  SwimTrace(TraceSink& sink, const SimConfig& config, const core::SwimConfig& node_config);

  TraceSink& sink() { return sink_; }

  void run_line();
  // A message `from` sends: `arrive` is when it reaches `to`, none when it is dropped as it
  // leaves (then `why` names the drop: "loss", "partition" or "crashed").
  void send(Time t, uint32_t from, uint32_t to, const core::SwimTransmit& tx,
            std::optional<Time> arrive, std::string_view why = {});
  // A message that reached a member no longer there to take it (crashed, stopped, restarted).
  void dropped(Time t, uint32_t from, uint32_t to, core::Channel channel,
               std::span<const uint8_t> bytes);
  // A member event `node` emitted about another member.
  void member_event(uint32_t node, const core::SwimEvent& e);
  // `node` starts for the first time (--start join).
  void start(Time t, uint32_t node);
  void restart(Time t, uint32_t node, uint32_t generation);
  void crash(Time t, uint32_t node);
  // `node` begins to leave gracefully: it is no running member from here on.
  void leave(Time t, uint32_t node);
  // Writes the round events of every probe interval that ended before `t`; `messages` is the
  // number of messages sent so far.
  void advance(Time t, uint64_t messages);
  // The run ends at `end`: the rounds up to it.
  void finish(Time end, uint64_t messages);

  // Running members whose view is accurate, now.
  uint64_t informed() const;

 private:
  void write_round(uint64_t messages);

  TraceSink& sink_;
  std::string profile_;
  SwimRunLine line_;
  uint32_t n_;
  ViewAccuracy views_;
  Duration period_;
  uint32_t round_ = 0;  // rounds written
  uint64_t messages_at_round_ = 0;
};

}  // namespace rumor::sim
