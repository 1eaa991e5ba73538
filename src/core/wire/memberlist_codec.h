// The memberlist wire codec: memberlist's messages (memberlist_message.h) to and from the bytes
// HashiCorp memberlist 0.2.2 (and Serf 0.9.4) put in UDP packets and TCP streams, plus the
// packet framing around them: compound, CRC and label. The fact sheet is
// ../shared/specs/memberlist-serf-wire.md: §1 (msgpack rules, via go_msgpack.h), §2.1-2.6
// (types, bodies, wrapping order, compound, CRC, label), §3 (streams), §6 (Vsn).
//
// Encoding is byte-identical to Go's: `encode(x, out)` appends the type byte and go-msgpack's
// encoding of the struct (keys sorted, omitempty fields left out when zero or empty, a nil Bytes
// as msgpack nil; a Bytes holding data is written whatever its is_nil says). Golden tests against
// the real Go encoder and real memberlist traffic (tests/interop/) hold us to that.
//
// Decoding is the first-tier error boundary: untrusted bytes never throw, assert or crash; each
// rejection is one specific MlError, and the packet and stream entry points count them in an
// MlErrorCounts the caller owns. Limits: a packet is at most kMaxPacketBytes; a node name (Node,
// From, Name, SourceNode) and Meta at most 512 bytes; a stream message (push-pull, reliable user
// message) at most kMaxStreamBytes; a push-pull at most the caller's max_nodes states.
// Decoding is lenient where Go is (any integer width, str8/bin, unknown keys skipped, missing
// keys zero, bytes after the body ignored), so every Go version's output is accepted.
//
// Compressed messages (type 9, LZW: compress_message.h) are decompressed, in packets when the
// caller lends an UnwrapScratch and always in streams, up to the packet or stream size limit.
// Encryption is a layer outside this codec (transport.h); an encrypted stream that reaches it
// counts as kEncrypted. Labels follow memberlist >= 0.3.0: a packet or stream must carry exactly
// the expected label, and none when none is expected.
//
// Ownership: PacketPart bodies are views into the caller's packet; every decoded struct owns
// its data. Nothing here keeps state between calls.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "core/wire/memberlist_message.h"

