// Serf's gossip messages as plain structs, and their codec: the bytes Serf 0.9.4 puts inside
// memberlist user messages (UDP after memberlist's 0x08, TCP as the reliable payload) and in
// the push-pull user state. Every message is one Serf type byte, then go-msgpack's encoding of
// a Go struct (one map, keys sorted as Go writes them). ../shared/specs/memberlist-serf-wire.md
// §8 is the fact sheet and §1 the msgpack rules (go_msgpack.h); Serf's messages.go, serf.go
// (userEvent, userEvents, Member), keymanager.go (keyRequest), internal_query.go
// (nodeKeyResponse) and query.go (filters) are the source of truth.
//
// Conventions: Go `string` is std::string; Go `[]byte` (net.IP included) is Bytes, whose is_nil
// tells Go's nil slice (msgpack nil) from an empty one; other Go slices and maps are Nilable<C>,
// with the same rule; a Go pointer that may be nil (a push-pull ring slot, the Member of a
// conflict response) is std::optional. Widths are Serf's. The structs own their data and have
// no invariants beyond their field types; the codec enforces sizes.
//
// Encoding is byte-identical to Go's (golden tests in tests/interop/ hold us to it): keys sorted
// by byte value, nil as nil, Go maps written in key order (Go writes them in random order, so
// only single-entry maps can match Go byte for byte; any order decodes the same). A container
// holding data is written as data whatever its is_nil says. Encoding never fails and checks no
// limit: refusing to send an oversized event or query is the sender's job, as in Serf.
//
// Decoding is the first-tier error boundary: untrusted bytes never throw, assert or crash; each
// rejection is one specific SerfError. It is lenient where go-msgpack is: any integer width
// (range-checked), str8/str/bin for strings and []byte, unknown keys skipped, missing keys zero,
// nil as zero, a struct as a map or as an array in Go's field order, bytes after the body
// ignored. It is stricter than Go only through limits, each its own error: a whole message at
// most max_message_bytes(type), an event's name + payload at most Serf's 9 KiB hard cap, node
// names at most kMaxNameBytes, and a cap on every list and map (the constants below); other
// strings are bounded by the message. A relay's inner message is kept raw and not decoded, as
// Serf forwards it unread. Decoded values re-encode to bytes that decode to the same value
// (byte-identical to the input when the input was written as Go writes it), unless the
// canonical form outgrows the message limit (a struct sent as an array comes back as a map).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "core/wire/memberlist_codec.h"
#include "core/wire/memberlist_message.h"
#include "core/wire/serf_tags.h"

namespace rumor::core::serf {

using Bytes = wire::ml::Bytes;

// A Go slice or map that may be nil: `value` holds the elements, is_nil is true only for Go's
// nil (msgpack nil). A Nilable holding elements is never nil, whatever its flag says.
template <typename C>
struct Nilable {
  C value;
  bool is_nil = true;

