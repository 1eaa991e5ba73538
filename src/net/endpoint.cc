#include "net/endpoint.h"

#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>

#include <asio/io_context.hpp>
#include <charconv>

namespace rumor::net {

namespace {

Result<uint16_t> parse_port(std::string_view text, std::string_view whole) {
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value > 65535) {
    return Status::error("address '" + std::string(whole) + "': port '" + std::string(text) +
                         "' is not a number in 0..65535");
  }
  return static_cast<uint16_t>(value);
}

bool is_private_v4(const uint8_t* p) {
  return p[0] == 10 || (p[0] == 172 && (p[1] & 0xf0) == 16) || (p[0] == 192 && p[1] == 168);
}

}  // namespace

Result<HostPort> split_host_port(std::string_view text, uint16_t default_port) {
  const std::string whole(text);
  if (text.empty()) return Status::error("address is empty");
  HostPort out;
  out.port = default_port;
  if (text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string_view::npos) {
      return Status::error("address '" + whole + "': '[' without a closing ']'");
    }
    out.host = std::string(text.substr(1, close - 1));
    std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') {
        return Status::error("address '" + whole + "': expected ':port' after ']'");
      }
      auto port = parse_port(rest.substr(1), text);
      if (!port) return port.status();
      out.port = *port;
    }
  } else {
    const size_t colon = text.rfind(':');
    if (colon != std::string_view::npos && text.find(':') != colon) {
      return Status::error("address '" + whole +
                           "': an IPv6 address needs brackets, as in [::1]:7946");
    }
    out.host = std::string(text.substr(0, colon));
    if (colon != std::string_view::npos) {
      auto port = parse_port(text.substr(colon + 1), text);
      if (!port) return port.status();
      out.port = *port;
    }
  }
  if (out.host.empty()) return Status::error("address '" + whole + "': the host is empty");
  return out;
}

Result<core::Address> parse_address(std::string_view text, uint16_t default_port) {
  auto hp = split_host_port(text, default_port);
  if (!hp) return hp.status();
  asio::error_code ec;
  const auto ip = asio::ip::make_address(hp->host, ec);
  if (ec) {
    return Status::error("address '" + std::string(text) + "': '" + hp->host +
                         "' is not an IP address");
  }
  return from_ip(ip, hp->port);
}

Result<std::vector<core::Address>> resolve(std::string_view text, uint16_t default_port) {
  auto hp = split_host_port(text, default_port);
  if (!hp) return hp.status();
  asio::error_code ec;
  const auto ip = asio::ip::make_address(hp->host, ec);
  if (!ec) return std::vector<core::Address>{from_ip(ip, hp->port)};
  asio::io_context io;
  asio::ip::udp::resolver resolver(io);
  const auto results = resolver.resolve(hp->host, std::to_string(hp->port), ec);
  if (ec) {
    return Status::error("cannot resolve '" + hp->host + "': " + ec.message());
  }
  std::vector<core::Address> v4, v6;
  for (const auto& r : results) {
    const core::Address a = from_endpoint(r.endpoint());
    auto& list = a.ip_len == 4 ? v4 : v6;
    if (std::find(list.begin(), list.end(), a) == list.end()) list.push_back(a);
  }
  v4.insert(v4.end(), v6.begin(), v6.end());
  if (v4.empty()) return Status::error("cannot resolve '" + hp->host + "': no addresses");
  return v4;
}

asio::ip::address to_ip(const core::Address& a) {
  if (a.ip_len == 4) {
    asio::ip::address_v4::bytes_type b;
    std::copy(a.ip.begin(), a.ip.begin() + 4, b.begin());
    return asio::ip::address_v4(b);
  }
  if (a.ip_len == 16) {
    asio::ip::address_v6::bytes_type b;
    std::copy(a.ip.begin(), a.ip.end(), b.begin());
    return asio::ip::address_v6(b);
  }
  return asio::ip::address_v4::any();
}

core::Address from_ip(const asio::ip::address& ip, uint16_t port) {
  if (ip.is_v4()) {
    const auto b = ip.to_v4().to_bytes();
    return core::Address::v4(b[0], b[1], b[2], b[3], port);
  }
  const auto v6 = ip.to_v6();
  if (v6.is_v4_mapped()) {
    const auto b = asio::ip::make_address_v4(asio::ip::v4_mapped, v6).to_bytes();
    return core::Address::v4(b[0], b[1], b[2], b[3], port);
  }
  const auto b = v6.to_bytes();
  return core::Address::from_bytes(std::span<const uint8_t>(b.data(), b.size()), port);
}

std::string to_string(const core::Address& a) {
  if (a.ip_len == 16) return "[" + to_ip(a).to_string() + "]:" + std::to_string(a.port);
  return to_ip(a).to_string() + ":" + std::to_string(a.port);
}

bool is_unspecified(const core::Address& a) {
  return a.empty() || to_ip(a).is_unspecified();
}

core::Address default_advertise(uint16_t port) {
  ifaddrs* list = nullptr;
  core::Address fallback = core::Address::v4(127, 0, 0, 1, port);
  if (getifaddrs(&list) != 0) return fallback;
  core::Address best;
  for (ifaddrs* i = list; i != nullptr; i = i->ifa_next) {
    if (i->ifa_addr == nullptr || i->ifa_addr->sa_family != AF_INET) continue;
    if (!(i->ifa_flags & IFF_UP) || (i->ifa_flags & IFF_LOOPBACK)) continue;
    sockaddr_in sin{};
    std::memcpy(&sin, i->ifa_addr, sizeof sin);
    uint8_t b[4];
    std::memcpy(b, &sin.sin_addr, 4);
    const core::Address a = core::Address::v4(b[0], b[1], b[2], b[3], port);
    if (is_private_v4(b)) {
      best = a;
      break;
    }
    if (fallback.ip[0] == 127) fallback = a;
  }
  freeifaddrs(list);
  return best.empty() ? fallback : best;
}

}  // namespace rumor::net