namespace rumor::core::wire::ml {

inline constexpr size_t kMaxPacketBytes = 65536;  // memberlist's UDP receive buffer
inline constexpr size_t kMaxMetaBytes = 512;      // MetaMaxSize
inline constexpr size_t kMaxNameBytes = 512;
inline constexpr size_t kMaxStreamBytes = 20u << 20;  // maxPushStateBytes
inline constexpr size_t kMaxCompoundParts = 255;
inline constexpr size_t kMaxCompoundPartBytes = 65535;
inline constexpr size_t kCompoundHeaderOverhead = 2;  // type byte + part count
inline constexpr size_t kCompoundPartOverhead = 2;    // one u16 length per part
inline constexpr size_t kCrcOverhead = 5;             // 0x0c + CRC32
inline constexpr size_t kMaxLabelBytes = 255;
// Compound and compress layers a packet may nest (memberlist sets no limit; a packet of
// compounds within compounds only ever comes from a broken or hostile peer).
inline constexpr int kMaxNesting = 4;

enum class MlError : uint8_t {
  kEmpty,              // no bytes where a message (or its type byte) must be
  kTruncated,          // a msgpack value, header or declared raw byte count ends early
  kBadMsgpack,         // bytes that are not msgpack
  kMsgpackLimit,       // a msgpack array, map or string beyond the decoder's limits
  kMsgpackTooDeep,     // msgpack containers nested beyond the decoder's limit
  kWrongFieldType,     // a field (or a body) holds a type Go would not decode into it
  kFieldRange,         // an integer outside its field (negative count, State > 3, ...)
  kPacketTooLarge,     // a packet over kMaxPacketBytes
  kNameTooLong,        // Node, From, Name or SourceNode over kMaxNameBytes
  kMetaTooLong,        // Meta over kMaxMetaBytes
  kStreamTooLarge,     // a stream message or its declared user bytes over kMaxStreamBytes
  kTooManyNodes,       // a push-pull with more states than the caller allows
  kBadCrc,             // a hasCrc packet whose CRC32 does not match: dropped
  kUnknownType,        // a type byte memberlist does not define
  kUnexpectedType,     // a defined type where it cannot be (pushPull in a packet, ...)
  kBadLabel,           // a label header with length 0 or cut short
  kMissingLabel,       // no label, but one is expected
  kUnexpectedLabel,    // a label, but none is expected
  kWrongLabel,         // a label other than the expected one
  kCompoundBadHeader,  // a compound without its count or length table
  kCompoundTruncated,  // a compound whose last parts are cut short (earlier parts survive)
  kCompoundTooDeep,    // compound/compress layers nested beyond kMaxNesting
  kCompressed,         // a compressed message that does not decompress (body, algorithm, LZW,
                       // over the size limit), or one in a packet unwrapped without scratch
  kEncrypted,          // an encrypted stream message where no decryption is done (transport.h)
};
inline constexpr size_t kMlErrorCount = 24;
using MlErrorCounts = std::array<uint64_t, kMlErrorCount>;
const char* ml_error_name(MlError e);
inline void count(MlErrorCounts& counts, MlError e) {
  ++counts[static_cast<size_t>(e)];
}

// --- encoding: each appends the type byte and the body to `out` ------------------------------

void encode(const Ping& m, std::vector<uint8_t>& out);
void encode(const IndirectPingReq& m, std::vector<uint8_t>& out);
void encode(const AckResp& m, std::vector<uint8_t>& out);
void encode(const NackResp& m, std::vector<uint8_t>& out);
void encode(const Suspect& m, std::vector<uint8_t>& out);
void encode(const Alive& m, std::vector<uint8_t>& out);
void encode(const Dead& m, std::vector<uint8_t>& out);
void encode(const ErrResp& m, std::vector<uint8_t>& out);
// 06 + pushPullHeader{Join, Nodes, UserStateLen} + each pushNodeState + the raw user state.
void encode(const PushPull& m, std::vector<uint8_t>& out);
// Only the msgpack body of one pushNodeState (no type byte), as push-pull carries them.
void encode_body(const PushNodeState& s, std::vector<uint8_t>& out);
// A user message in a packet: 08 + the delegate's bytes (a Serf message).
void encode_user(std::span<const uint8_t> payload, std::vector<uint8_t>& out);
// A reliable user message on a stream: 08 + userMsgHeader{UserMsgLen} + the delegate's bytes.
void encode_user_stream(std::span<const uint8_t> payload, std::vector<uint8_t>& out);

// --- decoding one body (the bytes after the type byte); `out` is reset first -----------------

std::optional<MlError> decode(std::span<const uint8_t> body, Ping& out);
std::optional<MlError> decode(std::span<const uint8_t> body, IndirectPingReq& out);
std::optional<MlError> decode(std::span<const uint8_t> body, AckResp& out);
std::optional<MlError> decode(std::span<const uint8_t> body, NackResp& out);
std::optional<MlError> decode(std::span<const uint8_t> body, Suspect& out);
std::optional<MlError> decode(std::span<const uint8_t> body, Alive& out);
std::optional<MlError> decode(std::span<const uint8_t> body, Dead& out);
std::optional<MlError> decode(std::span<const uint8_t> body, ErrResp& out);
// The body of a push-pull (after 06): at most max_nodes states and kMaxStreamBytes of user state.
std::optional<MlError> decode_push_pull(std::span<const uint8_t> body, PushPull& out,
                                        size_t max_nodes);

// --- packet framing -----------------------------------------------------------------------------

// Bytes a compound of `parts` messages adds around them.
constexpr size_t compound_overhead(size_t parts) {
  return kCompoundHeaderOverhead + kCompoundPartOverhead * parts;
}
// 07 | count (u8) | count x length (u16 BE) | the parts. At most kMaxCompoundParts parts of at
// most kMaxCompoundPartBytes each: callers keep to that (asserted).
void encode_compound(std::span<const std::span<const uint8_t>> parts, std::vector<uint8_t>& out);
// 0c | CRC32 (IEEE, big-endian) of msg | msg.
void wrap_crc(std::span<const uint8_t> msg, std::vector<uint8_t>& out);
// The packet of messages laid end to end in `bodies` (message i is lens[i] bytes): the message
// alone when there is one, else a compound; CRC-wrapped when `with_crc`. Byte for byte what
// encode_compound and wrap_crc make, assembled in `out` (cleared) with one allocation at most.
void encode_packet(std::span<const uint8_t> bodies, std::span<const size_t> lens, bool with_crc,
                   std::vector<uint8_t>& out);
// Bytes a label adds: 0 for none, else 2 + its length.
constexpr size_t label_overhead(std::string_view label) {
  return label.empty() ? 0 : 2 + label.size();
}
// Appends the label header F4 | length | label, or nothing for an empty label (memberlist does
// the same). A label is 1..kMaxLabelBytes bytes (asserted; config validation checks it).
void append_label_header(std::string_view label, std::vector<uint8_t>& out);
// Checks and strips a label header by memberlist >= 0.3.0's rules: the label must be exactly
// `expected`, and absent when none is expected. `rest` is what follows it.
std::optional<MlError> strip_label(std::span<const uint8_t> bytes, std::string_view expected,
                                   std::span<const uint8_t>& rest);
// The label header, then msg.
void wrap_label(std::string_view label, std::span<const uint8_t> msg, std::vector<uint8_t>& out);

// One message found in a packet: its type and its body (after the type byte), a view into the
// packet. type is one of ping, indirectPing, ack, nack, suspect, alive, dead, user.
struct PacketPart {
  MsgType type;
  std::span<const uint8_t> body;
};

// Where unwrap_packet decompresses compressed messages: the parts it returns may point into
// these buffers, so they live as long as the parts are used. Reused from call to call.
class UnwrapScratch {
 public:
  void reset() { used_ = 0; }
  std::vector<uint8_t>& next() {
    if (used_ == buffers_.size()) buffers_.emplace_back();
    return buffers_[used_++];
  }

