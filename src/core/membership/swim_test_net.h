// SwimTestNet: a tiny deterministic driver for SwimNode tests. It moves the encoded bytes from
// poll_transmit() into handle_packet() / handle_stream() / handle_stream_reply() after a fixed
// latency, fires each node's handle_timeout() at its poll_timeout(), and logs every member
// event. Faults: a crashed node drops everything; blocked (from, to) pairs drop packets (and,
// with streams_blocked, streams). Virtual time only; no clock, no threads. Test-only.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/membership/swim_node.h"

namespace rumor::core::testing {

struct LoggedEvent {
  size_t observer = 0;
  SwimEvent event;
};

class SwimTestNet {
 public:
  // n nodes named "n0".."n{n-1}" at 10.0.0.(i+1):7946. `formed`: everyone starts knowing
  // everyone (restore_member), else each node knows only itself.
  SwimTestNet(size_t n, const SwimConfig& config, bool formed = true, uint64_t seed = 1);

  SwimNode& node(size_t i) { return *nodes_[i]; }
  size_t size() const { return nodes_.size(); }
  Time now() const { return now_; }
  static Address addr(size_t i) { return Address::v4(10, 0, 0, static_cast<uint8_t>(i + 1), 7946); }
  NameId name(size_t i) const { return *dir_.find_name("n" + std::to_string(i)); }
  Directory& directory() { return dir_; }
  // Member i's state in observer's view; nullopt when observer does not know it (or forgot it).
  std::optional<SwimState> state(size_t observer, size_t member) const {
    const SwimMember* m = nodes_[observer]->find(name(member));
    if (m == nullptr) return std::nullopt;
    return m->state;
  }

  void crash(size_t i) { down_.insert(i); }
  void block(size_t from, size_t to) { blocked_.insert({from, to}); }
  void unblock_all() { blocked_.clear(); }
  bool streams_blocked = false;
  Duration latency = Duration::millis(1);
  // Called on every packet before delivery; returning false drops it.
  std::function<bool(size_t from, size_t to, const std::vector<uint8_t>& bytes)> filter;

  void run_for(Duration d) { run_until(now_ + d); }
  void run_until(Time t);
  // Delivers raw bytes to node `to` as a packet from `from` now.
  void inject(size_t to, const Address& from, std::vector<uint8_t> bytes);

  const std::vector<LoggedEvent>& events() const { return events_; }
  // The first time `observer` (any observer if SIZE_MAX) logged `kind` about member i.
  std::optional<Time> first(SwimEventKind kind, size_t member, size_t observer = SIZE_MAX) const;
  size_t count(SwimEventKind kind, size_t member) const;
  uint64_t packets() const { return packets_; }
  // When node i's handle_timeout() ran (it runs at each poll_timeout()).
  const std::vector<Time>& wakeups(size_t i) const { return wakeups_[i]; }
  size_t max_packet_bytes() const { return max_packet_bytes_; }
  std::vector<std::pair<size_t, std::vector<uint8_t>>> sent;  // (from, bytes) of every packet

 private:
  struct Delivery {
    Time at;
    uint64_t order;
    size_t to;
    size_t from;
    Channel channel;
    uint64_t id;  // kStreamOpen: conn id; kStreamReply: the opener's stream id
    std::vector<uint8_t> bytes;
    bool operator>(const Delivery& o) const { return at != o.at ? at > o.at : order > o.order; }
  };
  void drain(size_t i);
  void deliver(Delivery& d);
  static size_t index_of(const Address& a) { return a.ip[3] - 1u; }

  SwimConfig config_;
  Directory dir_;
  std::vector<std::unique_ptr<SwimNode>> nodes_;
  std::set<size_t> down_;
  std::set<std::pair<size_t, size_t>> blocked_;
  std::priority_queue<Delivery, std::vector<Delivery>, std::greater<Delivery>> queue_;
  std::map<uint64_t, std::pair<size_t, uint64_t>> conns_;  // conn -> (opener, its stream id)
  uint64_t next_order_ = 0;
  uint64_t next_conn_ = 1;
  Time now_ = Time::zero();
  std::vector<LoggedEvent> events_;
  uint64_t packets_ = 0;
  size_t max_packet_bytes_ = 0;
  std::vector<std::vector<Time>> wakeups_;
};

}  // namespace rumor::core::testing
