#include "net/swim_host.h"

#include <asio/socket_base.hpp>
#include <chrono>

#include "net/endpoint.h"

namespace rumor::net {

using asio::ip::tcp;
using asio::ip::udp;

namespace {

asio::steady_timer::time_point to_time_point(Time t) {
  return asio::steady_timer::time_point(std::chrono::nanoseconds(t.ns()));
}

std::string bind_error(const char* what, const core::Address& at, const asio::error_code& ec) {
  return std::string(what) + " " + to_string(at) + ": " + ec.message();
}

}  // namespace

Status NetLimits::validate() const {
  if (max_streams < 1 || max_streams > 65536) {
    return Status::error("max_streams: must be in 1..65536, got " + std::to_string(max_streams));
  }
  if (stream_timeout <= Duration::zero()) return Status::error("stream_timeout: must be > 0");
  if (max_stream_bytes < 1024) {
    return Status::error("max_stream_bytes: must be >= 1024, got " +
                         std::to_string(max_stream_bytes));
  }
  if (packets_per_wakeup < 1) return Status::error("packets_per_wakeup: must be >= 1");
  if (udp_receive_buffer < 4096) return Status::error("udp_receive_buffer: must be >= 4096");
  return Status::ok();
}

SwimHost::SwimHost(Loop& loop, const SwimHostOptions& options)
    : loop_(loop),
      limits_(options.limits),
      own_directory_(options.shared_directory ? nullptr
                                              : std::make_unique<core::Directory>(1u << 22)),
      directory_(options.shared_directory ? options.shared_directory : own_directory_.get()),
      udp_(loop.io()),
      acceptor_(loop.io()),
      timer_(loop.io()) {}

SwimHost::~SwimHost() {
  close();
}

Result<std::unique_ptr<SwimHost>> SwimHost::open(Loop& loop, const core::SwimConfig& config,
                                                 const SwimHostOptions& options) {
  if (Status s = config.validate(); !s) return s;
  if (Status s = options.limits.validate(); !s) return s;
  if (options.name.empty()) return Status::error("node name: must not be empty");
  std::unique_ptr<SwimHost> host(new SwimHost(loop, options));
  if (Status s = host->bind(options.bind); !s) return s;

  core::Address advertise = options.advertise;
  if (advertise.empty()) {
    advertise = is_unspecified(host->bound_) ? default_advertise(host->bound_.port) : host->bound_;
  }
  if (advertise.port == 0) advertise.port = host->bound_.port;
  const uint64_t seed = options.seed != 0 ? options.seed : Loop::entropy_seed();
  core::SwimIdentity self{options.name, advertise, options.incarnation, options.meta};
  host->node_ =
      std::make_unique<core::SwimNode>(config, *host->directory_, self, seed, Loop::now());
  host->arm_receive();
  host->accept_next();
  host->flush();
  return host;
}

// TCP first, then UDP on the port TCP got (memberlist binds both to one port). With port 0 the
// kernel picks a TCP port whose UDP twin may be taken: try a few times.
Status SwimHost::bind(const core::Address& at) {
  asio::error_code ec;
  for (int attempt = 0; attempt < 16; ++attempt) {
    const tcp::endpoint tep = to_tcp(at);
    acceptor_.open(tep.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(tep, ec);
    if (ec) {
      acceptor_.close();
      return Status::error(bind_error("bind tcp", at, ec));
    }
    acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return Status::error(bind_error("listen", at, ec));
    bound_ = from_endpoint(acceptor_.local_endpoint());

    udp_.open(tep.protocol() == tcp::v4() ? udp::v4() : udp::v6(), ec);
    if (!ec) udp_.bind(udp::endpoint(to_ip(at), bound_.port), ec);
    if (!ec) {
      udp_.non_blocking(true, ec);
      asio::error_code ignored;  // a smaller buffer than asked is not fatal
      udp_.set_option(asio::socket_base::receive_buffer_size(limits_.udp_receive_buffer), ignored);
      return Status::ok();
    }
    udp_.close();
    acceptor_.close();
    if (at.port != 0 || ec != asio::error::address_in_use) {
      return Status::error(bind_error("bind udp", bound_, ec));
    }
  }
  return Status::error("bind " + to_string(at) + ": no port free for both UDP and TCP");
}

void SwimHost::close() {
  if (closed_) return;
  closed_ = true;
  asio::error_code ignored;
  udp_.close(ignored);
  acceptor_.close(ignored);
  timer_.cancel();
  for (auto* table : {&inbound_, &outbound_}) {
    for (auto& [id, s] : *table) {
      s->done = true;
      s->socket.close(ignored);
      s->deadline.cancel();
    }
    table->clear();
  }
}

void SwimHost::join(std::span<const core::Address> seeds) {
  if (closed_) return;
  node_->join(Loop::now(), seeds);
  flush();
}

void SwimHost::leave() {
  if (closed_) return;
  node_->leave(Loop::now());
  flush();
}

bool SwimHost::set_meta(std::span<const uint8_t> meta) {
  if (closed_) return false;
  const bool ok = node_->set_meta(Loop::now(), meta);
  flush();
  return ok;
}

// --- packets -------------------------------------------------------------------------------

void SwimHost::arm_receive() {
  udp_.async_wait(udp::socket::wait_read,
                  [this, life = std::weak_ptr<char>(life_)](const asio::error_code& ec) {
                    if (life.expired() || closed_ || ec) return;
                    on_readable();
                  });
}

// Reads up to packets_per_wakeup datagrams into the loop's shared buffer, handing each to the
// node as it arrives, then lets other hosts and timers run.
void SwimHost::on_readable() {
  auto& buf = loop_.datagram_buffer();
  udp::endpoint from;
  for (size_t i = 0; i < limits_.packets_per_wakeup; ++i) {
    asio::error_code ec;
    const size_t n = udp_.receive_from(asio::buffer(buf), from, 0, ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) break;
    if (ec) continue;  // e.g. an ICMP error reported on this socket: nothing to read
    ++stats_.packets_received;
    stats_.packet_bytes_received += n;
    node_->handle_packet(Loop::now(), from_endpoint(from), std::span<const uint8_t>(buf.data(), n));
  }
  flush();
  arm_receive();
}

void SwimHost::send_packet(const core::SwimTransmit& t) {
  asio::error_code ec;
  udp_.send_to(asio::buffer(t.bytes), to_udp(t.to), 0, ec);
  if (ec) ++stats_.packets_send_failed;  // UDP is lossy anyway; the protocol copes
}

// --- the node's outputs --------------------------------------------------------------------

// Drains transmits and events; runs an overdue deadline at once (a confirmation can pull a
// suspicion's deadline into the past), then re-arms the timer.
void SwimHost::flush() {
  if (closed_) return;
  for (;;) {
    core::SwimTransmit t;
    while (!closed_ && node_->poll_transmit(t)) {
      switch (t.channel) {
        case core::Channel::kPacket:
          send_packet(t);
          break;
        case core::Channel::kStreamOpen:
          open_stream(t);
          break;
        case core::Channel::kStreamReply:
          reply_stream(t);
          break;
      }
    }
    core::SwimEvent e;
    while (node_->poll_event(e)) {
      if (on_event_) on_event_(e);
    }
    if (closed_) return;  // an event handler may close the host
    const Time now = Loop::now();
    if (node_->poll_timeout() > now) break;
    node_->handle_timeout(now);
  }
  arm_timer();
}

void SwimHost::arm_timer() {
  const Time deadline = node_->poll_timeout();
  if (deadline == armed_) return;
  armed_ = deadline;
  if (deadline == Time::never()) {
    timer_.cancel();
    return;
  }
  timer_.expires_at(to_time_point(deadline));
  timer_.async_wait([this, life = std::weak_ptr<char>(life_)](const asio::error_code& ec) {
    if (life.expired() || closed_ || ec) return;
    armed_ = Time::never();
    node_->handle_timeout(Loop::now());
    flush();
  });
}

}  // namespace rumor::net
