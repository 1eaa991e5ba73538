#include "core/wire/serf_tags.h"

#include "core/wire/go_msgpack.h"

namespace rumor::core::wire {

std::vector<uint8_t> encode_serf_tags(const Tags& tags) {
  std::vector<uint8_t> out{kSerfTagMagic};
  gomsgpack::Encoder enc(out);
  enc.map_header(static_cast<uint32_t>(tags.size()));
  for (const auto& [k, v] : tags) {
    enc.str(k);
    enc.str(v);
  }
  return out;
}

std::optional<Tags> decode_serf_tags(std::span<const uint8_t> meta) {
  Tags tags;
  if (meta.empty()) return tags;
  if (meta[0] != kSerfTagMagic) {
    tags["role"] = std::string(meta.begin(), meta.end());
    return tags;
  }
  gomsgpack::Reader reader(meta.subspan(1));
  msgpack::object map;
  if (reader.next(map) || map.type != msgpack::type::MAP) return std::nullopt;
  for (uint32_t i = 0; i < map.via.map.size; ++i) {
    const auto& kv = map.via.map.ptr[i];
    if (kv.key.type != msgpack::type::STR && kv.key.type != msgpack::type::BIN) return std::nullopt;
    if (kv.val.type != msgpack::type::STR && kv.val.type != msgpack::type::BIN) return std::nullopt;
    const auto text = [](const msgpack::object& o) {
      return o.type == msgpack::type::STR ? std::string(o.via.str.ptr, o.via.str.size)
                                          : std::string(o.via.bin.ptr, o.via.bin.size);
    };
    tags[text(kv.key)] = text(kv.val);
  }
  return tags;
}

}  // namespace rumor::core::wire
