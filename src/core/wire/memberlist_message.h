// memberlist's messages, as plain structs: the bodies HashiCorp memberlist (0.2.2, as in Debian
// and inside Serf 0.9.4) puts on the wire, one struct per message type, with memberlist's field
// names in the comments (the msgpack map keys). ../shared/specs/memberlist-serf-wire.md §2-3 is
// the fact sheet; memberlist's net.go is the source of truth.
//
// Conventions: Go `string` fields are std::string; Go `[]byte` fields (IPs, Meta, Payload) are
// Bytes, where `is_nil` distinguishes Go's nil slice (encoded as msgpack nil) from an empty one;
// unsigned fields keep memberlist's widths. The structs own their data and have no invariants
// beyond their field types: the codec (memberlist_codec.h) enforces sizes.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace rumor::core::wire::ml {

// The first byte of every memberlist message (append-only upstream).
enum class MsgType : uint8_t {
  kPing = 0,
  kIndirectPing = 1,
  kAck = 2,
  kSuspect = 3,
  kAlive = 4,
  kDead = 5,
  kPushPull = 6,
  kCompound = 7,
  kUser = 8,
  kCompress = 9,
  kEncrypt = 10,
  kNack = 11,
  kHasCrc = 12,
  kErr = 13,
  kHasLabel = 244,
};

// A Go []byte: nil, or bytes (possibly empty).
struct Bytes {
  std::vector<uint8_t> data;
  bool is_nil = true;

  Bytes() = default;
  explicit Bytes(std::vector<uint8_t> d) : data(std::move(d)), is_nil(false) {}
  bool empty() const { return data.empty(); }
  size_t size() const { return data.size(); }
  bool operator==(const Bytes&) const = default;
};

// memberlist's protocol versions: [pmin, pmax, pcur, dmin, dmax, dcur] (p = memberlist,
// d = the delegate, Serf). A Serf 0.9.4 agent sends {1, 5, 2, 2, 5, 5}.
using Vsn = std::array<uint8_t, 6>;
inline constexpr Vsn kDefaultVsn = {1, 5, 2, 2, 5, 5};

// MemberState as pushNodeState.State carries it.
enum class WireState : uint8_t { kAlive = 0, kSuspect = 1, kDead = 2, kLeft = 3 };

struct Ping {                // type 0
  uint32_t seq_no = 0;       // SeqNo
  std::string node;          // Node: the target's name; "" in old senders
  Bytes source_addr;         // SourceAddr, omitempty
  uint16_t source_port = 0;  // SourcePort, omitempty
  std::string source_node;   // SourceNode, omitempty
  bool operator==(const Ping&) const = default;
};

struct IndirectPingReq {     // type 1
  uint32_t seq_no = 0;       // SeqNo
  Bytes target;              // Target: the target's IP
  uint16_t port = 0;         // Port
  std::string node;          // Node: the target's name
  bool nack = false;         // Nack: the requester wants a nack if the target stays silent
  Bytes source_addr;         // SourceAddr, omitempty
  uint16_t source_port = 0;  // SourcePort, omitempty
  std::string source_node;   // SourceNode, omitempty
  bool operator==(const IndirectPingReq&) const = default;
};

struct AckResp {        // type 2
  uint32_t seq_no = 0;  // SeqNo
  Bytes payload;        // Payload (nil when empty)
  bool operator==(const AckResp&) const = default;
};

struct NackResp {       // type 11
  uint32_t seq_no = 0;  // SeqNo
  bool operator==(const NackResp&) const = default;
};

struct Suspect {             // type 3
  uint32_t incarnation = 0;  // Incarnation
  std::string node;          // Node: the suspect
  std::string from;          // From: the accuser
  bool operator==(const Suspect&) const = default;
};

struct Alive {               // type 4
  uint32_t incarnation = 0;  // Incarnation
  std::string node;          // Node
  Bytes addr;                // Addr
  uint16_t port = 0;         // Port
  Bytes meta;                // Meta (<= 512 bytes)
  Bytes vsn;                 // Vsn: 6 bytes normally; kept raw so odd senders round-trip
  bool operator==(const Alive&) const = default;
};

struct Dead {                // type 5
  uint32_t incarnation = 0;  // Incarnation
  std::string node;          // Node
  std::string from;          // From; == Node means a graceful leave
  bool operator==(const Dead&) const = default;
};

struct ErrResp {      // type 13, streams only
  std::string error;  // Error
  bool operator==(const ErrResp&) const = default;
};

struct PushNodeState {
  std::string name;                     // Name
  Bytes addr;                           // Addr
  uint16_t port = 0;                    // Port
  Bytes meta;                           // Meta
  uint32_t incarnation = 0;             // Incarnation
  WireState state = WireState::kAlive;  // State
  Bytes vsn;                            // Vsn
  bool operator==(const PushNodeState&) const = default;
};

// A whole push-pull stream message (type 6): pushPullHeader{Join, Nodes, UserStateLen}, then
// Nodes pushNodeStates, then UserStateLen raw bytes of delegate (Serf) state.
struct PushPull {
  bool join = false;
  std::vector<PushNodeState> nodes;
  std::vector<uint8_t> user_state;
  bool operator==(const PushPull&) const = default;
};

}  // namespace rumor::core::wire::ml
