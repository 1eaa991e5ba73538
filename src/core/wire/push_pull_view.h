// Push-pull without copies: memberlist's push-pull message (type 6: pushPullHeader, Nodes x
// pushNodeState, UserStateLen raw bytes) read as views into the received bytes, and written
// straight from a node's member rows.
//
// Why a second path beside memberlist_codec.h: a push-pull carries the whole member list, so a
// 10,000-member cluster syncing every node once moves 10^8 states; building a std::string and
// three byte vectors per state (and msgpack-cxx's object tree) made that the simulator's whole
// cost. Here msgpack-cxx's SAX parser (msgpack::parse with a visitor) reads each state with no
// allocation, and the writer emits the exact bytes memberlist_codec's encoder does.
//
// Contract: decode_push_pull_view accepts what go-msgpack writes (maps with string keys, any
// integer width, str or bin for strings and bytes, nil for Go nil) directly; anything else —
// malformed, truncated, or merely unusual (fields as arrays, unknown nested values, a nil
// header) — is handed to the general decoder (ml::decode_push_pull), whose verdict stands: so
// this path accepts exactly what the general decoder accepts and yields the same values. Views
// point into `body` or into `out.owned` (when the general decoder ran) and live as long as both.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "core/wire/memberlist_codec.h"
#include "core/wire/memberlist_message.h"

namespace rumor::core::wire::ml {

struct PushNodeView {
  std::string_view name;
  std::span<const uint8_t> addr;
  uint16_t port = 0;
  std::span<const uint8_t> meta;
  uint32_t incarnation = 0;
  WireState state = WireState::kAlive;
  std::span<const uint8_t> vsn;
};

struct PushPullView {
  bool join = false;
  std::vector<PushNodeView> nodes;
  std::span<const uint8_t> user_state;
  PushPull owned;          // backing store when the general decoder ran
  bool fell_back = false;  // the general decoder ran (for tests and counters)
};

// `body` is the message after its 0x06 type byte.
std::optional<MlError> decode_push_pull_view(std::span<const uint8_t> body, size_t max_nodes,
                                             PushPullView& out);

// 0x06 and the header; then call encode_push_node `nodes` times and append the user bytes.
void encode_push_pull_header(bool join, size_t nodes, size_t user_state_len,
                             std::vector<uint8_t>& out);
void encode_push_node(const PushNodeView& s, std::vector<uint8_t>& out);

}  // namespace rumor::core::wire::ml
