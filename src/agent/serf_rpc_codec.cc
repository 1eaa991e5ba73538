#include "agent/serf_rpc_codec.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <span>
#include <utility>

namespace rumor::agent {

namespace gm = core::wire::gomsgpack;

namespace {

using Object = msgpack::object;
constexpr RpcDecodeError kWrongType = RpcDecodeError::kWrongType;

// ---- decoding helpers --------------------------------------------------------------------

template <typename F>
DecodeResult read_fields(const Object& o, std::span<const std::string_view> order, F&& field) {
  return gm::read_struct<RpcDecodeError>(o, order, kWrongType, std::forward<F>(field));
}

DecodeResult read_string(const Object& o, std::string& out) {
  return gm::read_str(o, kRpcMaxField, out);
}

DecodeResult read_payload(const Object& o, std::vector<uint8_t>& out) {
  bool is_nil = false;
  return gm::read_bytes(o, kRpcMaxField, out, is_nil);
}

DecodeResult read_string_list(const Object& o, std::vector<std::string>& out) {
  out.clear();
  if (o.type == msgpack::type::NIL) return std::nullopt;
  if (o.type != msgpack::type::ARRAY) return kWrongType;
  for (uint32_t i = 0; i < o.via.array.size; ++i) {
    std::string s;
    if (auto e = read_string(o.via.array.ptr[i], s)) return e;
    out.push_back(std::move(s));
  }
  return std::nullopt;
}

DecodeResult read_string_map(const Object& o, RpcTags& out) {
  out.clear();
  if (o.type == msgpack::type::NIL) return std::nullopt;
  if (o.type != msgpack::type::MAP) return kWrongType;
  for (uint32_t i = 0; i < o.via.map.size; ++i) {
    std::string k;
    std::string v;
    if (auto e = read_string(o.via.map.ptr[i].key, k)) return e;
    if (auto e = read_string(o.via.map.ptr[i].val, v)) return e;
    out[std::move(k)] = std::move(v);
  }
  return std::nullopt;
}

// ---- encoding helpers --------------------------------------------------------------------

// go-msgpack with WriteExt=true: str8 allowed for strings, bin for byte slices.
class Out {
 public:
  explicit Out(std::vector<uint8_t>& v) : sink_(v), packer_(sink_) {}
  void map(uint32_t n) { packer_.pack_map(n); }
  void array(uint32_t n) { packer_.pack_array(n); }
  void nil() { packer_.pack_nil(); }
  void boolean(bool b) { b ? packer_.pack_true() : packer_.pack_false(); }
  void uint(uint64_t v) { packer_.pack_uint64(v); }
  // Go's encodeInt: a non-negative value takes the unsigned forms.
  void sint(int64_t v) {
    if (v >= 0) {
      packer_.pack_uint64(static_cast<uint64_t>(v));
    } else {
      packer_.pack_int64(v);
    }
  }
  void f64(double v) { packer_.pack_double(v); }
  void str(std::string_view s) {
    packer_.pack_str(static_cast<uint32_t>(s.size()));
    packer_.pack_str_body(s.data(), static_cast<uint32_t>(s.size()));
  }
  // Empty slices go out as nil: the records Go writes carry nil slices, not empty ones.
  void bytes(const std::vector<uint8_t>& b) {
    if (b.empty()) return nil();
    packer_.pack_bin(static_cast<uint32_t>(b.size()));
    packer_.pack_bin_body(reinterpret_cast<const char*>(b.data()), static_cast<uint32_t>(b.size()));
  }
  void string_map(const std::map<std::string, std::string>& m) {
    map(static_cast<uint32_t>(m.size()));
    for (const auto& [k, v] : m) {
      str(k);
      str(v);
    }
  }

