// The gossip messages of the anti-entropy, rumor-mongering and direct-mail engine.
//
// One message shape serves every style; the type says which parts are meaningful:
//   SYN       initiator -> peer. Digest mode: `digests`, what the initiator holds of each origin
//             (ascending by origin). When they do not all fit the size limit, kPartial: the list
//             is a contiguous run of the initiator's origins, so an origin strictly between its
//             first and last that it does not name is one the initiator lacks; kFromStart and
//             kToEnd say the run begins at the initiator's first origin or ends at its last,
//             which extends that to the origins below or above it.
//             Full-state mode: `entries`, the initiator's whole state (push and push-pull).
//   ACK       peer -> initiator. `entries` the initiator lacks (pull, push-pull) and `requests`
//             for what the peer lacks (push, push-pull; digest mode only).
//   ACK2      initiator -> peer. `entries` answering the ACK's requests.
//   RUMOR     hot updates (`entries`); kWantFeedback asks for a FEEDBACK reply.
//   FEEDBACK  `digests` naming the rumors (origin and version) the receiver already knew.
//   MAIL      direct mail: the origin's new `entries`, sent to every node it knows.
// The style flags (kPush, kPull) on a SYN say which way state may flow in that exchange, so the
// peer answers in the initiator's style whatever its own configuration.
//
// MessageView is a non-owning view: engines read messages through it, whether they sit in a
// driver's flat Outbox, in an owning Message, or were just decoded from bytes.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/antientropy/entry.h"

namespace rumor::core {

enum class MessageType : uint8_t {
  kSyn = 1,
  kAck = 2,
  kAck2 = 3,
  kRumor = 4,
  kFeedback = 5,
  kMail = 6,
};
inline constexpr uint8_t kMaxMessageType = 6;

const char* message_type_name(MessageType t);

namespace flags {
inline constexpr uint8_t kPush = 1;           // SYN: the initiator's state may flow to the peer
inline constexpr uint8_t kPull = 2;           // SYN: the peer's state may flow to the initiator
inline constexpr uint8_t kFullState = 4;      // SYN: full-state reconciliation, not digests
inline constexpr uint8_t kPartial = 8;        // SYN: the digest list is a subset (size limit)
inline constexpr uint8_t kWantFeedback = 16;  // RUMOR: reply with FEEDBACK
inline constexpr uint8_t kFromStart = 32;     // partial SYN: the run starts at the first origin
inline constexpr uint8_t kToEnd = 64;         // partial SYN: the run ends at the last origin
inline constexpr uint8_t kAll = 127;
}  // namespace flags

struct MessageView {
  MessageType type = MessageType::kSyn;
  uint8_t flags = 0;
  std::span<const Digest> digests;
  std::span<const Digest> requests;
  std::span<const Entry> entries;
};

// An owning message, for decoding and for drivers that keep messages in flight.
struct Message {
  MessageType type = MessageType::kSyn;
  uint8_t flags = 0;
  std::vector<Digest> digests;
  std::vector<Digest> requests;
  std::vector<Entry> entries;

  MessageView view() const { return {type, flags, digests, requests, entries}; }
  void assign(const MessageView& v);
  void clear();
};

}  // namespace rumor::core
