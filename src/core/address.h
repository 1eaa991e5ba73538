// Address: where a member listens, as memberlist names it on the wire: an IP (4 bytes for IPv4,
// 16 for IPv6 or IPv4-mapped) and a port.
//
// Invariant: ip_len is 0 (no address), 4 or 16, and only the first ip_len bytes of ip are
// meaningful (the rest are zero, so the default comparison is exact). The core never resolves or
// dials an address; it hands addresses to the driver in Transmits and takes them back in
// handle_* calls. Values, 20 bytes, cheap to copy.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <span>
#include <string>

namespace rumor::core {

struct Address {
  std::array<uint8_t, 16> ip{};
  uint8_t ip_len = 0;
  uint16_t port = 0;

  // An IPv4 address a.b.c.d:port.
  static Address v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint16_t port) {
    Address out;
    out.ip = {a, b, c, d};
    out.ip_len = 4;
    out.port = port;
    return out;
  }
  // From raw wire bytes: 4 or 16 bytes make an address; any other length makes an empty one.
  static Address from_bytes(std::span<const uint8_t> ip, uint16_t port) {
    Address out;
    if (ip.size() == 4 || ip.size() == 16) {
      for (size_t i = 0; i < ip.size(); ++i)
        out.ip[i] = ip[i];
      out.ip_len = static_cast<uint8_t>(ip.size());
    }
    out.port = port;
    return out;
  }

  bool empty() const { return ip_len == 0; }
  std::span<const uint8_t> ip_bytes() const { return {ip.data(), ip_len}; }
  // "10.0.0.1:7946" or "[::1]:7946"; IPv4-mapped IPv6 prints as IPv4.
  std::string to_string() const;

  auto operator<=>(const Address&) const = default;
};

}  // namespace rumor::core
