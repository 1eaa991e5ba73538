#include "net/swim_host.h"

#include <asio/socket_base.hpp>

#include "net/endpoint.h"

namespace rumor::net {

using asio::ip::tcp;
using asio::ip::udp;

namespace {

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

template <typename Node>
BasicHost<Node>::BasicHost(Loop& loop, const SwimHostOptions& options)
    : loop_(loop),
      limits_(options.limits),
      own_directory_(options.shared_directory ? nullptr
                                              : std::make_unique<core::Directory>(1u << 22)),
      directory_(options.shared_directory ? options.shared_directory : own_directory_.get()),
      acceptor_(loop.io()),
      timer_(loop.deadlines().add([this](Time now) { on_deadline(now); })) {}

template <typename Node>
BasicHost<Node>::~BasicHost() {
  close();
  loop_.deadlines().remove(timer_);
}

template <typename Node>
Result<std::unique_ptr<BasicHost<Node>>> BasicHost<Node>::open(Loop& loop,
                                                               const SwimHostOptions& options,
                                                               const MakeNode& make) {
  if (Status s = options.limits.validate(); !s) return s;
  if (options.name.empty()) return Status::error("node name: must not be empty");
  std::unique_ptr<BasicHost> host(new BasicHost(loop, options));
  if (Status s = host->bind(options.bind); !s) return s;

  core::Address advertise = options.advertise;
  if (advertise.empty()) {
    advertise = is_unspecified(host->bound_) ? default_advertise(host->bound_.port) : host->bound_;
  }
  if (advertise.port == 0) advertise.port = host->bound_.port;
  const uint64_t seed = options.seed != 0 ? options.seed : Loop::entropy_seed();
  host->node_ = make(*host->directory_, advertise, seed, Loop::now());
  if (Status s = host->watch_receive(); !s) return s;
  host->accept_next();
  host->flush(Loop::now());
  return host;
}

template <typename Node>
Result<std::unique_ptr<BasicHost<Node>>> BasicHost<Node>::open(
    Loop& loop, const core::SwimConfig& config,
    const SwimHostOptions& options) requires std::is_same_v<Node, core::SwimNode> {
  if (Status s = config.validate(); !s) return s;
  return open(
      loop, options,
      [&](core::Directory& dir, const core::Address& advertise, uint64_t seed, Time now) {
        const core::SwimIdentity self{options.name, advertise, options.incarnation, options.meta};
        return std::make_unique<core::SwimNode>(config, dir, self, seed, now);
      });
}

template <typename Node>
Result<std::unique_ptr<BasicHost<Node>>> BasicHost<Node>::open(
    Loop& loop, const core::serf::SerfConfig& config, const SwimHostOptions& options,
    const core::wire::Tags& tags) requires std::is_same_v<Node, core::serf::SerfNode> {
  if (Status s = config.validate(); !s) return s;
  return open(
      loop, options,
      [&](core::Directory& dir, const core::Address& advertise, uint64_t seed, Time now) {
        const core::serf::SerfIdentity self{options.name, advertise, options.incarnation, tags};
        return std::make_unique<core::serf::SerfNode>(config, dir, self, seed, now);
      });
}

// TCP first, then UDP on the port TCP got (memberlist binds both to one port). With port 0 the
// kernel picks a TCP port whose UDP twin may be taken: try a few times.
template <typename Node>
Status BasicHost<Node>::bind(const core::Address& at) {
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

    ec = udp_.open_and_bind(udp::endpoint(to_ip(at), bound_.port), limits_.udp_receive_buffer);
    if (!ec) return Status::ok();
    acceptor_.close();
    if (at.port != 0 || ec != asio::error::address_in_use) {
      return Status::error(bind_error("bind udp", bound_, ec));
    }
  }
  return Status::error("bind " + to_string(at) + ": no port free for both UDP and TCP");
}

template <typename Node>
void BasicHost<Node>::close() {
  if (closed_) return;
  closed_ = true;
  asio::error_code ignored;
  if (watching_) loop_.udp_watch().unwatch(udp_watch_, udp_.native_handle());
  watching_ = false;
  udp_.close();
  acceptor_.close(ignored);
  loop_.deadlines().set(timer_, Time::never());
  for (auto* table : {&inbound_, &outbound_}) {
    for (auto& [id, s] : *table) {
      s->done = true;
      s->socket.close(ignored);
      s->deadline.cancel();
    }
    table->clear();
  }
}

template <typename Node>
void BasicHost<Node>::join(std::span<const core::Address> seeds) {
  if (closed_) return;
  const Time now = Loop::now();
  node_->join(now, seeds);
  flush(now);
}

template <typename Node>
void BasicHost<Node>::leave() {
  if (closed_) return;
  const Time now = Loop::now();
  node_->leave(now);
  flush(now);
}

template <typename Node>
bool BasicHost<Node>::set_meta(
    std::span<const uint8_t> meta) requires std::is_same_v<Node, core::SwimNode> {
  if (closed_) return false;
  const Time now = Loop::now();
  const bool ok = node_->set_meta(now, meta);
  flush(now);
  return ok;
}

// --- packets -------------------------------------------------------------------------------

// Called by the loop's UdpWatch while the socket has datagrams.
template <typename Node>
Status BasicHost<Node>::watch_receive() {
  const std::error_code ec = loop_.udp_watch().watch(
      udp_.native_handle(), [this](Time now) { on_readable(now); }, udp_watch_);
  if (ec) {  // the kernel is out of memory, or of epoll watches (fs.epoll.max_user_watches)
    udp_.close();
    return Status::error("watch udp socket " + to_string(bound_) + ": " + ec.message());
  }
  watching_ = true;
  return Status::ok();
}

// Reads up to packets_per_wakeup datagrams, a batch per system call, into the loop's shared
// batch, handing each to the node; what is left waits for the next turn (the watch is
// level-triggered), so other hosts and timers run in between.
template <typename Node>
void BasicHost<Node>::on_readable(Time now) {
  DatagramBatch& batch = loop_.datagram_batch();
  size_t read = 0;
  while (read < limits_.packets_per_wakeup && !closed_) {
    const std::error_code ec = udp_.receive_batch(batch);
    if (ec) break;  // e.g. an ICMP error reported on this socket: it is cleared by the read
    for (size_t i = 0; i < batch.count(); ++i) {
      const std::span<const uint8_t> bytes = batch.bytes(i);
      ++stats_.packets_received;
      stats_.packet_bytes_received += bytes.size();
      node_->handle_packet(now, from_endpoint(batch.from(i)), bytes);
    }
    read += batch.count();
    if (batch.count() < batch.slots()) break;  // the socket is empty
  }
  flush(now);
}

template <typename Node>
void BasicHost<Node>::send_packet(const core::SwimTransmit& t) {
  if (!udp_.send_to(t.bytes, to_udp(t.to))) {
    ++stats_.packets_send_failed;  // UDP is lossy anyway; the protocol copes
  }
}

// --- the node's outputs --------------------------------------------------------------------

// Drains transmits and events; runs an overdue deadline at once (a confirmation can pull a
// suspicion's deadline into the past), then re-arms the timer.
template <typename Node>
void BasicHost<Node>::flush(Time now) {
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
    Event e;
    while (node_->poll_event(e)) {
      if (on_event_) on_event_(e);
    }
    if (closed_) return;  // an event handler may close the host
    if (node_->poll_timeout() > now) break;
    node_->handle_timeout(now);
  }
  arm_timer();
}

// The loop's Deadlines runs on_deadline at poll_timeout (rounded up to its slack, so many
// hosts' deadlines share one wake-up); the host removes its entry when destroyed.
template <typename Node>
void BasicHost<Node>::arm_timer() {
  loop_.deadlines().set(timer_, node_->poll_timeout());
}

template <typename Node>
void BasicHost<Node>::on_deadline(Time now) {
  if (closed_) return;
  node_->handle_timeout(now);
  flush(now);
}

// The two nodes a host drives (the stream half is instantiated in swim_host_stream.cc).
template class BasicHost<core::SwimNode>;
template class BasicHost<core::serf::SerfNode>;

}  // namespace rumor::net
