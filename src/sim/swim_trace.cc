#include "sim/swim_trace.h"

#include <algorithm>

#include "base/assert.h"
#include "core/wire/memberlist_message.h"

namespace rumor::sim {
namespace {

namespace ml = core::wire::ml;

// memberlist's MsgType 0..13, by number (the names src/agent/metrics.cc labels its counters with).
constexpr std::string_view kTypeNames[] = {
    "ping",     "indirect-ping", "ack",      "suspect", "alive", "dead",    "push-pull",
    "compound", "user",          "compress", "encrypt", "nack",  "has-crc", "err"};

}  // namespace

std::string_view swim_message_type(core::Channel channel, std::span<const uint8_t> bytes) {
  if (channel == core::Channel::kStreamOpen) return "stream";
  if (channel == core::Channel::kStreamReply) return "stream-reply";
  // The label header (244, length, label) and the CRC wrapper (12, four bytes) come first.
  if (!bytes.empty() && bytes[0] == static_cast<uint8_t>(ml::MsgType::kHasLabel)) {
    const size_t skip = bytes.size() >= 2 ? size_t{2} + bytes[1] : bytes.size();
    bytes = bytes.subspan(std::min(skip, bytes.size()));
  }
  if (!bytes.empty() && bytes[0] == static_cast<uint8_t>(ml::MsgType::kHasCrc)) {
    bytes = bytes.subspan(std::min<size_t>(5, bytes.size()));
  }
  if (bytes.empty() || bytes[0] >= std::size(kTypeNames)) return "unknown";
  return kTypeNames[bytes[0]];
}

SwimTrace::SwimTrace(TraceSink& sink, const SimConfig& config, const core::SwimConfig& node_config)
    : sink_(sink),
      profile_(config.swim.profile),
      n_(config.nodes),
      views_(config.nodes, config.swim.start == SwimStart::kFormed),
      period_(node_config.probe_interval) {
  RUMOR_ASSERT(n_ <= kMaxSwimTraceNodes, "a traced swim run has at most kMaxSwimTraceNodes");
  RUMOR_ASSERT(period_ > Duration::zero(), "the probe interval is positive");
  line_.nodes = n_;
  line_.seed = config.seed;
  line_.lifeguard = config.swim.lifeguard;
  line_.start = swim_start_name(config.swim.start);
  line_.probe_interval = node_config.probe_interval;
  line_.gossip_interval = node_config.gossip_interval;
  line_.duration_s = config.swim.duration_s;
}

void SwimTrace::run_line() {
  line_.profile = profile_;
  sink_.swim_run(line_);
}

void SwimTrace::send(Time t, uint32_t from, uint32_t to, const core::SwimTransmit& tx,
                     std::optional<Time> arrive, std::string_view why) {
  const std::string_view type = swim_message_type(tx.channel, tx.bytes);
  sink_.send(t, from, to, type, tx.bytes.size(), arrive);
  if (!arrive) sink_.drop(t, from, to, type, why);
}

void SwimTrace::dropped(Time t, uint32_t from, uint32_t to, core::Channel channel,
                        std::span<const uint8_t> bytes) {
  sink_.drop(t, from, to, swim_message_type(channel, bytes), "crashed");
}

void SwimTrace::member_event(uint32_t node, const core::SwimEvent& e) {
  RUMOR_ASSERT(node < n_ && e.member < n_ && e.member != node, "events are about another member");
  const std::optional<ViewAccuracy::View> now = ViewAccuracy::view_after(e.kind);
  if (!now) return;  // updated, reaped: not written (swim_trace.h)
  sink_.status(e.at, node, e.member, core::swim_event_name(e.kind), e.incarnation);
  views_.set(node, e.member, *now);
}

void SwimTrace::start(Time t, uint32_t node) {
  sink_.start(t, node);
  views_.start(node);
}

void SwimTrace::restart(Time t, uint32_t node, uint32_t generation) {
  sink_.restart(t, node, generation);
  views_.start(node);
}

void SwimTrace::crash(Time t, uint32_t node) {
  sink_.crash(t, node);
  views_.stop(node);
}

void SwimTrace::leave(Time t, uint32_t node) {
  sink_.leave(t, node);
  views_.stop(node);
}

uint64_t SwimTrace::informed() const {
  return views_.informed();
}

void SwimTrace::write_round(uint64_t messages) {
  ++round_;
  sink_.round(Time::zero() + period_ * round_, round_, informed(), messages - messages_at_round_);
  messages_at_round_ = messages;
}

void SwimTrace::advance(Time t, uint64_t messages) {
  while (Time::zero() + period_ * (round_ + 1) < t)
    write_round(messages);
}

void SwimTrace::finish(Time end, uint64_t messages) {
  while (Time::zero() + period_ * (round_ + 1) <= end)
    write_round(messages);
}

}  // namespace rumor::sim
