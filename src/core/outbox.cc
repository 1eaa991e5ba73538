#include "core/outbox.h"

#include "base/assert.h"

namespace rumor::core {

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
