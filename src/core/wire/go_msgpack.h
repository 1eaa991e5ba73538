// go_msgpack: msgpack exactly as hashicorp/go-msgpack (0.5.x, and v2) writes it with a plain
// `codec.MsgpackHandle{}` (WriteExt=false), and read as leniently as its decoder reads it.
// memberlist and Serf encode every structured body this way, so a byte-identical encoder and a
// tolerant decoder are what make us a peer. ../shared/specs/memberlist-serf-wire.md §1 is the
// fact sheet; go-msgpack's msgpack.go (encodeString, writeContainerLen, decodeUint) the source.
//
// Writing (Encoder): strings AND byte slices go out as the str family with no str8 (fixstr
// below 32 bytes, then str16, then str32), Go-nil slices as nil, every non-negative integer in
// its smallest unsigned form, negatives in their smallest signed form. A Go struct is a map
// whose keys the caller writes sorted by byte value, leaving out `omitempty` fields that are
// zero; the Encoder does not sort, the codecs built on it do (golden tests check them).
//
// Reading (Reader + read_*): one msgpack object at a time, back to back, through msgpack-cxx,
// whose exceptions never leave this file: each becomes an Error. Limits bound every container,
// string and the nesting depth, so a lying length cannot make the reader allocate more than
// about 24 bytes per container element up to the limit. Strings and byte slices are views into
// the input (no copy until a field is assigned). Conversions accept what go-msgpack accepts:
// every integer width, range-checked into the field; str8, str and bin for strings and []byte
// (and an array of small ints for []byte); nil as the zero value; a struct as a map (unknown
// keys skipped, missing keys left zero, str or bin keys) or as an array in Go's declaration
// order, or nil. Nothing here asserts or throws on input.
#pragma once

#ifndef MSGPACK_NO_BOOST
#define MSGPACK_NO_BOOST 1
#endif
#include <msgpack.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace rumor::core::wire::gomsgpack {

// Appends what msgpack::packer writes to a byte vector.
class VectorSink {
 public:
  explicit VectorSink(std::vector<uint8_t>& out) : out_(&out) {}
  void write(const char* data, size_t n) {
    const auto* p = reinterpret_cast<const uint8_t*>(data);
    out_->insert(out_->end(), p, p + n);
  }

 private:
  std::vector<uint8_t>* out_;
};

// Appends go-msgpack's encoding of values to a vector. Cheap to construct; holds a reference.
class Encoder {
 public:
  explicit Encoder(std::vector<uint8_t>& out) : out_(&out), sink_(out), packer_(sink_) {}

  void map_header(uint32_t n) { packer_.pack_map(n); }
  void array_header(uint32_t n) { packer_.pack_array(n); }
  void uint(uint64_t v) { packer_.pack_uint64(v); }
  // Go's encodeInt: non-negative values take the unsigned forms, like uint().
  void sint(int64_t v);
  void boolean(bool v) { v ? packer_.pack_true() : packer_.pack_false(); }
  void nil() { packer_.pack_nil(); }
  void str(std::string_view s);
  // A Go []byte that is not nil (nil slices are nil()): the str family, like a string.
  void bytes(std::span<const uint8_t> b);

 private:
  void str_header(size_t n);

  std::vector<uint8_t>* out_;
  VectorSink sink_;
  msgpack::packer<VectorSink> packer_;
};

// The size of the str header go-msgpack writes before n bytes: 1, 3 or 5.
size_t str_header_size(size_t n);

enum class Error : uint8_t {
  kTruncated,   // the input ends inside the object
  kBadMsgpack,  // not msgpack (a reserved byte such as 0xc1)
  kLimit,       // an array, map, string, bin or ext longer than the reader's limit
  kTooDeep,     // containers nested deeper than the reader's limit
  kWrongType,   // a value of a type go-msgpack would not decode into the field
  kOutOfRange,  // an integer that does not fit the field
  kTooLong,     // a string or byte slice longer than the caller's maximum
};
const char* error_name(Error e);

