#include "core/address.h"

#include <cstdio>

namespace rumor::core {

namespace {

bool is_v4_mapped(const Address& a) {
  if (a.ip_len != 16) return false;
  for (int i = 0; i < 10; ++i) {
    if (a.ip[i] != 0) return false;
  }
  return a.ip[10] == 0xff && a.ip[11] == 0xff;
}

std::string v4_string(const uint8_t* p, uint16_t port) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%u.%u.%u.%u:%u", p[0], p[1], p[2], p[3], port);
  return buf;
}

}  // namespace

std::string Address::to_string() const {
  if (ip_len == 0) return ":" + std::to_string(port);
  if (ip_len == 4) return v4_string(ip.data(), port);
  if (is_v4_mapped(*this)) return v4_string(ip.data() + 12, port);
  // Full (uncompressed) IPv6 groups: unambiguous and enough for logs and tests.
  std::string out = "[";
  char buf[8];
  for (int g = 0; g < 8; ++g) {
    std::snprintf(buf, sizeof buf, "%x", (ip[2 * g] << 8) | ip[2 * g + 1]);
    if (g > 0) out += ':';
    out += buf;
  }
  out += "]:" + std::to_string(port);
  return out;
}

}  // namespace rumor::core
