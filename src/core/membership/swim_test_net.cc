#include "core/membership/swim_test_net.h"

#include <algorithm>

namespace rumor::core::testing {

SwimTestNet::SwimTestNet(size_t n, const SwimConfig& config, bool formed, uint64_t seed)
    : config_(config), wakeups_(n) {
  for (size_t i = 0; i < n; ++i) {
    SwimIdentity id;
    const std::string name = "n" + std::to_string(i);
    id.name = name;
    id.addr = addr(i);
    nodes_.push_back(std::make_unique<SwimNode>(config_, dir_, id, seed * 1000 + i, now_));
  }
  if (!formed) return;
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < n; ++j) {
      if (i == j) continue;
      auto identity = dir_.intern_identity(name(j), addr(j));
      nodes_[i]->restore_member(now_, *identity, 1);
    }
  }
}

void SwimTestNet::inject(size_t to, const Address& from, std::vector<uint8_t> bytes) {
  nodes_[to]->handle_packet(now_, from, bytes);
  drain(to);
}

void SwimTestNet::drain(size_t i) {
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
  SwimEvent e;
  while (nodes_[i]->poll_event(e))
    events_.push_back({i, e});
}

void SwimTestNet::deliver(Delivery& d) {
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

void SwimTestNet::run_until(Time t) {
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

std::optional<Time> SwimTestNet::first(SwimEventKind kind, size_t member, size_t observer) const {
  for (const LoggedEvent& e : events_) {
    if (e.event.kind == kind && e.event.member == name(member) &&
        (observer == SIZE_MAX || e.observer == observer)) {
      return e.event.at;
    }
  }
  return std::nullopt;
}

size_t SwimTestNet::count(SwimEventKind kind, size_t member) const {
  return static_cast<size_t>(
      std::count_if(events_.begin(), events_.end(), [&](const LoggedEvent& e) {
        return e.event.kind == kind && e.event.member == name(member);
      }));
}

}  // namespace rumor::core::testing
