#include "core/antientropy/entry.h"

#include "base/assert.h"

namespace rumor::core {

ItemRef make_item(std::string key, std::string value) {
  return std::make_shared<const Item>(Item{std::move(key), std::move(value)});
}

Winner merge(const Entry& local, const Entry& incoming) {
  RUMOR_ASSERT(local.origin == incoming.origin && local.key() == incoming.key(),
               "merge() compares copies of one (origin, key)");
  if (incoming.version() != local.version()) {
    return incoming.version() > local.version() ? Winner::kIncoming : Winner::kLocal;
  }
  if (local.item == incoming.item) return Winner::kLocal;
  return incoming.value() > local.value() ? Winner::kIncoming : Winner::kLocal;
}

}  // namespace rumor::core