 private:
  std::deque<std::vector<uint8_t>> buffers_;  // a deque: a new buffer moves no earlier one
  size_t used_ = 0;
};

// Undoes a packet's framing as memberlist's ingestPacket does: checks and strips the label,
// checks and strips hasCrc (only at the outermost layer; a mismatch drops the packet), then
// recurses into compounds (parts read before a truncated tail survive). Appends every message
// found, in order, to `parts` (not cleared) and counts each problem in `errors`. The bodies are
// not decoded here.
// Compressed messages (at any depth, within kMaxNesting) are decompressed into `scratch`
// (reset first), which must then outlive the parts; without scratch they count as kCompressed.
void unwrap_packet(std::span<const uint8_t> packet, std::string_view expected_label,
                   std::vector<PacketPart>& parts, MlErrorCounts& errors,
                   UnwrapScratch* scratch = nullptr);

// --- streams --------------------------------------------------------------------------------

// What one TCP stream (one exchange, one message) carried. Only the member for `type` is set.
struct StreamMessage {
  MsgType type = MsgType::kPing;
  Ping ping;                  // kPing: a TCP fallback ping
  AckResp ack;                // kAck: its answer
  PushPull push_pull;         // kPushPull: join or anti-entropy state
  std::vector<uint8_t> user;  // kUser: a reliable user message's bytes (a Serf message)
  ErrResp err;                // kErr: the remote's error
};

// The message a stream carried, with its label checked and stripped and, if memberlist
// compressed it (always, by default), decompressed into `scratch` (up to kMaxStreamBytes):
// `msg` is then a view into `bytes` or into `scratch`. A compressed message inside a compressed
// one is kUnexpectedType, as memberlist reads only one layer.
std::optional<MlError> unwrap_stream(std::span<const uint8_t> bytes,
                                     std::string_view expected_label, std::vector<uint8_t>& scratch,
                                     std::span<const uint8_t>& msg);

// Decodes the message a stream carried (`bytes` = everything read, label first if any;
// unwrap_stream's rules). On failure counts the error in `errors` and returns it too.
std::optional<MlError> decode_stream(std::span<const uint8_t> bytes,
                                     std::string_view expected_label, StreamMessage& out,
                                     MlErrorCounts& errors, size_t max_nodes);

// The byte length of the first complete stream message (label included) once `prefix` holds
// all of it; std::nullopt while more bytes are needed, or, with *malformed set, when the bytes
// can never become a valid message (bad msgpack, unknown type, over kMaxStreamBytes, ...).
// Encrypted messages (0x0a + u32 length) are sized though not decodable. It parses from the
// start on every call: a driver should call it again only once the buffer has grown a lot
// (doubling keeps the total work linear).
std::optional<size_t> stream_frame_size(std::span<const uint8_t> prefix,
                                        std::optional<MlError>* malformed = nullptr);

}  // namespace rumor::core::wire::ml
