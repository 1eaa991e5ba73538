#include "core/membership/directory.h"

#include "base/assert.h"

namespace rumor::core {

Directory::Directory(uint32_t max_entries) : max_entries_(max_entries) {
  RUMOR_ASSERT(max_entries >= 1 && max_entries <= (1u << 31), "directory size out of range");
}

std::optional<NameId> Directory::intern_name(std::string_view name) {
  if (auto it = name_ids_.find(name); it != name_ids_.end()) return it->second;
  if (names_.size() >= max_entries_) return std::nullopt;
  const auto id = static_cast<NameId>(names_.size());
  names_.emplace_back(name);
  name_ids_.emplace(std::string_view(names_.back()), id);
  return id;
}

std::optional<NameId> Directory::find_name(std::string_view name) const {
  if (auto it = name_ids_.find(name); it != name_ids_.end()) return it->second;
  return std::nullopt;
}

size_t Directory::IdentityKeyHash::operator()(const Identity& k) const {
  // FNV-1a over the name id, the address bytes and the port.
  uint64_t h = 1469598103934665603ull;
  auto mix = [&h](uint64_t v) {
    h ^= v;
    h *= 1099511628211ull;
  };
  mix(k.name);
  for (uint8_t b : k.addr.ip_bytes())
    mix(b);
  mix(k.addr.port);
  return static_cast<size_t>(h);
}

std::optional<IdentityId> Directory::intern_identity(NameId name, const Address& addr) {
  RUMOR_ASSERT(name < names_.size(), "identity of an unknown name id");
  const Identity key{name, addr};
  if (auto it = identity_ids_.find(key); it != identity_ids_.end()) return it->second;
  if (identities_.size() >= max_entries_) return std::nullopt;
  const auto id = static_cast<IdentityId>(identities_.size());
  identities_.push_back(key);
  identity_ids_.emplace(key, id);
  return id;
}

}  // namespace rumor::core