  Nilable() = default;
  explicit Nilable(C v) : value(std::move(v)), is_nil(false) {}
  bool empty() const { return value.empty(); }
  size_t size() const { return value.size(); }
  bool operator==(const Nilable&) const = default;
};

// Serf's messageType (messages.go; append-only upstream).
enum class MessageType : uint8_t {
  kLeave = 0,
  kJoin = 1,
  kPushPull = 2,
  kUserEvent = 3,
  kQuery = 4,
  kQueryResponse = 5,
  kConflictResponse = 6,
  kKeyRequest = 7,
  kKeyResponse = 8,
  kRelay = 9,
};
inline constexpr size_t kMessageTypeCount = 10;

// --- limits ---------------------------------------------------------------------------------

// Any message but a push-pull. Serf sends queries and responses of at most QuerySizeLimit /
// QueryResponseSizeLimit (1024 by default, but configurable) and user events of at most 9 KiB,
// so the decoder takes what fits memberlist's largest packet.
inline constexpr size_t kMaxSerfMessageBytes = 65536;
// A push-pull travels as memberlist push-pull user state: it may be as large as a stream.
inline constexpr size_t kMaxPushPullBytes = wire::ml::kMaxStreamBytes;
// serf.go's UserEventSizeLimit hard cap on an event's name + payload (Serf checks that, and the
// encoded message, against it before sending): for user events and each push-pull ring event.
inline constexpr size_t kMaxUserEventBytes = 9 * 1024;
// Node names (Node, From, SourceNode, DestName, Member.Name, LeftMembers, StatusLTimes keys,
// node filters): the same bound memberlist_codec puts on memberlist's names.
inline constexpr size_t kMaxNameBytes = wire::ml::kMaxNameBytes;
// The push-pull event ring: Serf's EventBuffer (512, fixed in the agent).
inline constexpr size_t kMaxEventSlots = 512;
// Events one ring slot holds (those seen at one Lamport time): far more than concurrent senders
// ever produce.
inline constexpr size_t kMaxEventsPerSlot = 1024;
// StatusLTimes entries and LeftMembers names in a push-pull: the cluster size we accept.
inline constexpr size_t kMaxPushPullMembers = 65536;
inline constexpr size_t kMaxQueryFilters = 256;
inline constexpr size_t kMaxFilterNodes = 4096;
inline constexpr size_t kMaxKeys = 1024;  // a key response's Keys
inline constexpr size_t kMaxTags = 256;   // a Member's Tags (512 bytes of Meta hold fewer)

// --- messages -------------------------------------------------------------------------------

inline constexpr uint32_t kQueryFlagAck = 1;          // queryFlagAck: answer with an ack
inline constexpr uint32_t kQueryFlagNoBroadcast = 2;  // queryFlagNoBroadcast: do not re-gossip

struct LeaveIntent {   // type 0, messageLeave
  uint64_t ltime = 0;  // LTime (member clock)
  std::string node;    // Node
  bool prune = false;  // Prune: forget the node at once instead of keeping it as left
  bool operator==(const LeaveIntent&) const = default;
};

struct JoinIntent {    // type 1, messageJoin
  uint64_t ltime = 0;  // LTime (member clock)
  std::string node;    // Node
  bool operator==(const JoinIntent&) const = default;
};

struct RingEvent {   // serf.go's userEvent: one event remembered in the ring
  std::string name;  // Name
  Bytes payload;     // Payload
  bool operator==(const RingEvent&) const = default;
};

struct EventSlot {                         // serf.go's userEvents: one slot of the ring
  uint64_t ltime = 0;                      // LTime
  Nilable<std::vector<RingEvent>> events;  // Events
  bool operator==(const EventSlot&) const = default;
};

struct PushPull {                                          // type 2, messagePushPull
  uint64_t ltime = 0;                                      // LTime (member clock)
  Nilable<std::map<std::string, uint64_t>> status_ltimes;  // StatusLTimes
  Nilable<std::vector<std::string>> left_members;          // LeftMembers
  uint64_t event_ltime = 0;                                // EventLTime
  // Events: Serf sends its whole ring ([]*userEvents, EventBuffer slots), nil for empty slots.
  Nilable<std::vector<std::optional<EventSlot>>> events;
  uint64_t query_ltime = 0;  // QueryLTime
  bool operator==(const PushPull&) const = default;
};

struct UserEvent {     // type 3, messageUserEvent
  uint64_t ltime = 0;  // LTime (event clock)
  std::string name;    // Name
  Bytes payload;       // Payload
  bool cc = false;     // CC: "can coalesce"
  bool operator==(const UserEvent&) const = default;
};

struct Query {                          // type 4, messageQuery
  uint64_t ltime = 0;                   // LTime (query clock)
  uint32_t id = 0;                      // ID
  Bytes addr;                           // Addr: where responses go
  uint16_t port = 0;                    // Port
  std::string source_node;              // SourceNode
  Nilable<std::vector<Bytes>> filters;  // Filters: each one encode_filter's bytes, kept raw
  uint32_t flags = 0;                   // Flags: kQueryFlag*
  uint8_t relay_factor = 0;             // RelayFactor
  int64_t timeout_ns = 0;               // Timeout (a time.Duration)
  std::string name;                     // Name
  Bytes payload;                        // Payload
  bool operator==(const Query&) const = default;
};

struct QueryResponse {  // type 5, messageQueryResponse
  uint64_t ltime = 0;   // LTime: the query's
  uint32_t id = 0;      // ID: the query's
  std::string from;     // From
  uint32_t flags = 0;   // Flags: kQueryFlagAck for an ack
  Bytes payload;        // Payload
  bool operator==(const QueryResponse&) const = default;
};

// serf.go's MemberStatus (a Go int; only these values exist).
enum class MemberStatus : uint8_t { kNone = 0, kAlive = 1, kLeaving = 2, kLeft = 3, kFailed = 4 };

struct Member {                               // serf.go's Member, as a conflict response carries it
  std::string name;                           // Name
  Bytes addr;                                 // Addr (a net.IP)
  uint16_t port = 0;                          // Port
  Nilable<wire::Tags> tags;                   // Tags
  MemberStatus status = MemberStatus::kNone;  // Status
  uint8_t protocol_min = 0;                   // ProtocolMin
  uint8_t protocol_max = 0;                   // ProtocolMax
  uint8_t protocol_cur = 0;                   // ProtocolCur
  uint8_t delegate_min = 0;                   // DelegateMin
  uint8_t delegate_max = 0;                   // DelegateMax
  uint8_t delegate_cur = 0;                   // DelegateCur
  bool operator==(const Member&) const = default;
};

// Type 6: the answer to a `_serf_conflict` query, inside a response's Payload. Serf encodes a
// *Member that is nil when it does not know the node.
struct ConflictResponse {
  std::optional<Member> member;
  bool operator==(const ConflictResponse&) const = default;
};

struct KeyRequest {  // type 7, keymanager.go's keyRequest, inside a query's Payload
  Bytes key;         // Key: the raw key bytes
  bool operator==(const KeyRequest&) const = default;
};

struct KeyResponse {                       // type 8, nodeKeyResponse, inside a response's Payload
  bool result = false;                     // Result
  std::string message;                     // Message
  Nilable<std::vector<std::string>> keys;  // Keys: base64
  std::string primary_key;                 // PrimaryKey: base64
  bool operator==(const KeyResponse&) const = default;
};

struct UdpAddr {     // net.UDPAddr
  Bytes ip;          // IP (a net.IP)
  int64_t port = 0;  // Port (a Go int)
  std::string zone;  // Zone
  bool operator==(const UdpAddr&) const = default;
};

// Type 9: 09, relayHeader{DestAddr, DestName}, then the inner message's bytes appended raw (a
// whole Serf message, type byte first: a query response in practice). The relaying member
// forwards `message` to dest_addr without reading it.
struct Relay {
  UdpAddr dest_addr;             // DestAddr
  std::string dest_name;         // DestName
  std::vector<uint8_t> message;  // the inner message
  bool operator==(const Relay&) const = default;
};

// One Serf message of any type; the variant's index is the type byte.
using Message = std::variant<LeaveIntent, JoinIntent, PushPull, UserEvent, Query, QueryResponse,
                             ConflictResponse, KeyRequest, KeyResponse, Relay>;
inline MessageType type_of(const Message& m) {
  return static_cast<MessageType>(m.index());
}

// --- query filters (messages.go's filterType, filterNode, filterTag) -------------------------

enum class FilterType : uint8_t { kNode = 0, kTag = 1 };

struct NodeFilter {                         // 00 + msgpack filterNode ([]string)
  Nilable<std::vector<std::string>> nodes;  // a member passes if its name is one of these
  bool operator==(const NodeFilter&) const = default;
};

struct TagFilter {   // 01 + msgpack filterTag{Tag, Expr}
  std::string tag;   // Tag
  std::string expr;  // Expr: a regular expression matched, unanchored, against the tag's value
  bool operator==(const TagFilter&) const = default;
};

using Filter = std::variant<NodeFilter, TagFilter>;

// --- errors ---------------------------------------------------------------------------------

enum class SerfError : uint8_t {
  kEmpty,               // no bytes where a message or filter (its type byte) must be
  kUnknownType,         // a type byte Serf does not define (message > 9, filter > 1)
  kUnexpectedType,      // a defined type, but not the one asked for
  kTruncated,           // a msgpack value ends early
  kBadMsgpack,          // bytes that are not msgpack
  kMsgpackLimit,        // a msgpack array, map or string beyond the decoder's limits
  kMsgpackTooDeep,      // msgpack containers nested beyond the decoder's limit
  kWrongFieldType,      // a field (or a body) holds a type Go would not decode into it
  kFieldRange,          // an integer outside its field (negative into unsigned, Status > 4)
  kMessageTooLarge,     // a message over max_message_bytes, a filter over kMaxSerfMessageBytes
  kUserEventTooLarge,   // an event's name + payload over kMaxUserEventBytes
  kNameTooLong,         // a node name over kMaxNameBytes
  kTooManyEventSlots,   // a push-pull ring over kMaxEventSlots
  kTooManySlotEvents,   // a ring slot with more than kMaxEventsPerSlot events
  kTooManyMembers,      // StatusLTimes or LeftMembers over kMaxPushPullMembers
  kTooManyFilters,      // a query with more than kMaxQueryFilters filters
  kTooManyFilterNodes,  // a node filter naming more than kMaxFilterNodes nodes
  kTooManyKeys,         // a key response listing more than kMaxKeys keys
  kTooManyTags,         // a Member with more than kMaxTags tags
};
inline constexpr size_t kSerfErrorCount = 19;
using SerfErrorCounts = std::array<uint64_t, kSerfErrorCount>;
const char* serf_error_name(SerfError e);
inline void count(SerfErrorCounts& counts, SerfError e) {
  ++counts[static_cast<size_t>(e)];
}

// --- encoding: each appends the type byte and the body to `out` --------------------------------

void encode(const LeaveIntent& m, std::vector<uint8_t>& out);
void encode(const JoinIntent& m, std::vector<uint8_t>& out);
void encode(const PushPull& m, std::vector<uint8_t>& out);
void encode(const UserEvent& m, std::vector<uint8_t>& out);
void encode(const Query& m, std::vector<uint8_t>& out);
void encode(const QueryResponse& m, std::vector<uint8_t>& out);
void encode(const ConflictResponse& m, std::vector<uint8_t>& out);
void encode(const KeyRequest& m, std::vector<uint8_t>& out);
void encode(const KeyResponse& m, std::vector<uint8_t>& out);
void encode(const Relay& m, std::vector<uint8_t>& out);
void encode(const Message& m, std::vector<uint8_t>& out);
// The filter type byte, then the msgpack filter: what Query::filters holds.
void encode_filter(const Filter& f, std::vector<uint8_t>& out);

// --- decoding: `msg` is a whole message, type byte first; `out` is reset first ------------------

// The largest message of `type` the decoder takes (type byte included).
size_t max_message_bytes(MessageType type);

// The message's type, or nullopt for no bytes or an undefined type byte.
std::optional<MessageType> peek_type(std::span<const uint8_t> msg);

// Any message: `out` holds the alternative its type byte names.
std::optional<SerfError> decode_message(std::span<const uint8_t> msg, Message& out);

// A message of one known type: another defined type byte is kUnexpectedType.
std::optional<SerfError> decode(std::span<const uint8_t> msg, LeaveIntent& out);
std::optional<SerfError> decode(std::span<const uint8_t> msg, JoinIntent& out);
std::optional<SerfError> decode(std::span<const uint8_t> msg, PushPull& out);
std::optional<SerfError> decode(std::span<const uint8_t> msg, UserEvent& out);
std::optional<SerfError> decode(std::span<const uint8_t> msg, Query& out);
std::optional<SerfError> decode(std::span<const uint8_t> msg, QueryResponse& out);
std::optional<SerfError> decode(std::span<const uint8_t> msg, ConflictResponse& out);
std::optional<SerfError> decode(std::span<const uint8_t> msg, KeyRequest& out);
std::optional<SerfError> decode(std::span<const uint8_t> msg, KeyResponse& out);
std::optional<SerfError> decode(std::span<const uint8_t> msg, Relay& out);

// One entry of Query::filters: its type byte, then the filter (at most kMaxSerfMessageBytes).
std::optional<SerfError> decode_filter(std::span<const uint8_t> filter, Filter& out);

}  // namespace rumor::core::serf
