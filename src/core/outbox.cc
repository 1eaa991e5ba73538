#include "core/outbox.h"

#include "base/assert.h"

namespace rumor::core {

void Outbox::begin(NodeId from, MessageType type, uint8_t flags) {
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

void Outbox::send(NodeId to) {
  RUMOR_ASSERT(is_open_, "send() needs an open message");
  Header h = open_;
  h.to = to;
  h.digest_n = static_cast<uint32_t>(open_digests());
  h.request_n = static_cast<uint32_t>(open_requests());
  h.entry_n = static_cast<uint32_t>(open_entries());
  sends_.push_back(h);
  open_sent_ = true;
}

void Outbox::finish() {
  RUMOR_ASSERT(is_open_, "finish() needs an open message");
  if (!open_sent_) {
    digests_.resize(open_.digest_off);
    requests_.resize(open_.request_off);
    entries_.resize(open_.entry_off);
  }
  is_open_ = false;
}

MessageView Outbox::view(size_t i) const {
  const Header& h = sends_[i];
  return MessageView{h.type, h.flags,
                     std::span<const Digest>(digests_.data() + h.digest_off, h.digest_n),
                     std::span<const Digest>(requests_.data() + h.request_off, h.request_n),
                     std::span<const Entry>(entries_.data() + h.entry_off, h.entry_n)};
}

void Outbox::copy_from(const Outbox& other, size_t i) {
  RUMOR_ASSERT(&other != this, "copy_from() copies between two outboxes");
  const MessageView v = other.view(i);
  begin(other.from(i), v.type, v.flags);
  digests_.insert(digests_.end(), v.digests.begin(), v.digests.end());
  requests_.insert(requests_.end(), v.requests.begin(), v.requests.end());
  entries_.insert(entries_.end(), v.entries.begin(), v.entries.end());
  send(other.to(i));
  finish();
}

void Outbox::clear() {
  RUMOR_ASSERT(!is_open_, "clear() with a message still open");
  sends_.clear();
  digests_.clear();
  requests_.clear();
  entries_.clear();
}

}  // namespace rumor::core