struct Limits {
  uint32_t max_container = 1024;   // elements of one array, or pairs of one map
  uint32_t max_string = 1u << 16;  // bytes of one str, bin or ext
  uint32_t max_depth = 8;          // nested containers (a struct of scalars is depth 1)
};

// Reads msgpack objects laid back to back in `bytes`. The objects live in the reader's zone and
// may point into `bytes`: both must outlive them. release() frees the zone for the next batch.
class Reader {
 public:
  explicit Reader(std::span<const uint8_t> bytes, Limits limits = {});

  // Reads the object at offset() and moves past it.
  std::optional<Error> next(msgpack::object& out);
  // Moves past n raw bytes (the caller checked remaining()).
  void skip(size_t n) { offset_ += n; }
  size_t offset() const { return offset_; }
  size_t remaining() const { return bytes_.size() - offset_; }
  std::span<const uint8_t> rest() const { return bytes_.subspan(offset_); }
  // Frees every object read so far; they must no longer be used.
  void release() { zone_.clear(); }

 private:
  std::span<const uint8_t> bytes_;
  size_t offset_ = 0;
  Limits limits_;
  msgpack::zone zone_;
};

// Integer fields. Any msgpack integer width; negative into unsigned and values beyond the
// field's range are kOutOfRange; nil is 0; anything else kWrongType.
std::optional<Error> read_uint(const msgpack::object& o, uint64_t max, uint64_t& out);
std::optional<Error> read_int(const msgpack::object& o, int64_t min, int64_t max, int64_t& out);
template <typename T>
std::optional<Error> read_unsigned(const msgpack::object& o, T& out) {
  uint64_t v = 0;
  if (auto e = read_uint(o, static_cast<T>(~T{0}), v)) return e;
  out = static_cast<T>(v);
  return std::nullopt;
}
// true/false, or the positive fixints 0 and 1 (go-msgpack's decodeBool takes those too).
std::optional<Error> read_bool(const msgpack::object& o, bool& out);
// A view of a str or bin (nil gives ""), valid while the input is.
std::optional<Error> read_str_view(const msgpack::object& o, size_t max_len, std::string_view& out);
std::optional<Error> read_str(const msgpack::object& o, size_t max_len, std::string& out);
// A []byte: str, bin, or an array of integers 0..255; nil sets is_nil (and clears out).
std::optional<Error> read_bytes(const msgpack::object& o, size_t max_len, std::vector<uint8_t>& out,
                                bool& is_nil);

// Walks a Go struct value: calls field(name, value) for every map entry, or, for the array form,
// for the i-th element with declaration_order[i] (extra elements are ignored). A nil struct
// calls nothing. field returns std::nullopt to go on, or an error of the caller's type E to stop.
// Map keys that are not strings are kWrongType (reported through `wrong_type`).
template <typename E, typename F>
std::optional<E> read_struct(const msgpack::object& o,
                             std::span<const std::string_view> declaration_order, E wrong_type,
                             F&& field) {
  switch (o.type) {
    case msgpack::type::NIL:
      return std::nullopt;
    case msgpack::type::MAP:
      for (uint32_t i = 0; i < o.via.map.size; ++i) {
        const msgpack::object_kv& kv = o.via.map.ptr[i];
        std::string_view key;
        if (kv.key.type == msgpack::type::STR) {
          key = std::string_view(kv.key.via.str.ptr, kv.key.via.str.size);
        } else if (kv.key.type == msgpack::type::BIN) {
          key = std::string_view(kv.key.via.bin.ptr, kv.key.via.bin.size);
        } else {
          return wrong_type;
        }
        if (auto e = field(key, kv.val)) return e;
      }
      return std::nullopt;
    case msgpack::type::ARRAY:
      for (uint32_t i = 0; i < o.via.array.size && i < declaration_order.size(); ++i) {
        if (auto e = field(declaration_order[i], o.via.array.ptr[i])) return e;
      }
      return std::nullopt;
    default:
      return wrong_type;
  }
}

}  // namespace rumor::core::wire::gomsgpack
