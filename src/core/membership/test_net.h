// TestNet<Node, Event>: a tiny deterministic driver for tests of a sans-IO node (SwimNode,
// serf::SerfNode: anything with handle_packet / handle_stream / handle_stream_reply /
// handle_stream_error / handle_timeout in and poll_transmit / poll_timeout / poll_event out).
// It moves the bytes from poll_transmit() into the receiving node after a fixed latency, fires
// each node's handle_timeout() at its poll_timeout(), and logs every event. Faults: a crashed
// node drops everything; blocked (from, to) pairs drop packets (and, with streams_blocked,
// streams); a filter may drop any packet. Node i is at 10.0.0.(i+1):7946. Virtual time only; no
// clock, no threads. Test-only. The derived class builds the nodes (add_node).
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <queue>
#include <set>
#include <utility>
#include <vector>

#include "base/time.h"
#include "core/address.h"
#include "core/membership/swim_node.h"

namespace rumor::core::testing {

template <typename Event>
struct Logged {
  size_t observer = 0;
  Event event;
};

template <typename Node, typename Event>
class TestNet {
 public:
  Node& node(size_t i) { return *nodes_[i]; }
  size_t size() const { return nodes_.size(); }
  Time now() const { return now_; }
  static Address addr(size_t i) { return Address::v4(10, 0, 0, static_cast<uint8_t>(i + 1), 7946); }

  void crash(size_t i) { down_.insert(i); }
  void block(size_t from, size_t to) { blocked_.insert({from, to}); }
  void unblock_all() { blocked_.clear(); }
  bool streams_blocked = false;
  Duration latency = Duration::millis(1);
  // Called on every packet before delivery; returning false drops it.
  std::function<bool(size_t from, size_t to, const std::vector<uint8_t>& bytes)> filter;

  void run_for(Duration d) { run_until(now_ + d); }
  void run_until(Time t) {
    while (true) {
      Time next = Time::never();
      size_t who = SIZE_MAX;
      for (size_t i = 0; i < nodes_.size(); ++i) {
        if (down_.count(i)) continue;
        const Time ti = nodes_[i]->poll_timeout();
        if (ti < next) {
          next = ti;
          who = i;
        }
      }
      const bool delivery_first = !queue_.empty() && queue_.top().at <= next;
      const Time at = delivery_first ? queue_.top().at : next;
      if (at > t) break;
      now_ = std::max(now_, at);
      if (delivery_first) {
        Delivery d = queue_.top();
        queue_.pop();
        deliver(d);
      } else {
        nodes_[who]->handle_timeout(now_);
        wakeups_[who].push_back(now_);
        drain(who);
      }
    }
    now_ = t;
  }
  // Delivers raw bytes to node `to` as a packet from `from` now.
  void inject(size_t to, const Address& from, std::vector<uint8_t> bytes) {
    nodes_[to]->handle_packet(now_, from, bytes);
    drain(to);
  }
  // Sends what node i has queued after a command called on it directly (join, leave, ...).
  void drain(size_t i) {
    SwimTransmit t;
    while (nodes_[i]->poll_transmit(t)) {
      if (t.channel == Channel::kPacket) {
        ++packets_;
        max_packet_bytes_ = std::max(max_packet_bytes_, t.bytes.size());
        sent.emplace_back(i, t.bytes);
      }
      Delivery d{now_ + latency, next_order_++, index_of(t.to),    i,
                 t.channel,      t.stream,      std::move(t.bytes)};
      queue_.push(std::move(d));
    }
    Event e;
    while (nodes_[i]->poll_event(e))
      events_.push_back({i, e});
  }

  const std::vector<Logged<Event>>& events() const { return events_; }
  uint64_t packets() const { return packets_; }
  // When node i's handle_timeout() ran (it runs at each poll_timeout()).
  const std::vector<Time>& wakeups(size_t i) const { return wakeups_[i]; }
  size_t max_packet_bytes() const { return max_packet_bytes_; }
  std::vector<std::pair<size_t, std::vector<uint8_t>>> sent;  // (from, bytes) of every packet

 protected:
  void add_node(std::unique_ptr<Node> n) {
    nodes_.push_back(std::move(n));
    wakeups_.emplace_back();
  }
  std::vector<std::unique_ptr<Node>> nodes_;

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
  static size_t index_of(const Address& a) { return a.ip[3] - 1u; }

  void deliver(Delivery& d) {
    const bool to_down = down_.count(d.to) > 0 || d.to >= nodes_.size();
    const bool cut = blocked_.count({d.from, d.to}) > 0;
    switch (d.channel) {
      case Channel::kPacket:
        if (to_down || cut) return;
        if (filter && !filter(d.from, d.to, d.bytes)) return;
        nodes_[d.to]->handle_packet(now_, addr(d.from), d.bytes);
        drain(d.to);
        return;
      case Channel::kStreamOpen: {
        if (to_down || (cut && streams_blocked)) {
          nodes_[d.from]->handle_stream_error(now_, d.id);
          drain(d.from);
          return;
        }
        const uint64_t conn = next_conn_++;
        conns_[conn] = {d.from, d.id};
        nodes_[d.to]->handle_stream(now_, addr(d.from), conn, d.bytes);
        drain(d.to);
        return;
      }
      case Channel::kStreamReply: {
        auto it = conns_.find(d.id);
        if (it == conns_.end()) return;
        const auto [opener, stream] = it->second;
        conns_.erase(it);
        if (down_.count(opener)) return;
        nodes_[opener]->handle_stream_reply(now_, stream, d.bytes);
        drain(opener);
        return;
      }
    }
  }

  std::set<size_t> down_;
  std::set<std::pair<size_t, size_t>> blocked_;
  std::priority_queue<Delivery, std::vector<Delivery>, std::greater<Delivery>> queue_;
  std::map<uint64_t, std::pair<size_t, uint64_t>> conns_;  // conn -> (opener, its stream id)
  uint64_t next_order_ = 0;
  uint64_t next_conn_ = 1;
  Time now_ = Time::zero();
  std::vector<Logged<Event>> events_;
  uint64_t packets_ = 0;
  size_t max_packet_bytes_ = 0;
  std::vector<std::vector<Time>> wakeups_;
};

}  // namespace rumor::core::testing
