// Outbox: the driver-owned buffer the core writes its outgoing messages into.
//
// Engines build a message with begin(), the add_* calls and send(to); send() may be called again
// to queue the same message to further peers (rumor fan-out, direct mail) without copying it.
// Storage is flat: one header per queued send and three shared arrays for digests, requests and
// entries, so a million queued messages cost a few dozen bytes each, and a cleared Outbox keeps
// its capacity, so a driver that reuses one allocates nothing in steady state. The driver reads
// the queued sends with size()/from()/to()/view() and clear()s it when done.
//
// Invariant: at most one message is open (begun and not yet finished) at a time; its parts are
// the tails of the arrays. finish() closes it; a message begun and never sent is dropped.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "base/assert.h"
#include "core/node_id.h"
#include "core/wire/gossip_message.h"

namespace rumor::core {

class Outbox {
 public:
  void begin(NodeId from, MessageType type, uint8_t flags) {
    RUMOR_ASSERT(!is_open_, "one open message at a time");
    open_ = Header{from,
                   kNoNode,
                   type,
                   flags,
                   static_cast<uint32_t>(digests_.size()),
                   0,
                   static_cast<uint32_t>(requests_.size()),
                   0,
                   static_cast<uint32_t>(entries_.size()),
                   0};
    is_open_ = true;
    open_sent_ = false;
  }
  void add_digest(const Digest& d) { digests_.push_back(d); }
  void add_request(const Digest& d) { requests_.push_back(d); }
  void add_entry(const Entry& e) { entries_.push_back(e); }
  // Parts added to the open message so far.
  size_t open_digests() const { return digests_.size() - open_.digest_off; }
  size_t open_requests() const { return requests_.size() - open_.request_off; }
  size_t open_entries() const { return entries_.size() - open_.entry_off; }
  bool open_empty() const { return open_digests() + open_requests() + open_entries() == 0; }
  // Queues the open message to `to`; may be repeated for more destinations.
  void send(NodeId to) {
    RUMOR_ASSERT(is_open_, "send() needs an open message");
    Header h = open_;
    h.to = to;
    h.digest_n = static_cast<uint32_t>(open_digests());
    h.request_n = static_cast<uint32_t>(open_requests());
    h.entry_n = static_cast<uint32_t>(open_entries());
    sends_.push_back(h);
    open_sent_ = true;
  }
  // Closes the open message; if it was never sent, its parts are discarded.
  void finish() {
    RUMOR_ASSERT(is_open_, "finish() needs an open message");
    if (!open_sent_) {
      digests_.resize(open_.digest_off);
      requests_.resize(open_.request_off);
      entries_.resize(open_.entry_off);
    }
    is_open_ = false;
  }

  size_t size() const { return sends_.size(); }
  bool empty() const { return sends_.empty(); }
  NodeId from(size_t i) const { return sends_[i].from; }
  NodeId to(size_t i) const { return sends_[i].to; }
  MessageView view(size_t i) const {
    const Header& h = sends_[i];
    return MessageView{h.type, h.flags,
                       std::span<const Digest>(digests_.data() + h.digest_off, h.digest_n),
                       std::span<const Digest>(requests_.data() + h.request_off, h.request_n),
                       std::span<const Entry>(entries_.data() + h.entry_off, h.entry_n)};
  }
  // Copies send i of `other` into this outbox (to the same destination).
  void copy_from(const Outbox& other, size_t i);
  void clear();

 private:
  struct Header {
    NodeId from = kNoNode;
    NodeId to = kNoNode;
    MessageType type = MessageType::kSyn;
    uint8_t flags = 0;
    uint32_t digest_off = 0, digest_n = 0;
    uint32_t request_off = 0, request_n = 0;
    uint32_t entry_off = 0, entry_n = 0;
  };
  std::vector<Header> sends_;
  std::vector<Digest> digests_;
  std::vector<Digest> requests_;
  std::vector<Entry> entries_;
  Header open_;
  bool is_open_ = false;
  bool open_sent_ = false;
};

}  // namespace rumor::core
