// Serf tags in a member's metadata: the 0xFF magic byte, then a msgpack map[string]string
// (Serf protocol >= 3; ../shared/specs/memberlist-serf-wire.md, "Tags in Meta"). Serf writes the
// map in Go's random order; we write keys sorted so equal tags give equal bytes.
//
// Decoding follows Serf's decodeTags: empty metadata or a first byte other than 0xFF is the old
// form, {"role": <the whole metadata as a string>}. Metadata is untrusted (tier 1): anything that
// is not a map of strings gives nullopt, never a throw. Encoded tags must fit memberlist's
// 512-byte metadata limit; encode_serf_tags reports the size so the caller can refuse.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace rumor::core::wire {

using Tags = std::map<std::string, std::string>;

constexpr uint8_t kSerfTagMagic = 0xff;

std::vector<uint8_t> encode_serf_tags(const Tags& tags);
std::optional<Tags> decode_serf_tags(std::span<const uint8_t> meta);

}  // namespace rumor::core::wire
