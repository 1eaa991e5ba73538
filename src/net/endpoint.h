// Endpoints: the bridge between the core's Address (raw IP bytes and a port, as memberlist puts
// them on the wire) and the operating system's socket addresses, plus the parsing of the
// "host:port" strings people type (flags, config files, HTTP requests).
//
// Accepted forms: "10.0.0.1:7946", "10.0.0.1" (the default port), "[::1]:7946", "[::1]",
// "node.example.com:7946" (resolved by resolve(); parse_address() refuses names). Errors are
// tier-2 Status values that name the input and say what is wrong with it. IPv4-mapped IPv6
// addresses are turned into plain IPv4 so a member has one spelling.
#pragma once

#include <asio/ip/address.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ip/udp.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "core/address.h"

namespace rumor::net {

// A "host:port" string split into its parts; `host` keeps no brackets.
struct HostPort {
  std::string host;
  uint16_t port = 0;
};

// Splits "host:port", "[v6]:port", "host" or "[v6]" (then port = default_port). Errors: empty
// input, a bad or out-of-range port, an unclosed bracket, an IPv6 address without brackets
// followed by a port.
Result<HostPort> split_host_port(std::string_view text, uint16_t default_port);

// A literal IP address and port (no DNS). The error says when the host looks like a name.
Result<core::Address> parse_address(std::string_view text, uint16_t default_port);

// Resolves a literal or a DNS name (blocking, via the system resolver) to every address it has,
// IPv4 first. Errors name the host and give the resolver's reason.
Result<std::vector<core::Address>> resolve(std::string_view text, uint16_t default_port);

asio::ip::address to_ip(const core::Address& a);
core::Address from_ip(const asio::ip::address& ip, uint16_t port);
inline asio::ip::udp::endpoint to_udp(const core::Address& a) {
  return {to_ip(a), a.port};
}
inline asio::ip::tcp::endpoint to_tcp(const core::Address& a) {
  return {to_ip(a), a.port};
}
inline core::Address from_endpoint(const asio::ip::udp::endpoint& e) {
  return from_ip(e.address(), e.port());
}
inline core::Address from_endpoint(const asio::ip::tcp::endpoint& e) {
  return from_ip(e.address(), e.port());
}

// "10.0.0.1:7946" or "[::1]:7946", IPv6 compressed (the form people type back in).
std::string to_string(const core::Address& a);

bool is_unspecified(const core::Address& a);

// The address to advertise when bound to 0.0.0.0 or ::: the first private (RFC 1918) IPv4
// address of an interface that is up, as memberlist picks, else the first non-loopback IPv4,
// else 127.0.0.1.
core::Address default_advertise(uint16_t port);

}  // namespace rumor::net
