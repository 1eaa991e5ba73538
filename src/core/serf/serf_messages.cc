#include "core/serf/serf_messages.h"

#include <limits>
#include <string_view>
#include <type_traits>
#include <utility>

#include "core/wire/go_msgpack.h"

namespace rumor::core::serf {
namespace {

namespace gm = wire::gomsgpack;
using gm::Encoder;
using gm::Reader;
using Object = msgpack::object;
using Field = std::optional<SerfError>;

constexpr size_t kNoLimit = std::numeric_limits<size_t>::max();

// Struct maps have at most 11 keys, so big containers are lists, maps or unknown fields. The
// container limit sits above every list cap below so that a long list meets its own error, and
// bounds what msgpack-cxx allocates for a lying count (24 bytes an element). Strings are views
// into the input, so their limit is the largest message. Serf's deepest value is a push-pull
// ring event: map > Events > slot > Events > event, five levels.
constexpr gm::Limits kLimits{1u << 14, kMaxSerfMessageBytes, 8};
constexpr gm::Limits kPushPullLimits{1u << 17, kMaxPushPullBytes, 8};
static_assert(kMaxFilterNodes < (1u << 14) && kMaxKeys < (1u << 14) && kMaxTags < (1u << 14));
static_assert(kMaxPushPullMembers < (1u << 17) && kMaxEventsPerSlot < (1u << 17));

// Go's declaration order of each struct's fields: the order of the array form of a struct,
// which go-msgpack decodes too.
constexpr std::string_view kLeaveOrder[] = {"LTime", "Node", "Prune"};
constexpr std::string_view kJoinOrder[] = {"LTime", "Node"};
constexpr std::string_view kPushPullOrder[] = {"LTime",      "StatusLTimes", "LeftMembers",
                                               "EventLTime", "Events",       "QueryLTime"};
constexpr std::string_view kSlotOrder[] = {"LTime", "Events"};
constexpr std::string_view kRingEventOrder[] = {"Name", "Payload"};
constexpr std::string_view kUserEventOrder[] = {"LTime", "Name", "Payload", "CC"};
constexpr std::string_view kQueryOrder[] = {"LTime",      "ID",      "Addr",   "Port",
                                            "SourceNode", "Filters", "Flags",  "RelayFactor",
                                            "Timeout",    "Name",    "Payload"};
constexpr std::string_view kResponseOrder[] = {"LTime", "ID", "From", "Flags", "Payload"};
constexpr std::string_view kMemberOrder[] = {
    "Name",        "Addr",        "Port",        "Tags",        "Status",     "ProtocolMin",
    "ProtocolMax", "ProtocolCur", "DelegateMin", "DelegateMax", "DelegateCur"};
constexpr std::string_view kKeyRequestOrder[] = {"Key"};
constexpr std::string_view kKeyResponseOrder[] = {"Result", "Message", "Keys", "PrimaryKey"};
constexpr std::string_view kRelayOrder[] = {"DestAddr", "DestName"};
constexpr std::string_view kUdpAddrOrder[] = {"IP", "Port", "Zone"};
constexpr std::string_view kTagFilterOrder[] = {"Tag", "Expr"};

SerfError lift(gm::Error e) {
  switch (e) {
    case gm::Error::kTruncated:
      return SerfError::kTruncated;
    case gm::Error::kBadMsgpack:
      return SerfError::kBadMsgpack;
    case gm::Error::kLimit:
      return SerfError::kMsgpackLimit;
    case gm::Error::kTooDeep:
      return SerfError::kMsgpackTooDeep;
    case gm::Error::kWrongType:
      return SerfError::kWrongFieldType;
    case gm::Error::kOutOfRange:
    case gm::Error::kTooLong:
      return SerfError::kFieldRange;
  }
  return SerfError::kBadMsgpack;
}

Field lift(std::optional<gm::Error> e) {
  if (!e) return std::nullopt;
  return lift(*e);
}

// A string-ish field with its own size limit and error.
Field lift(std::optional<gm::Error> e, SerfError too_long) {
  if (e == gm::Error::kTooLong) return too_long;
  return lift(e);
}

// --- field readers ------------------------------------------------------------------------------

template <typename T>
Field get_uint(const Object& v, T& out) {
  return lift(gm::read_unsigned(v, out));
}
Field get_int(const Object& v, int64_t& out) {
  return lift(gm::read_int(v, std::numeric_limits<int64_t>::min(),
                           std::numeric_limits<int64_t>::max(), out));
}
Field get_bool(const Object& v, bool& out) {
  return lift(gm::read_bool(v, out));
}
Field get_name(const Object& v, std::string& out) {
  return lift(gm::read_str(v, kMaxNameBytes, out), SerfError::kNameTooLong);
}
// A string with no limit of its own: the message limit bounds it.
Field get_string(const Object& v, std::string& out) {
  return lift(gm::read_str(v, kNoLimit, out));
}
Field get_bytes(const Object& v, Bytes& out) {
  return lift(gm::read_bytes(v, kNoLimit, out.data, out.is_nil));
}

template <typename F>
Field walk(const Object& o, std::span<const std::string_view> order, F&& field) {
  return gm::read_struct<SerfError>(o, order, SerfError::kWrongFieldType, std::forward<F>(field));
}

// A Go slice: nil, or an array of at most `cap` elements (over it: `too_many`), each read by
// `elem`. A later occurrence of the same key replaces an earlier one.
template <typename T, typename F>
Field get_list(const Object& v, size_t cap, SerfError too_many, Nilable<std::vector<T>>& out,
               F&& elem) {
  out = {};
  if (v.type == msgpack::type::NIL) return std::nullopt;
  if (v.type != msgpack::type::ARRAY) return SerfError::kWrongFieldType;
  if (v.via.array.size > cap) return too_many;
  out.is_nil = false;
  out.value.resize(v.via.array.size);
  for (uint32_t i = 0; i < v.via.array.size; ++i) {
    if (auto e = elem(v.via.array.ptr[i], out.value[i])) return e;
  }
  return std::nullopt;
}

// A Go map[string]V: nil, or a map of at most `cap` entries; keys are read by `key` (str, bin
// or nil), values by `val`. A key seen twice keeps its last value, as a Go map does.
template <typename V, typename K, typename F>
Field get_map(const Object& v, size_t cap, SerfError too_many,
              Nilable<std::map<std::string, V>>& out, K&& key, F&& val) {
  out = {};
  if (v.type == msgpack::type::NIL) return std::nullopt;
  if (v.type != msgpack::type::MAP) return SerfError::kWrongFieldType;
  if (v.via.map.size > cap) return too_many;
  out.is_nil = false;
  std::string k;
  for (uint32_t i = 0; i < v.via.map.size; ++i) {
    const msgpack::object_kv& kv = v.via.map.ptr[i];
    if (auto e = key(kv.key, k)) return e;
    if (auto e = val(kv.val, out.value[k])) return e;
  }
  return std::nullopt;
}

Field get_names(const Object& v, size_t cap, SerfError too_many,
                Nilable<std::vector<std::string>>& out) {
  return get_list(v, cap, too_many, out, get_name);
}

// --- per-struct field tables --------------------------------------------------------------------

Field fill(const Object& o, LeaveIntent& m) {
  return walk(o, kLeaveOrder, [&](std::string_view k, const Object& v) -> Field {
    if (k == "LTime") return get_uint(v, m.ltime);
    if (k == "Node") return get_name(v, m.node);
    if (k == "Prune") return get_bool(v, m.prune);
    return std::nullopt;
  });
}

Field fill(const Object& o, JoinIntent& m) {
  return walk(o, kJoinOrder, [&](std::string_view k, const Object& v) -> Field {
    if (k == "LTime") return get_uint(v, m.ltime);
    if (k == "Node") return get_name(v, m.node);
    return std::nullopt;
  });
}

// Serf refuses to send an event whose name and payload together pass its hard cap. The check
// is on the content, not the message's bytes, so a re-encoding (str8 becoming str16, an array
// becoming a map) can never push a decoded event over it.
Field check_event_size(const std::string& name, const Bytes& payload) {
  if (name.size() + payload.size() > kMaxUserEventBytes) return SerfError::kUserEventTooLarge;
  return std::nullopt;
}

Field fill(const Object& o, RingEvent& m) {
  const Field e = walk(o, kRingEventOrder, [&](std::string_view k, const Object& v) -> Field {
    if (k == "Name") return get_string(v, m.name);
    if (k == "Payload") return get_bytes(v, m.payload);
    return std::nullopt;
  });
  if (e) return e;
  return check_event_size(m.name, m.payload);
}

Field fill(const Object& o, EventSlot& m) {
  return walk(o, kSlotOrder, [&](std::string_view k, const Object& v) -> Field {
    if (k == "LTime") return get_uint(v, m.ltime);
    if (k == "Events") {
      return get_list(v, kMaxEventsPerSlot, SerfError::kTooManySlotEvents, m.events,
                      [](const Object& ev, RingEvent& out) { return fill(ev, out); });
    }
    return std::nullopt;
  });
}

// A *userEvents ring slot: nil is an empty slot.
Field get_slot(const Object& v, std::optional<EventSlot>& out) {
  out.reset();
  if (v.type == msgpack::type::NIL) return std::nullopt;
  if (v.type != msgpack::type::MAP && v.type != msgpack::type::ARRAY) {
    return SerfError::kWrongFieldType;
  }
  return fill(v, out.emplace());
}

Field fill(const Object& o, PushPull& m) {
  return walk(o, kPushPullOrder, [&](std::string_view k, const Object& v) -> Field {
    if (k == "LTime") return get_uint(v, m.ltime);
    if (k == "StatusLTimes") {
      return get_map(v, kMaxPushPullMembers, SerfError::kTooManyMembers, m.status_ltimes, get_name,
                     [](const Object& x, uint64_t& out) { return get_uint(x, out); });
    }
    if (k == "LeftMembers") {
      return get_names(v, kMaxPushPullMembers, SerfError::kTooManyMembers, m.left_members);
    }
    if (k == "EventLTime") return get_uint(v, m.event_ltime);
    if (k == "Events") {
      return get_list(v, kMaxEventSlots, SerfError::kTooManyEventSlots, m.events, get_slot);
    }
    if (k == "QueryLTime") return get_uint(v, m.query_ltime);
    return std::nullopt;
  });
}

Field fill(const Object& o, UserEvent& m) {
  const Field e = walk(o, kUserEventOrder, [&](std::string_view k, const Object& v) -> Field {
    if (k == "LTime") return get_uint(v, m.ltime);
    if (k == "Name") return get_string(v, m.name);
    if (k == "Payload") return get_bytes(v, m.payload);
    if (k == "CC") return get_bool(v, m.cc);
    return std::nullopt;
  });
  if (e) return e;
  return check_event_size(m.name, m.payload);
}

Field fill(const Object& o, Query& m) {
  return walk(o, kQueryOrder, [&](std::string_view k, const Object& v) -> Field {
    if (k == "LTime") return get_uint(v, m.ltime);
    if (k == "ID") return get_uint(v, m.id);
    if (k == "Addr") return get_bytes(v, m.addr);
    if (k == "Port") return get_uint(v, m.port);
    if (k == "SourceNode") return get_name(v, m.source_node);
    if (k == "Filters") {
      return get_list(v, kMaxQueryFilters, SerfError::kTooManyFilters, m.filters, get_bytes);
    }
    if (k == "Flags") return get_uint(v, m.flags);
    if (k == "RelayFactor") return get_uint(v, m.relay_factor);
    if (k == "Timeout") return get_int(v, m.timeout_ns);
    if (k == "Name") return get_string(v, m.name);
    if (k == "Payload") return get_bytes(v, m.payload);
    return std::nullopt;
  });
}

Field fill(const Object& o, QueryResponse& m) {
  return walk(o, kResponseOrder, [&](std::string_view k, const Object& v) -> Field {
    if (k == "LTime") return get_uint(v, m.ltime);
    if (k == "ID") return get_uint(v, m.id);
    if (k == "From") return get_name(v, m.from);
    if (k == "Flags") return get_uint(v, m.flags);
    if (k == "Payload") return get_bytes(v, m.payload);
    return std::nullopt;
  });
}

Field fill(const Object& o, Member& m) {
  return walk(o, kMemberOrder, [&](std::string_view k, const Object& v) -> Field {
    if (k == "Name") return get_name(v, m.name);
    if (k == "Addr") return get_bytes(v, m.addr);
    if (k == "Port") return get_uint(v, m.port);
    if (k == "Tags") {
      return get_map(v, kMaxTags, SerfError::kTooManyTags, m.tags, get_string, get_string);
    }
    if (k == "Status") {
      // A Go int: any integer width, but only the five statuses Serf defines.
      int64_t s = 0;
      if (auto e = lift(gm::read_int(v, 0, static_cast<int64_t>(MemberStatus::kFailed), s))) {
        return e;
      }
      m.status = static_cast<MemberStatus>(s);
      return std::nullopt;
    }
    if (k == "ProtocolMin") return get_uint(v, m.protocol_min);
    if (k == "ProtocolMax") return get_uint(v, m.protocol_max);
    if (k == "ProtocolCur") return get_uint(v, m.protocol_cur);
    if (k == "DelegateMin") return get_uint(v, m.delegate_min);
    if (k == "DelegateMax") return get_uint(v, m.delegate_max);
    if (k == "DelegateCur") return get_uint(v, m.delegate_cur);
    return std::nullopt;
  });
}

// A *Member: nil when the responder does not know the node.
Field fill(const Object& o, ConflictResponse& m) {
  if (o.type == msgpack::type::NIL) return std::nullopt;
  if (o.type != msgpack::type::MAP && o.type != msgpack::type::ARRAY) {
    return SerfError::kWrongFieldType;
  }
  return fill(o, m.member.emplace());
}

Field fill(const Object& o, KeyRequest& m) {
  return walk(o, kKeyRequestOrder, [&](std::string_view k, const Object& v) -> Field {
    if (k == "Key") return get_bytes(v, m.key);
    return std::nullopt;
  });
}

Field fill(const Object& o, KeyResponse& m) {
  return walk(o, kKeyResponseOrder, [&](std::string_view k, const Object& v) -> Field {
    if (k == "Result") return get_bool(v, m.result);
    if (k == "Message") return get_string(v, m.message);
    if (k == "Keys") return get_list(v, kMaxKeys, SerfError::kTooManyKeys, m.keys, get_string);
    if (k == "PrimaryKey") return get_string(v, m.primary_key);
    return std::nullopt;
  });
}

Field fill(const Object& o, UdpAddr& m) {
  return walk(o, kUdpAddrOrder, [&](std::string_view k, const Object& v) -> Field {
    if (k == "IP") return get_bytes(v, m.ip);
    if (k == "Port") return get_int(v, m.port);
    if (k == "Zone") return get_string(v, m.zone);
    return std::nullopt;
  });
}

Field fill(const Object& o, Relay& m) {
  return walk(o, kRelayOrder, [&](std::string_view k, const Object& v) -> Field {
    if (k == "DestAddr") {
      m.dest_addr = UdpAddr{};
      return fill(v, m.dest_addr);
    }
    if (k == "DestName") return get_name(v, m.dest_name);
    return std::nullopt;
  });
}

Field fill(const Object& o, TagFilter& m) {
  return walk(o, kTagFilterOrder, [&](std::string_view k, const Object& v) -> Field {
    if (k == "Tag") return get_string(v, m.tag);
    if (k == "Expr") return get_string(v, m.expr);
    return std::nullopt;
  });
}

// --- decoding whole messages --------------------------------------------------------------------

// The type byte of message struct T: its index in Message.
template <typename T, size_t I = 0>
constexpr uint8_t type_byte() {
  if constexpr (std::is_same_v<std::variant_alternative_t<I, Message>, T>) {
    return static_cast<uint8_t>(I);
  } else {
    return type_byte<T, I + 1>();
  }
}

// The body of a message whose type byte was checked: one msgpack value (a relay: then the
// inner message). Bytes after the value are ignored, as Go's decodeMessage ignores them.
template <typename T>
Field decode_checked(std::span<const uint8_t> msg, T& out) {
  constexpr auto type = static_cast<MessageType>(type_byte<T>());
  if (msg.size() > max_message_bytes(type)) return SerfError::kMessageTooLarge;
  Reader r(msg.subspan(1), type == MessageType::kPushPull ? kPushPullLimits : kLimits);
  Object o;
  if (auto e = r.next(o)) return lift(*e);
  if (auto e = fill(o, out)) return e;
  if constexpr (std::is_same_v<T, Relay>) {
    const auto rest = r.rest();
    out.message.assign(rest.begin(), rest.end());
  }
  return std::nullopt;
}

template <typename T>
Field decode_typed(std::span<const uint8_t> msg, T& out) {
  out = T{};
  if (msg.empty()) return SerfError::kEmpty;
  if (msg[0] >= kMessageTypeCount) return SerfError::kUnknownType;
  if (msg[0] != type_byte<T>()) return SerfError::kUnexpectedType;
  return decode_checked(msg, out);
}

// --- encoding -----------------------------------------------------------------------------------

void put_type(MessageType t, std::vector<uint8_t>& out) {
  out.push_back(static_cast<uint8_t>(t));
}

template <typename C>
bool is_nil(const Nilable<C>& n) {
  return n.is_nil && n.value.empty();
}

// A Go []byte: nil goes out as nil, anything else (empty included) as a str.
void put_bytes(Encoder& e, const Bytes& b) {
  if (b.is_nil && b.data.empty()) {
    e.nil();
  } else {
    e.bytes(b.data);
  }
}

void put_strings(Encoder& e, const Nilable<std::vector<std::string>>& list) {
  if (is_nil(list)) return e.nil();
  e.array_header(static_cast<uint32_t>(list.size()));
  for (const std::string& s : list.value)
    e.str(s);
}

void put_body(Encoder& e, const RingEvent& m) {
  e.map_header(2);
  e.str("Name");
  e.str(m.name);
  e.str("Payload");
  put_bytes(e, m.payload);
}

void put_body(Encoder& e, const EventSlot& m) {
  e.map_header(2);
  e.str("Events");
  if (is_nil(m.events)) {
    e.nil();
  } else {
    e.array_header(static_cast<uint32_t>(m.events.size()));
    for (const RingEvent& ev : m.events.value)
      put_body(e, ev);
  }
  e.str("LTime");
  e.uint(m.ltime);
}

void put_body(Encoder& e, const Member& m) {
  e.map_header(11);
  e.str("Addr");
  put_bytes(e, m.addr);
  e.str("DelegateCur");
  e.uint(m.delegate_cur);
  e.str("DelegateMax");
  e.uint(m.delegate_max);
  e.str("DelegateMin");
  e.uint(m.delegate_min);
  e.str("Name");
  e.str(m.name);
  e.str("Port");
  e.uint(m.port);
  e.str("ProtocolCur");
  e.uint(m.protocol_cur);
  e.str("ProtocolMax");
  e.uint(m.protocol_max);
  e.str("ProtocolMin");
  e.uint(m.protocol_min);
  e.str("Status");
  e.sint(static_cast<int64_t>(m.status));
  e.str("Tags");
  if (is_nil(m.tags)) {
    e.nil();
  } else {
    // Go writes a map in random order; key order makes equal tags equal bytes.
    e.map_header(static_cast<uint32_t>(m.tags.size()));
    for (const auto& [k, v] : m.tags.value) {
      e.str(k);
      e.str(v);
    }
  }
}

void put_body(Encoder& e, const UdpAddr& m) {
  e.map_header(3);
  e.str("IP");
  put_bytes(e, m.ip);
  e.str("Port");
  e.sint(m.port);
  e.str("Zone");
  e.str(m.zone);
}

}  // namespace

const char* serf_error_name(SerfError e) {
  switch (e) {
    case SerfError::kEmpty:
      return "empty";
    case SerfError::kUnknownType:
      return "unknown_type";
    case SerfError::kUnexpectedType:
      return "unexpected_type";
    case SerfError::kTruncated:
      return "truncated";
    case SerfError::kBadMsgpack:
      return "bad_msgpack";
    case SerfError::kMsgpackLimit:
      return "msgpack_limit";
    case SerfError::kMsgpackTooDeep:
      return "msgpack_too_deep";
    case SerfError::kWrongFieldType:
      return "wrong_field_type";
    case SerfError::kFieldRange:
      return "field_range";
    case SerfError::kMessageTooLarge:
      return "message_too_large";
    case SerfError::kUserEventTooLarge:
      return "user_event_too_large";
    case SerfError::kNameTooLong:
      return "name_too_long";
    case SerfError::kTooManyEventSlots:
      return "too_many_event_slots";
    case SerfError::kTooManySlotEvents:
      return "too_many_slot_events";
    case SerfError::kTooManyMembers:
      return "too_many_members";
    case SerfError::kTooManyFilters:
      return "too_many_filters";
    case SerfError::kTooManyFilterNodes:
      return "too_many_filter_nodes";
    case SerfError::kTooManyKeys:
      return "too_many_keys";
    case SerfError::kTooManyTags:
      return "too_many_tags";
  }
  return "unknown";
}

// ---- encoding ----------------------------------------------------------------------------
// Keys go out sorted by byte value, as go-msgpack sorts struct fields (Serf tags none of its
// message fields omitempty).

void encode(const LeaveIntent& m, std::vector<uint8_t>& out) {
  put_type(MessageType::kLeave, out);
  Encoder e(out);
  e.map_header(3);
  e.str("LTime");
  e.uint(m.ltime);
  e.str("Node");
  e.str(m.node);
  e.str("Prune");
  e.boolean(m.prune);
}

void encode(const JoinIntent& m, std::vector<uint8_t>& out) {
  put_type(MessageType::kJoin, out);
  Encoder e(out);
  e.map_header(2);
  e.str("LTime");
  e.uint(m.ltime);
  e.str("Node");
  e.str(m.node);
}

void encode(const PushPull& m, std::vector<uint8_t>& out) {
  put_type(MessageType::kPushPull, out);
  Encoder e(out);
  e.map_header(6);
  e.str("EventLTime");
  e.uint(m.event_ltime);
  e.str("Events");
  if (is_nil(m.events)) {
    e.nil();
  } else {
    e.array_header(static_cast<uint32_t>(m.events.size()));
    for (const std::optional<EventSlot>& slot : m.events.value) {
      if (slot) {
        put_body(e, *slot);
      } else {
        e.nil();
      }
    }
  }
  e.str("LTime");
  e.uint(m.ltime);
  e.str("LeftMembers");
  put_strings(e, m.left_members);
  e.str("QueryLTime");
  e.uint(m.query_ltime);
  e.str("StatusLTimes");
  if (is_nil(m.status_ltimes)) {
    e.nil();
  } else {
    e.map_header(static_cast<uint32_t>(m.status_ltimes.size()));
    for (const auto& [name, ltime] : m.status_ltimes.value) {
      e.str(name);
      e.uint(ltime);
    }
  }
}

void encode(const UserEvent& m, std::vector<uint8_t>& out) {
  put_type(MessageType::kUserEvent, out);
  Encoder e(out);
  e.map_header(4);
  e.str("CC");
  e.boolean(m.cc);
  e.str("LTime");
  e.uint(m.ltime);
  e.str("Name");
  e.str(m.name);
  e.str("Payload");
  put_bytes(e, m.payload);
}

void encode(const Query& m, std::vector<uint8_t>& out) {
  put_type(MessageType::kQuery, out);
  Encoder e(out);
  e.map_header(11);
  e.str("Addr");
  put_bytes(e, m.addr);
  e.str("Filters");
  if (is_nil(m.filters)) {
    e.nil();
  } else {
    e.array_header(static_cast<uint32_t>(m.filters.size()));
    for (const Bytes& f : m.filters.value)
      put_bytes(e, f);
  }
  e.str("Flags");
  e.uint(m.flags);
  e.str("ID");
  e.uint(m.id);
  e.str("LTime");
  e.uint(m.ltime);
  e.str("Name");
  e.str(m.name);
  e.str("Payload");
  put_bytes(e, m.payload);
  e.str("Port");
  e.uint(m.port);
  e.str("RelayFactor");
  e.uint(m.relay_factor);
  e.str("SourceNode");
  e.str(m.source_node);
  e.str("Timeout");
  e.sint(m.timeout_ns);
}

void encode(const QueryResponse& m, std::vector<uint8_t>& out) {
  put_type(MessageType::kQueryResponse, out);
  Encoder e(out);
  e.map_header(5);
  e.str("Flags");
  e.uint(m.flags);
  e.str("From");
  e.str(m.from);
  e.str("ID");
  e.uint(m.id);
  e.str("LTime");
  e.uint(m.ltime);
  e.str("Payload");
  put_bytes(e, m.payload);
}

void encode(const ConflictResponse& m, std::vector<uint8_t>& out) {
  put_type(MessageType::kConflictResponse, out);
  Encoder e(out);
  if (m.member) {
    put_body(e, *m.member);
  } else {
    e.nil();
  }
}

void encode(const KeyRequest& m, std::vector<uint8_t>& out) {
  put_type(MessageType::kKeyRequest, out);
  Encoder e(out);
  e.map_header(1);
  e.str("Key");
  put_bytes(e, m.key);
}

void encode(const KeyResponse& m, std::vector<uint8_t>& out) {
  put_type(MessageType::kKeyResponse, out);
  Encoder e(out);
  e.map_header(4);
  e.str("Keys");
  put_strings(e, m.keys);
  e.str("Message");
  e.str(m.message);
  e.str("PrimaryKey");
  e.str(m.primary_key);
  e.str("Result");
  e.boolean(m.result);
}

void encode(const Relay& m, std::vector<uint8_t>& out) {
  put_type(MessageType::kRelay, out);
  Encoder e(out);
  e.map_header(2);
  e.str("DestAddr");
  put_body(e, m.dest_addr);
  e.str("DestName");
  e.str(m.dest_name);
  out.insert(out.end(), m.message.begin(), m.message.end());
}

void encode(const Message& m, std::vector<uint8_t>& out) {
  std::visit([&](const auto& msg) { encode(msg, out); }, m);
}

void encode_filter(const Filter& f, std::vector<uint8_t>& out) {
  if (const auto* nodes = std::get_if<NodeFilter>(&f)) {
    out.push_back(static_cast<uint8_t>(FilterType::kNode));
    Encoder e(out);
    put_strings(e, nodes->nodes);
    return;
  }
  const auto& tag = std::get<TagFilter>(f);
  out.push_back(static_cast<uint8_t>(FilterType::kTag));
  Encoder e(out);
  e.map_header(2);
  e.str("Expr");
  e.str(tag.expr);
  e.str("Tag");
  e.str(tag.tag);
}

// ---- decoding ----------------------------------------------------------------------------

size_t max_message_bytes(MessageType type) {
  return type == MessageType::kPushPull ? kMaxPushPullBytes : kMaxSerfMessageBytes;
}

std::optional<MessageType> peek_type(std::span<const uint8_t> msg) {
  if (msg.empty() || msg[0] >= kMessageTypeCount) return std::nullopt;
  return static_cast<MessageType>(msg[0]);
}

namespace {

// Decodes `msg` as the I-th alternative when its type byte is I.
template <size_t I = 0>
Field decode_alternative(std::span<const uint8_t> msg, Message& out) {
  if constexpr (I == kMessageTypeCount) {
    return SerfError::kUnknownType;
  } else {
    if (msg[0] != I) return decode_alternative<I + 1>(msg, out);
    return decode_checked(msg, out.emplace<I>());
  }
}

}  // namespace

std::optional<SerfError> decode_message(std::span<const uint8_t> msg, Message& out) {
  out = LeaveIntent{};
  if (msg.empty()) return SerfError::kEmpty;
  return decode_alternative(msg, out);
}

std::optional<SerfError> decode(std::span<const uint8_t> msg, LeaveIntent& out) {
  return decode_typed(msg, out);
}
std::optional<SerfError> decode(std::span<const uint8_t> msg, JoinIntent& out) {
  return decode_typed(msg, out);
}
std::optional<SerfError> decode(std::span<const uint8_t> msg, PushPull& out) {
  return decode_typed(msg, out);
}
std::optional<SerfError> decode(std::span<const uint8_t> msg, UserEvent& out) {
  return decode_typed(msg, out);
}
std::optional<SerfError> decode(std::span<const uint8_t> msg, Query& out) {
  return decode_typed(msg, out);
}
std::optional<SerfError> decode(std::span<const uint8_t> msg, QueryResponse& out) {
  return decode_typed(msg, out);
}
std::optional<SerfError> decode(std::span<const uint8_t> msg, ConflictResponse& out) {
  return decode_typed(msg, out);
}
std::optional<SerfError> decode(std::span<const uint8_t> msg, KeyRequest& out) {
  return decode_typed(msg, out);
}
std::optional<SerfError> decode(std::span<const uint8_t> msg, KeyResponse& out) {
  return decode_typed(msg, out);
}
std::optional<SerfError> decode(std::span<const uint8_t> msg, Relay& out) {
  return decode_typed(msg, out);
}

std::optional<SerfError> decode_filter(std::span<const uint8_t> filter, Filter& out) {
  out = NodeFilter{};
  if (filter.empty()) return SerfError::kEmpty;
  if (filter.size() > kMaxSerfMessageBytes) return SerfError::kMessageTooLarge;
  if (filter[0] > static_cast<uint8_t>(FilterType::kTag)) return SerfError::kUnknownType;
  Reader r(filter.subspan(1), kLimits);
  Object o;
  if (auto e = r.next(o)) return lift(*e);
  if (filter[0] == static_cast<uint8_t>(FilterType::kNode)) {
    auto& nodes = std::get<NodeFilter>(out);
    return get_names(o, kMaxFilterNodes, SerfError::kTooManyFilterNodes, nodes.nodes);
  }
  return fill(o, out.emplace<TagFilter>());
}

}  // namespace rumor::core::serf