 private:
  gm::VectorSink sink_;
  msgpack::packer<gm::VectorSink> packer_;
};

// Keys in byte order, as go-msgpack sorts struct fields.
void write_member(Out& w, const RpcMember& m) {
  w.map(11);
  w.str("Addr");
  w.bytes(m.addr);
  w.str("DelegateCur");
  w.uint(m.delegate_cur);
  w.str("DelegateMax");
  w.uint(m.delegate_max);
  w.str("DelegateMin");
  w.uint(m.delegate_min);
  w.str("Name");
  w.str(m.name);
  w.str("Port");
  w.uint(m.port);
  w.str("ProtocolCur");
  w.uint(m.protocol_cur);
  w.str("ProtocolMax");
  w.uint(m.protocol_max);
  w.str("ProtocolMin");
  w.uint(m.protocol_min);
  w.str("Status");
  w.str(m.status);
  w.str("Tags");
  w.string_map(m.tags);
}

void write_members(Out& w, const std::vector<RpcMember>& members) {
  w.array(static_cast<uint32_t>(members.size()));
  for (const RpcMember& m : members)
    write_member(w, m);
}

void write_coordinate(Out& w, const RpcCoordinate& c) {
  w.map(4);
  w.str("Adjustment");
  w.f64(c.adjustment);
  w.str("Error");
  w.f64(c.error);
  w.str("Height");
  w.f64(c.height);
  w.str("Vec");
  if (c.vec.empty()) {
    w.nil();
    return;
  }
  w.array(static_cast<uint32_t>(c.vec.size()));
  for (double d : c.vec)
    w.f64(d);
}

struct CommandInfo {
  std::string_view name;
  bool has_body;
};

constexpr std::array<CommandInfo, 20> kCommands = {{
    {"handshake", true},
    {"auth", true},
    {"event", true},
    {"force-leave", true},
    {"join", true},
    {"members", false},
    {"members-filtered", true},
    {"stream", true},
    {"stop", true},
    {"monitor", true},
    {"leave", false},
    {"install-key", true},
    {"use-key", true},
    {"remove-key", true},
    {"list-keys", false},
    {"tags", true},
    {"query", true},
    {"respond", true},
    {"stats", false},
    {"get-coordinate", true},
}};

const CommandInfo* find_command(std::string_view name) {
  for (const CommandInfo& c : kCommands) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

// How a msgpack type byte continues: the size of a length field after it, fixed bytes after
// that, and whether the length counts bytes (items_per 0) or entries (1 array, 2 map).
struct Shape {
  uint8_t len_bytes = 0;
  uint8_t extra = 0;
  uint8_t items_per = 0;
  uint8_t fixed_len = 0;  // the length held in a fix type's byte
  bool bad = false;
};

Shape shape(uint8_t len_bytes, uint8_t extra, uint8_t items_per, uint8_t fixed_len = 0) {
  return Shape{len_bytes, extra, items_per, fixed_len, false};
}

Shape shape_of(uint8_t t) {
  if (t <= 0x7f || t >= 0xe0 || t == 0xc0 || t == 0xc2 || t == 0xc3) return shape(0, 0, 0);
  if (t <= 0x8f) return shape(0, 0, 2, static_cast<uint8_t>(t & 0x0f));
  if (t <= 0x9f) return shape(0, 0, 1, static_cast<uint8_t>(t & 0x0f));
  if (t <= 0xbf) return shape(0, 0, 0, static_cast<uint8_t>(t & 0x1f));
  switch (t) {
    case 0xc4:
    case 0xd9:
      return shape(1, 0, 0);
    case 0xc5:
    case 0xda:
      return shape(2, 0, 0);
    case 0xc6:
    case 0xdb:
      return shape(4, 0, 0);
    case 0xc7:
      return shape(1, 1, 0);
    case 0xc8:
      return shape(2, 1, 0);
    case 0xc9:
      return shape(4, 1, 0);
    case 0xcc:
    case 0xd0:
      return shape(0, 1, 0);
    case 0xcd:
    case 0xd1:
      return shape(0, 2, 0);
    case 0xca:
    case 0xce:
    case 0xd2:
      return shape(0, 4, 0);
    case 0xcb:
    case 0xcf:
    case 0xd3:
      return shape(0, 8, 0);
    case 0xd4:
      return shape(0, 2, 0);
    case 0xd5:
      return shape(0, 3, 0);
    case 0xd6:
      return shape(0, 5, 0);
    case 0xd7:
      return shape(0, 9, 0);
    case 0xd8:
      return shape(0, 17, 0);
    case 0xdc:
      return shape(2, 0, 1);
    case 0xdd:
      return shape(4, 0, 1);
    case 0xde:
      return shape(2, 0, 2);
    case 0xdf:
      return shape(4, 0, 2);
    default:
      return Shape{0, 0, 0, 0, true};  // 0xc1, never used
  }
}

uint64_t read_be(std::span<const uint8_t> b, size_t at, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i)
    v = (v << 8) | b[at + i];
  return v;
}

}  // namespace

RpcFrame frame_object(std::span<const uint8_t> b, size_t max_bytes) {
  using Kind = RpcFrame::Kind;
  size_t off = 0;
  uint64_t pending = 1;  // objects still to walk past
  while (pending > 0) {
    if (off > max_bytes) return {Kind::kTooBig, 0};
    if (off >= b.size()) return {Kind::kNeedMore, 0};
    const Shape s = shape_of(b[off]);
    if (s.bad) return {Kind::kBad, 0};
    --pending;
    const size_t head = 1 + size_t{s.len_bytes};
    if (off + head > max_bytes) return {Kind::kTooBig, 0};
    if (off + head > b.size()) return {Kind::kNeedMore, 0};
    const uint64_t len = s.len_bytes > 0 ? read_be(b, off + 1, s.len_bytes) : s.fixed_len;
    off += head + s.extra;
    // Every entry takes at least a byte, so a count beyond the limit is refused at once.
    const uint64_t grow = s.items_per > 0 ? len * s.items_per : len;
    if (grow > max_bytes || off + grow + (s.items_per > 0 ? pending : 0) > max_bytes) {
      return {Kind::kTooBig, 0};
    }
    if (s.items_per > 0) {
      pending += grow;
    } else {
      off += static_cast<size_t>(len);
    }
  }
  if (off > max_bytes) return {Kind::kTooBig, 0};
  if (off > b.size()) return {Kind::kNeedMore, 0};
  return {Kind::kComplete, off};
}

const char* rpc_event_name(RpcEventType t) {
  switch (t) {
    case RpcEventType::kMemberJoin:
      return "member-join";
    case RpcEventType::kMemberLeave:
      return "member-leave";
    case RpcEventType::kMemberFailed:
      return "member-failed";
    case RpcEventType::kMemberUpdate:
      return "member-update";
    case RpcEventType::kMemberReap:
      return "member-reap";
    case RpcEventType::kUser:
      return "user";
    case RpcEventType::kQuery:
      return "query";
  }
  return "unknown";
}

// ---- request decoders (declaration orders are ipc.go's, for the array form) ---------------

DecodeResult decode_rpc(const Object& o, RpcRequestHeader& out) {
  static constexpr std::string_view kOrder[] = {"Command", "Seq"};
  return read_fields(o, kOrder, [&](std::string_view k, const Object& v) -> DecodeResult {
    if (k == "Command") return read_string(v, out.command);
    if (k == "Seq") return gm::read_unsigned(v, out.seq);
    return std::nullopt;
  });
}

DecodeResult decode_rpc(const Object& o, RpcHandshakeRequest& out) {
  static constexpr std::string_view kOrder[] = {"Version"};
  return read_fields(o, kOrder, [&](std::string_view k, const Object& v) -> DecodeResult {
    if (k != "Version") return std::nullopt;
    int64_t version = 0;
    if (auto e = gm::read_int(v, INT32_MIN, INT32_MAX, version)) return e;
    out.version = static_cast<int32_t>(version);
    return std::nullopt;
  });
}

DecodeResult decode_rpc(const Object& o, RpcAuthRequest& out) {
  static constexpr std::string_view kOrder[] = {"AuthKey"};
  return read_fields(o, kOrder, [&](std::string_view k, const Object& v) -> DecodeResult {
    if (k == "AuthKey") return read_string(v, out.auth_key);
    return std::nullopt;
  });
}

DecodeResult decode_rpc(const Object& o, RpcEventRequest& out) {
  static constexpr std::string_view kOrder[] = {"Name", "Payload", "Coalesce"};
  return read_fields(o, kOrder, [&](std::string_view k, const Object& v) -> DecodeResult {
    if (k == "Name") return read_string(v, out.name);
    if (k == "Payload") return read_payload(v, out.payload);
    if (k == "Coalesce") return gm::read_bool(v, out.coalesce);
    return std::nullopt;
  });
}

DecodeResult decode_rpc(const Object& o, RpcForceLeaveRequest& out) {
  static constexpr std::string_view kOrder[] = {"Node", "Prune"};
  return read_fields(o, kOrder, [&](std::string_view k, const Object& v) -> DecodeResult {
    if (k == "Node") return read_string(v, out.node);
    if (k == "Prune") return gm::read_bool(v, out.prune);
    return std::nullopt;
  });
}

DecodeResult decode_rpc(const Object& o, RpcJoinRequest& out) {
  static constexpr std::string_view kOrder[] = {"Existing", "Replay"};
  return read_fields(o, kOrder, [&](std::string_view k, const Object& v) -> DecodeResult {
    if (k == "Existing") return read_string_list(v, out.existing);
    if (k == "Replay") return gm::read_bool(v, out.replay);
    return std::nullopt;
  });
}

DecodeResult decode_rpc(const Object& o, RpcMembersFilteredRequest& out) {
  static constexpr std::string_view kOrder[] = {"Tags", "Status", "Name"};
  return read_fields(o, kOrder, [&](std::string_view k, const Object& v) -> DecodeResult {
    if (k == "Tags") return read_string_map(v, out.tags);
    if (k == "Status") return read_string(v, out.status);
    if (k == "Name") return read_string(v, out.name);
    return std::nullopt;
  });
}

DecodeResult decode_rpc(const Object& o, RpcKeyRequest& out) {
  static constexpr std::string_view kOrder[] = {"Key"};
  return read_fields(o, kOrder, [&](std::string_view k, const Object& v) -> DecodeResult {
    if (k == "Key") return read_string(v, out.key);
    return std::nullopt;
  });
}

DecodeResult decode_rpc(const Object& o, RpcMonitorRequest& out) {
  static constexpr std::string_view kOrder[] = {"LogLevel"};
  return read_fields(o, kOrder, [&](std::string_view k, const Object& v) -> DecodeResult {
    if (k == "LogLevel") return read_string(v, out.log_level);
    return std::nullopt;
  });
}

DecodeResult decode_rpc(const Object& o, RpcStreamRequest& out) {
  static constexpr std::string_view kOrder[] = {"Type"};
  return read_fields(o, kOrder, [&](std::string_view k, const Object& v) -> DecodeResult {
    if (k == "Type") return read_string(v, out.type);
    return std::nullopt;
  });
}

DecodeResult decode_rpc(const Object& o, RpcStopRequest& out) {
  static constexpr std::string_view kOrder[] = {"Stop"};
  return read_fields(o, kOrder, [&](std::string_view k, const Object& v) -> DecodeResult {
    if (k == "Stop") return gm::read_unsigned(v, out.stop);
    return std::nullopt;
  });
}

DecodeResult decode_rpc(const Object& o, RpcTagsRequest& out) {
  static constexpr std::string_view kOrder[] = {"Tags", "DeleteTags"};
  return read_fields(o, kOrder, [&](std::string_view k, const Object& v) -> DecodeResult {
    if (k == "Tags") return read_string_map(v, out.tags);
    if (k == "DeleteTags") return read_string_list(v, out.delete_tags);
    return std::nullopt;
  });
}

DecodeResult decode_rpc(const Object& o, RpcQueryParams& out) {
  static constexpr std::string_view kOrder[] = {
      "FilterNodes", "FilterTags", "RequestAck", "RelayFactor", "Timeout", "Name", "Payload"};
  return read_fields(o, kOrder, [&](std::string_view k, const Object& v) -> DecodeResult {
    if (k == "FilterNodes") return read_string_list(v, out.filter_nodes);
    if (k == "FilterTags") return read_string_map(v, out.filter_tags);
    if (k == "RequestAck") return gm::read_bool(v, out.request_ack);
    if (k == "RelayFactor") return gm::read_unsigned(v, out.relay_factor);
    if (k == "Timeout") return gm::read_int(v, INT64_MIN, INT64_MAX, out.timeout_ns);
    if (k == "Name") return read_string(v, out.name);
    if (k == "Payload") return read_payload(v, out.payload);
    return std::nullopt;
  });
}

DecodeResult decode_rpc(const Object& o, RpcRespondRequest& out) {
  static constexpr std::string_view kOrder[] = {"ID", "Payload"};
  return read_fields(o, kOrder, [&](std::string_view k, const Object& v) -> DecodeResult {
    if (k == "ID") return gm::read_unsigned(v, out.id);
    if (k == "Payload") return read_payload(v, out.payload);
    return std::nullopt;
  });
}

DecodeResult decode_rpc(const Object& o, RpcCoordinateRequest& out) {
  static constexpr std::string_view kOrder[] = {"Node"};
  return read_fields(o, kOrder, [&](std::string_view k, const Object& v) -> DecodeResult {
    if (k == "Node") return read_string(v, out.node);
    return std::nullopt;
  });
}

bool rpc_command_has_body(std::string_view command) {
  const CommandInfo* c = find_command(command);
  return c != nullptr && c->has_body;
}

// ---- encoders ----------------------------------------------------------------------------

void encode_response_header(std::vector<uint8_t>& out, uint64_t seq, std::string_view error) {
  Out w(out);
  w.map(2);
  w.str("Error");
  w.str(error);
  w.str("Seq");
  w.uint(seq);
}

void encode_join_response(std::vector<uint8_t>& out, int32_t num) {
  Out w(out);
  w.map(1);
  w.str("Num");
  w.sint(num);
}

void encode_members_response(std::vector<uint8_t>& out, const std::vector<RpcMember>& members) {
  Out w(out);
  w.map(1);
  w.str("Members");
  write_members(w, members);
}

void encode_key_response(std::vector<uint8_t>& out, const RpcKeyResponse& r, bool with_keys) {
  Out w(out);
  w.map(5);
  w.str("Keys");
  if (with_keys) {
    w.map(static_cast<uint32_t>(r.keys.size()));
    for (const auto& [key, n] : r.keys) {
      w.str(key);
      w.sint(n);
    }
  } else {
    w.nil();
  }
  w.str("Messages");
  w.string_map(r.messages);
  w.str("NumErr");
  w.sint(r.num_err);
  w.str("NumNodes");
  w.sint(r.num_nodes);
  w.str("NumResp");
  w.sint(r.num_resp);
}

void encode_stats_response(std::vector<uint8_t>& out, const RpcStats& stats) {
  Out w(out);
  w.map(static_cast<uint32_t>(stats.size()));
  for (const auto& [section, values] : stats) {
    w.str(section);
    w.string_map(values);
  }
}

void encode_coordinate_response(std::vector<uint8_t>& out, const std::optional<RpcCoordinate>& c) {
  Out w(out);
  w.map(2);
  w.str("Coord");
  write_coordinate(w, c.value_or(RpcCoordinate{}));
  w.str("Ok");
  w.boolean(c.has_value());
}

void encode_event_record(std::vector<uint8_t>& out, const RpcEvent& e, uint64_t query_id) {
  Out w(out);
  switch (e.type) {
    case RpcEventType::kUser:
      w.map(5);
      w.str("Coalesce");
      w.boolean(e.coalesce);
      w.str("Event");
      w.str(rpc_event_name(e.type));
      break;
    case RpcEventType::kQuery:
      w.map(5);
      w.str("Event");
      w.str(rpc_event_name(e.type));
      w.str("ID");
      w.uint(query_id);
      break;
    default:
      w.map(2);
      w.str("Event");
      w.str(rpc_event_name(e.type));
      w.str("Members");
      write_members(w, e.members);
      return;
  }
  w.str("LTime");
  w.uint(e.ltime);
  w.str("Name");
  w.str(e.name);
  w.str("Payload");
  w.bytes(e.payload);
}

void encode_query_record(std::vector<uint8_t>& out, std::string_view type, std::string_view from,
                         const std::vector<uint8_t>& payload) {
  Out w(out);
  w.map(3);
  w.str("From");
  w.str(from);
  w.str("Payload");
  w.bytes(payload);
  w.str("Type");
  w.str(type);
}

void encode_log_record(std::vector<uint8_t>& out, std::string_view line) {
  Out w(out);
  w.map(1);
  w.str("Log");
  w.str(line);
}

// ---- stream filters and monitor levels ---------------------------------------------------

std::optional<std::vector<RpcEventFilter>> parse_stream_filters(std::string_view type) {
  static constexpr std::string_view kValid[] = {
      "member-join", "member-leave", "member-failed", "member-update",
      "member-reap", "user",         "query",         "*"};
  if (type.empty()) type = "*";
  std::vector<RpcEventFilter> out;
  while (true) {
    const size_t comma = type.find(',');
    std::string_view term = type.substr(0, comma);
    RpcEventFilter f;
    for (std::string_view prefix : {std::string_view("user:"), std::string_view("query:")}) {
      if (term.starts_with(prefix)) {
        f.name = std::string(term.substr(prefix.size()));
        term = prefix.substr(0, prefix.size() - 1);
      }
    }
    f.event = std::string(term);
    if (std::find(std::begin(kValid), std::end(kValid), term) == std::end(kValid)) {
      return std::nullopt;
    }
    out.push_back(std::move(f));
    if (comma == std::string_view::npos) break;
    type.remove_prefix(comma + 1);
  }
  return out;
}

bool filters_match(const std::vector<RpcEventFilter>& filters, const RpcEvent& e) {
  const std::string_view event_name = rpc_event_name(e.type);
  for (const RpcEventFilter& f : filters) {
    if (f.event == "*") return true;
    if (f.event != event_name) continue;
    const bool named = e.type == RpcEventType::kUser || e.type == RpcEventType::kQuery;
    if (named && !f.name.empty() && f.name != e.name) continue;
    return true;
  }
  return false;
}

std::optional<LogLevel> parse_monitor_level(std::string_view upper_name) {
  if (upper_name == "TRACE" || upper_name == "DEBUG") return LogLevel::kDebug;
  if (upper_name == "INFO") return LogLevel::kInfo;
  if (upper_name == "WARN") return LogLevel::kWarn;
  if (upper_name == "ERR") return LogLevel::kError;
  return std::nullopt;
}

}  // namespace rumor::agent
