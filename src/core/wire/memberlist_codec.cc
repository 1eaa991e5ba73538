#include "core/wire/memberlist_codec.h"

#include <zlib.h>

#include <limits>
#include <string>

#include "base/assert.h"
#include "core/wire/compress_message.h"
#include "core/wire/go_msgpack.h"

namespace rumor::core::wire::ml {
namespace {

using gomsgpack::Encoder;
using gomsgpack::Reader;
using Object = msgpack::object;
using Field = std::optional<MlError>;

constexpr uint8_t kLabelByte = static_cast<uint8_t>(MsgType::kHasLabel);
constexpr size_t kNoLimit = std::numeric_limits<size_t>::max();

// Struct maps have at most 8 keys; bigger containers can only be unknown fields, and 1024
// elements bound what msgpack-cxx allocates for a lying count. Strings are views into the input,
// never copied while parsing, so their limit is the largest input there is: a stream message.
constexpr gomsgpack::Limits kLimits{1024, kMaxStreamBytes, 8};

// Go's declaration order of each struct's fields (memberlist net.go): the order of the array
// form of a struct, which go-msgpack decodes too.
constexpr std::string_view kPingOrder[] = {"SeqNo", "Node", "SourceAddr", "SourcePort",
                                           "SourceNode"};
constexpr std::string_view kIndirectOrder[] = {"SeqNo", "Target",     "Port",       "Node",
                                               "Nack",  "SourceAddr", "SourcePort", "SourceNode"};
constexpr std::string_view kAckOrder[] = {"SeqNo", "Payload"};
constexpr std::string_view kNackOrder[] = {"SeqNo"};
constexpr std::string_view kErrOrder[] = {"Error"};
constexpr std::string_view kSuspectOrder[] = {"Incarnation", "Node", "From"};
constexpr std::string_view kAliveOrder[] = {"Incarnation", "Node", "Addr", "Port", "Meta", "Vsn"};
constexpr std::string_view kDeadOrder[] = {"Incarnation", "Node", "From"};
constexpr std::string_view kHeaderOrder[] = {"Nodes", "UserStateLen", "Join"};
constexpr std::string_view kUserHeaderOrder[] = {"UserMsgLen"};
constexpr std::string_view kStateOrder[] = {"Name",        "Addr",  "Port", "Meta",
                                            "Incarnation", "State", "Vsn"};

MlError lift(gomsgpack::Error e) {
  switch (e) {
    case gomsgpack::Error::kTruncated:
      return MlError::kTruncated;
    case gomsgpack::Error::kBadMsgpack:
      return MlError::kBadMsgpack;
    case gomsgpack::Error::kLimit:
      return MlError::kMsgpackLimit;
    case gomsgpack::Error::kTooDeep:
      return MlError::kMsgpackTooDeep;
    case gomsgpack::Error::kWrongType:
      return MlError::kWrongFieldType;
    case gomsgpack::Error::kOutOfRange:
    case gomsgpack::Error::kTooLong:
      return MlError::kFieldRange;
  }
  return MlError::kBadMsgpack;
}

Field lift(std::optional<gomsgpack::Error> e) {
  if (!e) return std::nullopt;
  return lift(*e);
}

// A string-ish field with its own size limit and error.
Field lift(std::optional<gomsgpack::Error> e, MlError too_long) {
  if (e == gomsgpack::Error::kTooLong) return too_long;
  return lift(e);
}

template <typename T>
Field get_uint(const Object& v, T& out) {
  return lift(gomsgpack::read_unsigned(v, out));
}
Field get_bool(const Object& v, bool& out) {
  return lift(gomsgpack::read_bool(v, out));
}
Field get_name(const Object& v, std::string& out) {
  return lift(gomsgpack::read_str(v, kMaxNameBytes, out), MlError::kNameTooLong);
}
Field get_string(const Object& v, std::string& out) {
  return lift(gomsgpack::read_str(v, kNoLimit, out));
}
Field get_bytes(const Object& v, Bytes& out, size_t max_len = kNoLimit,
                MlError too_long = MlError::kFieldRange) {
  return lift(gomsgpack::read_bytes(v, max_len, out.data, out.is_nil), too_long);
}
// An omitempty []byte: the wire cannot tell an empty one from nil (Go leaves both out), so an
// empty one reads as nil and the decoded value re-encodes to itself.
Field get_omitempty_bytes(const Object& v, Bytes& out) {
  if (auto e = get_bytes(v, out)) return e;
  if (out.data.empty()) out.is_nil = true;
  return std::nullopt;
}
// A Go `int` count (Nodes, UserStateLen, UserMsgLen): negative is out of range.
Field get_count(const Object& v, size_t& out) {
  int64_t n = 0;
  if (auto e = lift(gomsgpack::read_int(v, std::numeric_limits<int64_t>::min(),
                                        std::numeric_limits<int64_t>::max(), n))) {
    return e;
  }
  if (n < 0) return MlError::kFieldRange;
  out = static_cast<size_t>(n);
  return std::nullopt;
}

template <typename F>
Field walk(const Object& o, std::span<const std::string_view> order, F&& field) {
  return gomsgpack::read_struct<MlError>(o, order, MlError::kWrongFieldType,
                                         std::forward<F>(field));
}

// --- per-struct field tables: fill from a decoded msgpack value --------------------------------

Field fill(const Object& o, Ping& m) {
  return walk(o, kPingOrder, [&](std::string_view k, const Object& v) -> Field {
    if (k == "SeqNo") return get_uint(v, m.seq_no);
    if (k == "Node") return get_name(v, m.node);
    if (k == "SourceAddr") return get_omitempty_bytes(v, m.source_addr);
    if (k == "SourcePort") return get_uint(v, m.source_port);
    if (k == "SourceNode") return get_name(v, m.source_node);
    return std::nullopt;
  });
}

Field fill(const Object& o, IndirectPingReq& m) {
  return walk(o, kIndirectOrder, [&](std::string_view k, const Object& v) -> Field {
    if (k == "SeqNo") return get_uint(v, m.seq_no);
    if (k == "Target") return get_bytes(v, m.target);
    if (k == "Port") return get_uint(v, m.port);
    if (k == "Node") return get_name(v, m.node);
    if (k == "Nack") return get_bool(v, m.nack);
    if (k == "SourceAddr") return get_omitempty_bytes(v, m.source_addr);
    if (k == "SourcePort") return get_uint(v, m.source_port);
    if (k == "SourceNode") return get_name(v, m.source_node);
    return std::nullopt;
  });
}

Field fill(const Object& o, AckResp& m) {
  return walk(o, kAckOrder, [&](std::string_view k, const Object& v) -> Field {
    if (k == "SeqNo") return get_uint(v, m.seq_no);
    if (k == "Payload") return get_bytes(v, m.payload);
    return std::nullopt;
  });
}

Field fill(const Object& o, NackResp& m) {
  return walk(o, kNackOrder, [&](std::string_view k, const Object& v) -> Field {
    if (k == "SeqNo") return get_uint(v, m.seq_no);
    return std::nullopt;
  });
}

Field fill(const Object& o, ErrResp& m) {
  return walk(o, kErrOrder, [&](std::string_view k, const Object& v) -> Field {
    if (k == "Error") return get_string(v, m.error);
    return std::nullopt;
  });
}

Field fill(const Object& o, Suspect& m) {
  return walk(o, kSuspectOrder, [&](std::string_view k, const Object& v) -> Field {
    if (k == "Incarnation") return get_uint(v, m.incarnation);
    if (k == "Node") return get_name(v, m.node);
    if (k == "From") return get_name(v, m.from);
    return std::nullopt;
  });
}

Field fill(const Object& o, Dead& m) {
  return walk(o, kDeadOrder, [&](std::string_view k, const Object& v) -> Field {
    if (k == "Incarnation") return get_uint(v, m.incarnation);
    if (k == "Node") return get_name(v, m.node);
    if (k == "From") return get_name(v, m.from);
    return std::nullopt;
  });
}

Field fill(const Object& o, Alive& m) {
  return walk(o, kAliveOrder, [&](std::string_view k, const Object& v) -> Field {
    if (k == "Incarnation") return get_uint(v, m.incarnation);
    if (k == "Node") return get_name(v, m.node);
    if (k == "Addr") return get_bytes(v, m.addr);
    if (k == "Port") return get_uint(v, m.port);
    if (k == "Meta") return get_bytes(v, m.meta, kMaxMetaBytes, MlError::kMetaTooLong);
    if (k == "Vsn") return get_bytes(v, m.vsn);
    return std::nullopt;
  });
}

Field fill(const Object& o, PushNodeState& m) {
  return walk(o, kStateOrder, [&](std::string_view k, const Object& v) -> Field {
    if (k == "Name") return get_name(v, m.name);
    if (k == "Addr") return get_bytes(v, m.addr);
    if (k == "Port") return get_uint(v, m.port);
    if (k == "Meta") return get_bytes(v, m.meta, kMaxMetaBytes, MlError::kMetaTooLong);
    if (k == "Incarnation") return get_uint(v, m.incarnation);
    if (k == "State") {
      // A Go int: any integer width, but only the four states memberlist defines.
      int64_t s = 0;
      if (auto e = lift(gomsgpack::read_int(v, 0, static_cast<int64_t>(WireState::kLeft), s))) {
        return e;
      }
      m.state = static_cast<WireState>(s);
      return std::nullopt;
    }
    if (k == "Vsn") return get_bytes(v, m.vsn);
    return std::nullopt;
  });
}

struct PushPullHeader {
  bool join = false;
  size_t nodes = 0;
  size_t user_state_len = 0;
};

Field fill(const Object& o, PushPullHeader& m) {
  return walk(o, kHeaderOrder, [&](std::string_view k, const Object& v) -> Field {
    if (k == "Nodes") return get_count(v, m.nodes);
    if (k == "UserStateLen") return get_count(v, m.user_state_len);
    if (k == "Join") return get_bool(v, m.join);
    return std::nullopt;
  });
}

struct UserMsgHeader {
  size_t user_msg_len = 0;
};

Field fill(const Object& o, UserMsgHeader& m) {
  return walk(o, kUserHeaderOrder, [&](std::string_view k, const Object& v) -> Field {
    if (k == "UserMsgLen") return get_count(v, m.user_msg_len);
    return std::nullopt;
  });
}

// Reads the next object from `r` into a fresh T.
template <typename T>
Field read_next(Reader& r, T& out) {
  out = T{};
  Object o;
  if (auto e = r.next(o)) return lift(*e);
  return fill(o, out);
}

// One struct body as a packet carries it; bytes after the struct are ignored, as Go does.
template <typename T>
Field decode_body(std::span<const uint8_t> body, T& out) {
  Reader r(body, kLimits);
  return read_next(r, out);
}

// --- encoding ---------------------------------------------------------------------------------

void put_type(MsgType t, std::vector<uint8_t>& out) {
  out.push_back(static_cast<uint8_t>(t));
}

// A Go []byte that is not omitempty: nil goes out as nil, anything else as a str. A Bytes that
// holds data is never nil, whatever its flag says.
void put_bytes(Encoder& e, const Bytes& b) {
  if (b.is_nil && b.data.empty()) {
    e.nil();
  } else {
    e.bytes(b.data);
  }
}

void put_body(Encoder& e, const PushNodeState& s) {
  e.map_header(7);
  e.str("Addr");
  put_bytes(e, s.addr);
  e.str("Incarnation");
  e.uint(s.incarnation);
  e.str("Meta");
  put_bytes(e, s.meta);
  e.str("Name");
  e.str(s.name);
  e.str("Port");
  e.uint(s.port);
  e.str("State");
  e.uint(static_cast<uint8_t>(s.state));
  e.str("Vsn");
  put_bytes(e, s.vsn);
}

uint32_t be32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

uint32_t crc32_ieee(std::span<const uint8_t> bytes) {
  return static_cast<uint32_t>(crc32_z(0, bytes.data(), bytes.size()));
}

// --- framing ------------------------------------------------------------------------------------

// The label rules strip_label (memberlist_codec.h) states.
Field strip_label_header(std::span<const uint8_t> bytes, std::string_view expected,
                         std::span<const uint8_t>& rest) {
  if (bytes.empty() || bytes[0] != kLabelByte) {
    if (!expected.empty()) return MlError::kMissingLabel;
    rest = bytes;
    return std::nullopt;
  }
  if (bytes.size() < 2 || bytes[1] == 0 || bytes.size() < 2 + size_t{bytes[1]}) {
    return MlError::kBadLabel;
  }
  const size_t n = bytes[1];
  const std::string_view label(reinterpret_cast<const char*>(bytes.data() + 2), n);
  if (expected.empty()) return MlError::kUnexpectedLabel;
  if (label != expected) return MlError::kWrongLabel;
  rest = bytes.subspan(2 + n);
  return std::nullopt;
}

void dispatch(std::span<const uint8_t> msg, int depth, std::vector<PacketPart>& parts,
              MlErrorCounts& errors, UnwrapScratch* scratch);

// memberlist's decodeCompoundMessage, then each part in order.
void split_compound(std::span<const uint8_t> body, int depth, std::vector<PacketPart>& parts,
                    MlErrorCounts& errors, UnwrapScratch* scratch) {
  if (body.empty()) {
    count(errors, MlError::kCompoundBadHeader);
    return;
  }
  const size_t n = body[0];
  size_t offset = 1 + 2 * n;
  if (body.size() < offset) {
    count(errors, MlError::kCompoundBadHeader);
    return;
  }
  for (size_t i = 0; i < n; ++i) {
    const size_t len = (size_t{body[1 + 2 * i]} << 8) | body[2 + 2 * i];
    if (body.size() - offset < len) {
      count(errors, MlError::kCompoundTruncated);
      return;
    }
    dispatch(body.subspan(offset, len), depth + 1, parts, errors, scratch);
    offset += len;
  }
}

void dispatch(std::span<const uint8_t> msg, int depth, std::vector<PacketPart>& parts,
              MlErrorCounts& errors, UnwrapScratch* scratch) {
  if (msg.empty()) {
    count(errors, MlError::kEmpty);
    return;
  }
  const auto type = static_cast<MsgType>(msg[0]);
  switch (type) {
    case MsgType::kPing:
    case MsgType::kIndirectPing:
    case MsgType::kAck:
    case MsgType::kSuspect:
    case MsgType::kAlive:
    case MsgType::kDead:
    case MsgType::kUser:
    case MsgType::kNack:
      parts.push_back(PacketPart{type, msg.subspan(1)});
      return;
    case MsgType::kCompound:
      if (depth >= kMaxNesting) {
        count(errors, MlError::kCompoundTooDeep);
        return;
      }
      split_compound(msg.subspan(1), depth, parts, errors, scratch);
      return;
    case MsgType::kCompress: {
      if (depth >= kMaxNesting) {
        count(errors, MlError::kCompoundTooDeep);
        return;
      }
      if (scratch == nullptr) {
        count(errors, MlError::kCompressed);
        return;
      }
      std::vector<uint8_t>& plain = scratch->next();
      if (decode_compressed(msg.subspan(1), kMaxPacketBytes, plain)) {
        count(errors, MlError::kCompressed);
        return;
      }
      dispatch(plain, depth + 1, parts, errors, scratch);
      return;
    }
    case MsgType::kEncrypt:
      count(errors, MlError::kEncrypted);
      return;
    case MsgType::kPushPull:
    case MsgType::kHasCrc:
    case MsgType::kErr:
    case MsgType::kHasLabel:
      count(errors, MlError::kUnexpectedType);
      return;
  }
  count(errors, MlError::kUnknownType);
}

// --- streams ------------------------------------------------------------------------------------

// Whether the type byte, `msgpack_bytes` of headers and `raw_bytes` of declared user bytes
// together fit the stream limit.
bool fits_stream(size_t msgpack_bytes, size_t raw_bytes) {
  const size_t used = 1 + msgpack_bytes;
  return used <= kMaxStreamBytes && raw_bytes <= kMaxStreamBytes - used;
}

// The push-pull body after 06: header, states, user bytes. `out` may be null (sizing only);
// `consumed` is the body's length once complete.
Field read_push_pull(std::span<const uint8_t> body, PushPull* out, size_t max_nodes,
                     size_t& consumed) {
  Reader r(body, kLimits);
  PushPullHeader header;
  if (auto e = read_next(r, header)) return e;
  if (header.nodes > max_nodes) return MlError::kTooManyNodes;
  if (header.user_state_len > kMaxStreamBytes) return MlError::kStreamTooLarge;
  // Every state takes at least one byte: a count the rest cannot hold is cut short, and is
  // caught before anything is reserved for it.
  if (header.nodes > r.remaining()) return MlError::kTruncated;
  if (out != nullptr) {
    out->join = header.join;
    out->nodes.clear();
    out->nodes.reserve(header.nodes);
    out->user_state.clear();
  }
  PushNodeState state;
  for (size_t i = 0; i < header.nodes; ++i) {
    if (auto e = read_next(r, state)) return e;
    if (out != nullptr) out->nodes.push_back(std::move(state));
    // The zone keeps every object read; free it now and then so a long push-pull stays small.
    if (i % 64 == 63) r.release();
  }
  if (!fits_stream(r.offset(), header.user_state_len)) return MlError::kStreamTooLarge;
  if (r.remaining() < header.user_state_len) return MlError::kTruncated;
  if (out != nullptr) {
    const auto user = r.rest().first(header.user_state_len);
    out->user_state.assign(user.begin(), user.end());
  }
  consumed = r.offset() + header.user_state_len;
  return std::nullopt;
}

// The reliable user message body after 08: userMsgHeader, then the bytes. `out` may be null.
Field read_user_stream(std::span<const uint8_t> body, std::vector<uint8_t>* out, size_t& consumed) {
  Reader r(body, kLimits);
  UserMsgHeader header;
  if (auto e = read_next(r, header)) return e;
  if (!fits_stream(r.offset(), header.user_msg_len)) return MlError::kStreamTooLarge;
  if (r.remaining() < header.user_msg_len) return MlError::kTruncated;
  if (out != nullptr) {
    const auto user = r.rest().first(header.user_msg_len);
    out->assign(user.begin(), user.end());
  }
  consumed = r.offset() + header.user_msg_len;
  return std::nullopt;
}

// One msgpack struct on a stream (ping, ack, errResp, compress): its length, and optionally T.
template <typename T>
Field read_stream_struct(std::span<const uint8_t> body, T* out, size_t& consumed) {
  Reader r(body, kLimits);
  if (out != nullptr) {
    if (auto e = read_next(r, *out)) return e;
  } else {
    Object o;
    if (auto e = r.next(o)) return lift(*e);
  }
  consumed = r.offset();
  return std::nullopt;
}

bool is_defined_type(uint8_t b) {
  return b <= static_cast<uint8_t>(MsgType::kErr) || b == kLabelByte;
}

}  // namespace

const char* ml_error_name(MlError e) {
  switch (e) {
    case MlError::kEmpty:
      return "empty";
    case MlError::kTruncated:
      return "truncated";
    case MlError::kBadMsgpack:
      return "bad_msgpack";
    case MlError::kMsgpackLimit:
      return "msgpack_limit";
    case MlError::kMsgpackTooDeep:
      return "msgpack_too_deep";
    case MlError::kWrongFieldType:
      return "wrong_field_type";
    case MlError::kFieldRange:
      return "field_range";
    case MlError::kPacketTooLarge:
      return "packet_too_large";
    case MlError::kNameTooLong:
      return "name_too_long";
    case MlError::kMetaTooLong:
      return "meta_too_long";
    case MlError::kStreamTooLarge:
      return "stream_too_large";
    case MlError::kTooManyNodes:
      return "too_many_nodes";
    case MlError::kBadCrc:
      return "bad_crc";
    case MlError::kUnknownType:
      return "unknown_type";
    case MlError::kUnexpectedType:
      return "unexpected_type";
    case MlError::kBadLabel:
      return "bad_label";
    case MlError::kMissingLabel:
      return "missing_label";
    case MlError::kUnexpectedLabel:
      return "unexpected_label";
    case MlError::kWrongLabel:
      return "wrong_label";
    case MlError::kCompoundBadHeader:
      return "compound_bad_header";
    case MlError::kCompoundTruncated:
      return "compound_truncated";
    case MlError::kCompoundTooDeep:
      return "compound_too_deep";
    case MlError::kCompressed:
      return "bad_compressed";
    case MlError::kEncrypted:
      return "encrypted_unsupported";
  }
  return "unknown";
}

// ---- encoding ----------------------------------------------------------------------------
// Keys go out sorted by byte value, as go-msgpack sorts struct fields; omitempty fields (only
// ping's and indirectPingReq's Source*) are left out when zero or empty.

namespace {

// How many of the omitempty Source* fields a ping or ping-req carries.
template <typename M>
uint32_t source_fields(const M& m) {
  return uint32_t{!m.source_addr.empty()} + uint32_t{!m.source_node.empty()} +
         uint32_t{m.source_port != 0};
}

// The Source* fields that are set, in key order (they sort together in both messages).
template <typename M>
void put_source(Encoder& e, const M& m) {
  if (!m.source_addr.empty()) {
    e.str("SourceAddr");
    e.bytes(m.source_addr.data);
  }
  if (!m.source_node.empty()) {
    e.str("SourceNode");
    e.str(m.source_node);
  }
  if (m.source_port != 0) {
    e.str("SourcePort");
    e.uint(m.source_port);
  }
}

}  // namespace

void encode(const Ping& m, std::vector<uint8_t>& out) {
  put_type(MsgType::kPing, out);
  Encoder e(out);
  e.map_header(2 + source_fields(m));
  e.str("Node");
  e.str(m.node);
  e.str("SeqNo");
  e.uint(m.seq_no);
  put_source(e, m);
}

void encode(const IndirectPingReq& m, std::vector<uint8_t>& out) {
  put_type(MsgType::kIndirectPing, out);
  Encoder e(out);
  e.map_header(5 + source_fields(m));
  e.str("Nack");
  e.boolean(m.nack);
  e.str("Node");
  e.str(m.node);
  e.str("Port");
  e.uint(m.port);
  e.str("SeqNo");
  e.uint(m.seq_no);
  put_source(e, m);
  e.str("Target");
  put_bytes(e, m.target);
}

void encode(const AckResp& m, std::vector<uint8_t>& out) {
  put_type(MsgType::kAck, out);
  Encoder e(out);
  e.map_header(2);
  e.str("Payload");
  put_bytes(e, m.payload);
  e.str("SeqNo");
  e.uint(m.seq_no);
}

void encode(const NackResp& m, std::vector<uint8_t>& out) {
  put_type(MsgType::kNack, out);
  Encoder e(out);
  e.map_header(1);
  e.str("SeqNo");
  e.uint(m.seq_no);
}

void encode(const Suspect& m, std::vector<uint8_t>& out) {
  put_type(MsgType::kSuspect, out);
  Encoder e(out);
  e.map_header(3);
  e.str("From");
  e.str(m.from);
  e.str("Incarnation");
  e.uint(m.incarnation);
  e.str("Node");
  e.str(m.node);
}

void encode(const Alive& m, std::vector<uint8_t>& out) {
  put_type(MsgType::kAlive, out);
  Encoder e(out);
  e.map_header(6);
  e.str("Addr");
  put_bytes(e, m.addr);
  e.str("Incarnation");
  e.uint(m.incarnation);
  e.str("Meta");
  put_bytes(e, m.meta);
  e.str("Node");
  e.str(m.node);
  e.str("Port");
  e.uint(m.port);
  e.str("Vsn");
  put_bytes(e, m.vsn);
}

void encode(const Dead& m, std::vector<uint8_t>& out) {
  put_type(MsgType::kDead, out);
  Encoder e(out);
  e.map_header(3);
  e.str("From");
  e.str(m.from);
  e.str("Incarnation");
  e.uint(m.incarnation);
  e.str("Node");
  e.str(m.node);
}

void encode(const ErrResp& m, std::vector<uint8_t>& out) {
  put_type(MsgType::kErr, out);
  Encoder e(out);
  e.map_header(1);
  e.str("Error");
  e.str(m.error);
}

void encode(const PushPull& m, std::vector<uint8_t>& out) {
  put_type(MsgType::kPushPull, out);
  Encoder e(out);
  e.map_header(3);
  e.str("Join");
  e.boolean(m.join);
  e.str("Nodes");
  e.uint(m.nodes.size());
  e.str("UserStateLen");
  e.uint(m.user_state.size());
  for (const PushNodeState& s : m.nodes)
    put_body(e, s);
  out.insert(out.end(), m.user_state.begin(), m.user_state.end());
}

void encode_body(const PushNodeState& s, std::vector<uint8_t>& out) {
  Encoder e(out);
  put_body(e, s);
}

void encode_user(std::span<const uint8_t> payload, std::vector<uint8_t>& out) {
  put_type(MsgType::kUser, out);
  out.insert(out.end(), payload.begin(), payload.end());
}

void encode_user_stream(std::span<const uint8_t> payload, std::vector<uint8_t>& out) {
  put_type(MsgType::kUser, out);
  Encoder e(out);
  e.map_header(1);
  e.str("UserMsgLen");
  e.uint(payload.size());
  out.insert(out.end(), payload.begin(), payload.end());
}

// ---- decoding ----------------------------------------------------------------------------

std::optional<MlError> decode(std::span<const uint8_t> body, Ping& out) {
  return decode_body(body, out);
}
std::optional<MlError> decode(std::span<const uint8_t> body, IndirectPingReq& out) {
  return decode_body(body, out);
}
std::optional<MlError> decode(std::span<const uint8_t> body, AckResp& out) {
  return decode_body(body, out);
}
std::optional<MlError> decode(std::span<const uint8_t> body, NackResp& out) {
  return decode_body(body, out);
}
std::optional<MlError> decode(std::span<const uint8_t> body, Suspect& out) {
  return decode_body(body, out);
}
std::optional<MlError> decode(std::span<const uint8_t> body, Alive& out) {
  return decode_body(body, out);
}
std::optional<MlError> decode(std::span<const uint8_t> body, Dead& out) {
  return decode_body(body, out);
}
std::optional<MlError> decode(std::span<const uint8_t> body, ErrResp& out) {
  return decode_body(body, out);
}

std::optional<MlError> decode_push_pull(std::span<const uint8_t> body, PushPull& out,
                                        size_t max_nodes) {
  size_t consumed = 0;
  return read_push_pull(body, &out, max_nodes, consumed);
}

// --- framing ------------------------------------------------------------------------------------

void encode_compound(std::span<const std::span<const uint8_t>> parts, std::vector<uint8_t>& out) {
  RUMOR_ASSERT(parts.size() <= kMaxCompoundParts, "a compound holds at most 255 messages");
  put_type(MsgType::kCompound, out);
  out.push_back(static_cast<uint8_t>(parts.size()));
  for (const auto& p : parts) {
    RUMOR_ASSERT(p.size() <= kMaxCompoundPartBytes, "a compound part is at most 65535 bytes");
    out.push_back(static_cast<uint8_t>(p.size() >> 8));
    out.push_back(static_cast<uint8_t>(p.size()));
  }
  for (const auto& p : parts)
    out.insert(out.end(), p.begin(), p.end());
}

void wrap_crc(std::span<const uint8_t> msg, std::vector<uint8_t>& out) {
  const uint32_t crc = crc32_ieee(msg);
  put_type(MsgType::kHasCrc, out);
  out.push_back(static_cast<uint8_t>(crc >> 24));
  out.push_back(static_cast<uint8_t>(crc >> 16));
  out.push_back(static_cast<uint8_t>(crc >> 8));
  out.push_back(static_cast<uint8_t>(crc));
  out.insert(out.end(), msg.begin(), msg.end());
}

void encode_packet(std::span<const uint8_t> bodies, std::span<const size_t> lens, bool with_crc,
                   std::vector<uint8_t>& out) {
  RUMOR_ASSERT(!lens.empty() && lens.size() <= kMaxCompoundParts, "a packet holds 1..255 messages");
  const size_t crc_header = with_crc ? 5 : 0;
  const size_t compound_header = lens.size() == 1 ? 0 : 2 + 2 * lens.size();
  out.clear();
  out.reserve(crc_header + compound_header + bodies.size());
  out.resize(crc_header);
  if (compound_header > 0) {
    put_type(MsgType::kCompound, out);
    out.push_back(static_cast<uint8_t>(lens.size()));
    for (const size_t len : lens) {
      RUMOR_ASSERT(len <= kMaxCompoundPartBytes, "a compound part is at most 65535 bytes");
      out.push_back(static_cast<uint8_t>(len >> 8));
      out.push_back(static_cast<uint8_t>(len));
    }
  }
  out.insert(out.end(), bodies.begin(), bodies.end());
  if (!with_crc) return;
  const uint32_t crc = crc32_ieee(std::span<const uint8_t>(out).subspan(crc_header));
  out[0] = static_cast<uint8_t>(MsgType::kHasCrc);
  out[1] = static_cast<uint8_t>(crc >> 24);
  out[2] = static_cast<uint8_t>(crc >> 16);
  out[3] = static_cast<uint8_t>(crc >> 8);
  out[4] = static_cast<uint8_t>(crc);
}

std::optional<MlError> strip_label(std::span<const uint8_t> bytes, std::string_view expected,
                                   std::span<const uint8_t>& rest) {
  return strip_label_header(bytes, expected, rest);
}

void append_label_header(std::string_view label, std::vector<uint8_t>& out) {
  if (label.empty()) return;
  RUMOR_ASSERT(label.size() <= kMaxLabelBytes, "a label is at most 255 bytes");
  out.push_back(kLabelByte);
  out.push_back(static_cast<uint8_t>(label.size()));
  out.insert(out.end(), label.begin(), label.end());
}

void wrap_label(std::string_view label, std::span<const uint8_t> msg, std::vector<uint8_t>& out) {
  append_label_header(label, out);
  out.insert(out.end(), msg.begin(), msg.end());
}

void unwrap_packet(std::span<const uint8_t> packet, std::string_view expected_label,
                   std::vector<PacketPart>& parts, MlErrorCounts& errors, UnwrapScratch* scratch) {
  if (scratch != nullptr) scratch->reset();
  if (packet.empty()) {
    count(errors, MlError::kEmpty);
    return;
  }
  if (packet.size() > kMaxPacketBytes) {
    count(errors, MlError::kPacketTooLarge);
    return;
  }
  std::span<const uint8_t> msg;
  if (auto e = strip_label_header(packet, expected_label, msg)) {
    count(errors, *e);
    return;
  }
  if (!msg.empty() && msg[0] == static_cast<uint8_t>(MsgType::kHasCrc)) {
    if (msg.size() < kCrcOverhead) {
      count(errors, MlError::kTruncated);
      return;
    }
    if (be32(msg.data() + 1) != crc32_ieee(msg.subspan(kCrcOverhead))) {
      count(errors, MlError::kBadCrc);
      return;
    }
    msg = msg.subspan(kCrcOverhead);
  }
  dispatch(msg, 0, parts, errors, scratch);
}

std::optional<MlError> unwrap_stream(std::span<const uint8_t> bytes,
                                     std::string_view expected_label, std::vector<uint8_t>& scratch,
                                     std::span<const uint8_t>& msg) {
  if (bytes.empty()) return MlError::kEmpty;
  if (auto e = strip_label_header(bytes, expected_label, msg)) return *e;
  if (msg.empty()) return MlError::kEmpty;
  if (msg.size() > kMaxStreamBytes) return MlError::kStreamTooLarge;
  if (msg[0] != static_cast<uint8_t>(MsgType::kCompress)) return std::nullopt;
  if (decode_compressed(msg.subspan(1), kMaxStreamBytes, scratch)) return MlError::kCompressed;
  msg = scratch;
  if (msg.empty()) return MlError::kEmpty;
  if (msg[0] == static_cast<uint8_t>(MsgType::kCompress)) return MlError::kUnexpectedType;
  return std::nullopt;
}

// --- streams ------------------------------------------------------------------------------------

std::optional<MlError> decode_stream(std::span<const uint8_t> bytes,
                                     std::string_view expected_label, StreamMessage& out,
                                     MlErrorCounts& errors, size_t max_nodes) {
  const auto fail = [&](MlError e) -> std::optional<MlError> {
    count(errors, e);
    return e;
  };
  std::vector<uint8_t> plain;
  std::span<const uint8_t> msg;
  if (auto e = unwrap_stream(bytes, expected_label, plain, msg)) return fail(*e);
  const auto body = msg.subspan(1);
  size_t consumed = 0;
  Field e;
  const auto type = static_cast<MsgType>(msg[0]);
  switch (type) {
    case MsgType::kPushPull:
      e = read_push_pull(body, &out.push_pull, max_nodes, consumed);
      break;
    case MsgType::kPing:
      e = read_stream_struct(body, &out.ping, consumed);
      break;
    case MsgType::kAck:
      e = read_stream_struct(body, &out.ack, consumed);
      break;
    case MsgType::kErr:
      e = read_stream_struct(body, &out.err, consumed);
      break;
    case MsgType::kUser:
      e = read_user_stream(body, &out.user, consumed);
      break;
    case MsgType::kCompress:  // unwrap_stream took one layer off: a second is not memberlist's
      e = MlError::kUnexpectedType;
      break;
    case MsgType::kEncrypt:
      e = MlError::kEncrypted;
      break;
    default:
      e = is_defined_type(msg[0]) ? MlError::kUnexpectedType : MlError::kUnknownType;
      break;
  }
  if (e) return fail(*e);
  out.type = type;
  return std::nullopt;
}

std::optional<size_t> stream_frame_size(std::span<const uint8_t> prefix,
                                        std::optional<MlError>* malformed) {
  if (malformed != nullptr) *malformed = std::nullopt;
  const auto bad = [&](MlError e) -> std::optional<size_t> {
    if (malformed != nullptr) *malformed = e;
    return std::nullopt;
  };
  size_t label = 0;
  if (!prefix.empty() && prefix[0] == kLabelByte) {
    if (prefix.size() < 2) return std::nullopt;
    if (prefix[1] == 0) return bad(MlError::kBadLabel);
    label = 2 + size_t{prefix[1]};
  }
  if (prefix.size() <= label) return std::nullopt;  // the type byte has not arrived
  auto msg = prefix.subspan(label);
  // Nothing past the stream limit is ever part of a valid message: parse no further.
  const bool over_limit = msg.size() > kMaxStreamBytes;
  if (over_limit) msg = msg.first(kMaxStreamBytes);
  const auto body = msg.subspan(1);

  size_t consumed = 0;
  Field e;
  switch (static_cast<MsgType>(msg[0])) {
    case MsgType::kEncrypt: {
      // 0a | u32 length | ciphertext: sized by its header (memberlist's decryptRemoteState).
      if (body.size() < 4) return std::nullopt;
      const size_t len = be32(body.data());
      if (len > kMaxStreamBytes) return bad(MlError::kStreamTooLarge);
      const size_t total = label + 5 + len;
      if (prefix.size() < total) return std::nullopt;
      return total;
    }
    case MsgType::kPushPull:
      e = read_push_pull(body, nullptr, kNoLimit, consumed);
      break;
    case MsgType::kUser:
      e = read_user_stream(body, nullptr, consumed);
      break;
    case MsgType::kPing:
    case MsgType::kAck:
    case MsgType::kErr:
    case MsgType::kCompress:
      e = read_stream_struct<Ping>(body, nullptr, consumed);
      break;
    default:
      return bad(is_defined_type(msg[0]) ? MlError::kUnexpectedType : MlError::kUnknownType);
  }
  if (e == MlError::kTruncated) {
    return over_limit ? bad(MlError::kStreamTooLarge) : std::nullopt;
  }
  if (e) return bad(*e);
  return label + 1 + consumed;
}

}  // namespace rumor::core::wire::ml
