// Directory: interned member names and identities, so a member costs a few bytes per view.
//
// memberlist names members by string and locates them by (IP, port). A cluster of n members
// has n views of n members each, so rumor keeps each distinct name once, here, and gives it a
// dense NameId; an identity is a (name, address) pair, also interned, with its own dense
// IdentityId. A member record then holds one 4-byte IdentityId instead of a string and an
// address. The ids are local handles: they never go on the wire and no protocol decision
// depends on their order, only on equality, so a directory may be shared by many nodes (the
// simulator shares one across a whole world) or owned by one (the agent).
//
// Invariants: ids are dense from 0 in first-intern order and never reused; names() and
// identities() never exceed max_entries; a full directory refuses new entries (nullopt), which
// callers count and drop as tier-1 input errors. string_views returned stay valid for the
// directory's lifetime.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/address.h"

namespace rumor::core {

using NameId = uint32_t;
using IdentityId = uint32_t;
inline constexpr NameId kNoName = UINT32_MAX;
inline constexpr IdentityId kNoIdentity = UINT32_MAX;

class Directory {
 public:
  // At most max_entries names and at most max_entries identities. 1 .. 2^31.
  explicit Directory(uint32_t max_entries = 1u << 24);
  Directory(const Directory&) = delete;  // views point into it
  Directory& operator=(const Directory&) = delete;

  std::optional<NameId> intern_name(std::string_view name);
  std::optional<NameId> find_name(std::string_view name) const;
  std::string_view name(NameId id) const { return names_[id]; }
  size_t names() const { return names_.size(); }

  std::optional<IdentityId> intern_identity(NameId name, const Address& addr);
  NameId identity_name(IdentityId id) const { return identities_[id].name; }
  const Address& identity_addr(IdentityId id) const { return identities_[id].addr; }
  size_t identities() const { return identities_.size(); }

 private:
  struct Identity {
    NameId name;
    Address addr;
  };
  struct IdentityKeyHash {
    size_t operator()(const Identity& k) const;
  };
  struct IdentityKeyEq {
    bool operator()(const Identity& a, const Identity& b) const {
      return a.name == b.name && a.addr == b.addr;
    }
  };

  uint32_t max_entries_;
  std::deque<std::string> names_;  // a deque keeps the strings (and the views) in place
  std::unordered_map<std::string_view, NameId> name_ids_;
  std::vector<Identity> identities_;
  std::unordered_map<Identity, IdentityId, IdentityKeyHash, IdentityKeyEq> identity_ids_;
};

}  // namespace rumor::core
