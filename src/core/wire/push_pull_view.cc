#include "core/wire/push_pull_view.h"

#include <cstring>

#include "core/wire/go_msgpack.h"

namespace rumor::core::wire::ml {

namespace {

enum class Field : uint8_t {
  kNone,
  kName,
  kAddr,
  kPort,
  kMeta,
  kIncarnation,
  kState,
  kVsn,
  kJoin,
  kNodes,
  kUserStateLen
};

Field field_of(std::string_view key, bool header) {
  if (header) {
    if (key == "Join") return Field::kJoin;
    if (key == "Nodes") return Field::kNodes;
    if (key == "UserStateLen") return Field::kUserStateLen;
    return Field::kNone;
  }
  switch (key.size()) {
    case 3:
      return key == "Vsn" ? Field::kVsn : Field::kNone;
    case 4:
      if (key == "Name") return Field::kName;
      if (key == "Addr") return Field::kAddr;
      if (key == "Port") return Field::kPort;
      if (key == "Meta") return Field::kMeta;
      return Field::kNone;
    case 5:
      return key == "State" ? Field::kState : Field::kNone;
    case 11:
      return key == "Incarnation" ? Field::kIncarnation : Field::kNone;
    default:
      return Field::kNone;
  }
}

struct Header {
  bool join = false;
  uint64_t nodes = 0;
  uint64_t user_state_len = 0;
};

// Reads one canonical map (a pushPullHeader or a pushNodeState) and refuses (returns false
// from a callback, stopping the parse) at the first thing it does not expect; the caller then
// falls back to the general decoder. Unknown keys with scalar values are skipped, as Go does.
class StateVisitor : public msgpack::null_visitor {
 public:
  StateVisitor(bool header, PushNodeView* node, Header* head)
      : header_(header), node_(node), head_(head) {}

  bool start_map(uint32_t) {
    if (depth_ != 0) return false;  // nested values: let the general decoder judge
    ++depth_;
    return true;
  }
  bool end_map() {
    --depth_;
    return true;
  }
  bool start_array(uint32_t) { return false; }
  bool start_map_key() {
    in_key_ = true;
    return true;
  }
  bool end_map_key() {
    in_key_ = false;
    return true;
  }
  // Every scalar must sit inside the top-level map: a bare scalar where a struct belongs is
  // something only the general decoder may judge.
  bool visit_str(const char* v, uint32_t size) { return depth_ == 1 && text(v, size); }
  bool visit_bin(const char* v, uint32_t size) { return depth_ == 1 && text(v, size); }
  bool visit_positive_integer(uint64_t v) {
    if (in_key_ || depth_ != 1) return false;
    return number(v);
  }
  bool visit_negative_integer(int64_t) { return depth_ == 1 && !in_key_ && field_ == Field::kNone; }
  bool visit_nil() {
    if (in_key_ || depth_ != 1) return false;
    zero();  // Go nil decodes as the zero value, also over an earlier duplicate key
    return true;
  }
  bool visit_boolean(bool v) {
    if (in_key_ || depth_ != 1) return false;
    if (field_ == Field::kJoin) head_->join = v;
    return field_ == Field::kJoin || field_ == Field::kNone;
  }
  bool visit_float32(float) { return depth_ == 1 && !in_key_ && field_ == Field::kNone; }
  bool visit_float64(double) { return depth_ == 1 && !in_key_ && field_ == Field::kNone; }
  bool visit_ext(const char*, uint32_t) { return false; }
  void parse_error(size_t, size_t) {}
  void insufficient_bytes(size_t, size_t) {}

 private:
  void zero() {
    switch (field_) {
      case Field::kName:
        node_->name = {};
        break;
      case Field::kAddr:
        node_->addr = {};
        break;
      case Field::kPort:
        node_->port = 0;
        break;
      case Field::kMeta:
        node_->meta = {};
        break;
      case Field::kIncarnation:
        node_->incarnation = 0;
        break;
      case Field::kState:
        node_->state = WireState::kAlive;
        break;
      case Field::kVsn:
        node_->vsn = {};
        break;
      case Field::kJoin:
        head_->join = false;
        break;
      case Field::kNodes:
        head_->nodes = 0;
        break;
      case Field::kUserStateLen:
        head_->user_state_len = 0;
        break;
      case Field::kNone:
        break;
    }
  }
  bool text(const char* v, uint32_t size) {
    if (in_key_) {
      field_ = field_of(std::string_view(v, size), header_);
      return true;
    }
    const auto* p = reinterpret_cast<const uint8_t*>(v);
    switch (field_) {
      case Field::kName:
        if (size > kMaxNameBytes) return false;
        node_->name = std::string_view(v, size);
        return true;
      case Field::kAddr:
        node_->addr = {p, size};
        return true;
      case Field::kMeta:
        if (size > kMaxMetaBytes) return false;
        node_->meta = {p, size};
        return true;
      case Field::kVsn:
        node_->vsn = {p, size};
        return true;
      case Field::kNone:
        return true;
      default:
        return false;
    }
  }
  bool number(uint64_t v) {
    switch (field_) {
      case Field::kPort:
        if (v > UINT16_MAX) return false;
        node_->port = static_cast<uint16_t>(v);
        return true;
      case Field::kIncarnation:
        if (v > UINT32_MAX) return false;
        node_->incarnation = static_cast<uint32_t>(v);
        return true;
      case Field::kState:
        if (v > static_cast<uint64_t>(WireState::kLeft)) return false;
        node_->state = static_cast<WireState>(v);
        return true;
      case Field::kNodes:
        head_->nodes = v;
        return true;
      case Field::kUserStateLen:
        head_->user_state_len = v;
        return true;
      case Field::kNone:
        return true;
      default:
        return false;
    }
  }

  bool header_;
  PushNodeView* node_;
  Header* head_;
  int depth_ = 0;
  bool in_key_ = false;
  Field field_ = Field::kNone;
};

bool parse_one(std::span<const uint8_t> body, size_t& off, StateVisitor& v) {
  if (off >= body.size()) return false;
  return msgpack::parse(reinterpret_cast<const char*>(body.data()), body.size(), off, v);
}

// The fast path; false means "ask the general decoder".
bool fast_decode(std::span<const uint8_t> body, size_t max_nodes, PushPullView& out) {
  size_t off = 0;
  Header head;
  StateVisitor hv(/*header=*/true, nullptr, &head);
  if (!parse_one(body, off, hv)) return false;
  if (head.nodes > max_nodes || head.nodes > body.size() - off) return false;
  if (head.user_state_len > kMaxStreamBytes) return false;
  out.join = head.join;
  out.nodes.clear();
  out.nodes.resize(head.nodes);
  for (PushNodeView& node : out.nodes) {
    StateVisitor sv(/*header=*/false, &node, nullptr);
    if (!parse_one(body, off, sv)) return false;
  }
  if (off + 1 + head.user_state_len > kMaxStreamBytes) return false;
  if (body.size() - off < head.user_state_len) return false;
  out.user_state = body.subspan(off, head.user_state_len);
  return true;
}

std::span<const uint8_t> view(const Bytes& b) {
  return b.data;
}

}  // namespace

std::optional<MlError> decode_push_pull_view(std::span<const uint8_t> body, size_t max_nodes,
                                             PushPullView& out) {
  out.fell_back = false;
  if (fast_decode(body, max_nodes, out)) return std::nullopt;
  out.fell_back = true;
  out.nodes.clear();
  if (auto e = decode_push_pull(body, out.owned, max_nodes)) return e;
  out.join = out.owned.join;
  out.nodes.reserve(out.owned.nodes.size());
  for (const PushNodeState& s : out.owned.nodes) {
    out.nodes.push_back(PushNodeView{s.name, view(s.addr), s.port, view(s.meta), s.incarnation,
                                     s.state, view(s.vsn)});
  }
  out.user_state = out.owned.user_state;
  return std::nullopt;
}

void encode_push_pull_header(bool join, size_t nodes, size_t user_state_len,
                             std::vector<uint8_t>& out) {
  out.push_back(static_cast<uint8_t>(MsgType::kPushPull));
  gomsgpack::Encoder e(out);
  e.map_header(3);
  e.str("Join");
  e.boolean(join);
  e.str("Nodes");
  e.uint(nodes);
  e.str("UserStateLen");
  e.uint(user_state_len);
}

namespace {

// A bounds-free writer into space reserved up front (encode_push_node sizes it exactly), with
// go-msgpack's choices: the smallest unsigned form, and the str family without str8 for both
// strings and []byte (gomsgpack::Encoder does the same through msgpack-cxx's packer; this is
// the same encoding written inline, because it runs 10^8 times in a large simulation).
struct RawWriter {
  uint8_t* p;
  void byte(uint8_t b) { *p++ = b; }
  void be(uint64_t v, int n) {
    for (int i = n - 1; i >= 0; --i)
      *p++ = static_cast<uint8_t>(v >> (8 * i));
  }
  void uint(uint64_t v) {
    if (v <= 0x7f) {
      byte(static_cast<uint8_t>(v));
    } else if (v <= 0xff) {
      byte(0xcc);
      be(v, 1);
    } else if (v <= 0xffff) {
      byte(0xcd);
      be(v, 2);
    } else if (v <= 0xffffffffu) {
      byte(0xce);
      be(v, 4);
    } else {
      byte(0xcf);
      be(v, 8);
    }
  }
  void str(const void* data, size_t n) {
    if (n < 32) {
      byte(static_cast<uint8_t>(0xa0 | n));
    } else if (n < 65536) {
      byte(0xda);
      be(n, 2);
    } else {
      byte(0xdb);
      be(n, 4);
    }
    if (n > 0) std::memcpy(p, data, n);
    p += n;
  }
  void key(std::string_view k) { str(k.data(), k.size()); }
};

constexpr size_t kStrHeaderMax = 5;
constexpr size_t kUintMax = 9;

}  // namespace

// Keys in the order go-msgpack sorts them; []byte fields as str, never omitted.
void encode_push_node(const PushNodeView& s, std::vector<uint8_t>& out) {
  const size_t bound = 1 + 48 /* keys */ + 4 * kStrHeaderMax + 3 * kUintMax + s.addr.size() +
                       s.meta.size() + s.name.size() + s.vsn.size();
  const size_t start = out.size();
  out.resize(start + bound);
  RawWriter w{out.data() + start};
  w.byte(0x87);  // a map of 7 pairs
  w.key("Addr");
  w.str(s.addr.data(), s.addr.size());
  w.key("Incarnation");
  w.uint(s.incarnation);
  w.key("Meta");
  w.str(s.meta.data(), s.meta.size());
  w.key("Name");
  w.str(s.name.data(), s.name.size());
  w.key("Port");
  w.uint(s.port);
  w.key("State");
  w.uint(static_cast<uint64_t>(s.state));
  w.key("Vsn");
  w.str(s.vsn.data(), s.vsn.size());
  out.resize(static_cast<size_t>(w.p - out.data()));
}

}  // namespace rumor::core::wire::ml
