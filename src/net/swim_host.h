// BasicHost<Node>: one node on the real network, a SWIM node (SwimHost, core::SwimNode) or a
// Serf node over one (SerfHost, core::serf::SerfNode; both speak memberlist's transport and are
// driven through the same handle_*/poll_* surface): a UDP socket for its packets,
// a TCP listener and outgoing TCP connections for its streams (push-pull, memberlist's TCP
// fallback ping), a timer for its deadlines, all on one Loop. Many hosts can share a Loop, each
// with its own sockets; nothing protocol-specific lives here (DESIGN.md, "One core, two
// worlds"): bytes in go to handle_*, and after every input the host drains poll_transmit and
// poll_event and re-arms its timer at poll_timeout.
//
// Streams follow the core's model (swim_node.h): a kStreamOpen transmit becomes a connection
// that writes the bytes and reads one framed reply (handle_stream_reply, or
// handle_stream_error on any failure); an accepted connection is read until one whole message
// (wire::ml::stream_frame_size) and handed to handle_stream; the node's kStreamReply is
// written back and the connection closed, and a message the node does not answer closes it.
//
// Limits (NetLimits): at most max_streams connections open at once (inbound beyond it are
// closed at accept, outbound fail at once), every connection closed after stream_timeout, no
// message over max_stream_bytes, at most packets_per_wakeup datagrams read before other work
// runs, the kernel's receive buffer (udp_receive_buffer) the only datagram queue. Junk and
// oversize input are counted (NetStats here, SwimStats and decode errors in the node) and
// dropped; memory stays bounded whatever arrives.
//
// Lifetime: the host owns its node and sockets; close() stops all I/O at once without a leave
// (what a crash looks like to the others) and the node stays readable. Destroying a host with
// handlers still queued on the Loop is safe: they see the host is gone and return.
#pragma once

#include <asio/ip/tcp.hpp>
#include <asio/ip/udp.hpp>
#include <asio/steady_timer.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "base/status.h"
#include "base/time.h"
#include "core/address.h"
#include "core/membership/directory.h"
#include "core/membership/swim_config.h"
#include "core/membership/swim_node.h"
#include "core/serf/serf_node.h"
#include "net/loop.h"
#include "net/udp_socket.h"

namespace rumor::net {

struct NetLimits {
  size_t max_streams = 128;                         // open TCP connections, both directions
  Duration stream_timeout = Duration::seconds(10);  // memberlist's TCPTimeout
  size_t max_stream_bytes = 16 << 20;               // one stream message, label included
  size_t packets_per_wakeup = 64;                   // datagrams read per readiness event
  int udp_receive_buffer = 2 << 20;                 // SO_RCVBUF, memberlist's udpRecvBufSize

  Status validate() const;
};

// What the driver counts; only grows.
struct NetStats {
  uint64_t packets_received = 0;
  uint64_t packet_bytes_received = 0;
  uint64_t packets_send_failed = 0;  // the kernel refused a datagram (buffer full, no route)
  uint64_t streams_accepted = 0;
  uint64_t streams_refused = 0;    // over max_streams (inbound closed, outbound failed)
  uint64_t streams_timed_out = 0;  // open longer than stream_timeout
  uint64_t streams_oversize = 0;   // a message over max_stream_bytes
  uint64_t streams_malformed = 0;  // bytes that can never frame a message
  uint64_t streams_failed = 0;     // connect, read or write errors, early close
  uint64_t stream_bytes_received = 0;
  uint64_t stream_bytes_sent = 0;
};

struct SwimHostOptions {
  std::string name;
  core::Address bind;       // where to listen; port 0 picks a free port (UDP and TCP alike)
  core::Address advertise;  // what members are told; empty: bind, or default_advertise()
  uint32_t incarnation = 1;
  std::vector<uint8_t> meta;
  uint64_t seed = 0;  // the node's Prng seed; 0 draws one from the OS
  NetLimits limits;
  // Hosts in one process may share one name table (it only interns names and addresses, as
  // the simulator's world does); it must outlive them. Null: the host keeps its own.
  core::Directory* shared_directory = nullptr;
};

// What a host needs to know about the node type it drives (SwimNode or serf::SerfNode: the
// same handle_*/poll_* surface, their own events).
template <typename Node>
struct HostedNode;
template <>
struct HostedNode<core::SwimNode> {
  using Event = core::SwimEvent;
};
template <>
struct HostedNode<core::serf::SerfNode> {
  using Event = core::serf::SerfEvent;
};

template <typename Node>
class BasicHost {
 public:
  using Event = typename HostedNode<Node>::Event;
  using EventHandler = std::function<void(const Event&)>;
  // Builds the node once the host knows the address it advertises.
  using MakeNode = std::function<std::unique_ptr<Node>(
      core::Directory& directory, const core::Address& advertise, uint64_t seed, Time now)>;

  // Binds the sockets and starts the node. Errors: invalid limits, a port in use
  // ("bind 0.0.0.0:7946: Address already in use"), an address this machine does not have.
  static Result<std::unique_ptr<BasicHost>> open(Loop& loop, const SwimHostOptions& options,
                                                 const MakeNode& make);
  // A SWIM node (options.meta) or a Serf node (`tags`); the config is validated first.
  static Result<std::unique_ptr<BasicHost>> open(
      Loop& loop, const core::SwimConfig& config,
      const SwimHostOptions& options) requires std::is_same_v<Node, core::SwimNode>;
  static Result<std::unique_ptr<BasicHost>> open(
      Loop& loop, const core::serf::SerfConfig& config, const SwimHostOptions& options,
      const core::wire::Tags& tags) requires std::is_same_v<Node, core::serf::SerfNode>;
  ~BasicHost();
  BasicHost(const BasicHost&) = delete;
  BasicHost& operator=(const BasicHost&) = delete;

  // Commands, run on the loop thread; each drives the node and sends what it produced.
  void join(std::span<const core::Address> seeds);
  void leave();
  bool set_meta(std::span<const uint8_t> meta) requires std::is_same_v<Node, core::SwimNode>;
  // Any other command: fn(node, now), then the node's outputs go out (none once closed).
  // Returns what fn returns.
  template <typename Fn>
  auto command(Fn&& fn) -> decltype(fn(std::declval<Node&>(), Time{})) {
    const Time now = Loop::now();
    if constexpr (std::is_void_v<decltype(fn(std::declval<Node&>(), Time{}))>) {
      fn(*node_, now);
      flush(now);
    } else {
      auto r = fn(*node_, now);
      flush(now);
      return r;
    }
  }
  // Called on the loop thread for each event the node emits, in order.
  void set_event_handler(EventHandler handler) { on_event_ = std::move(handler); }
  // Stops all I/O now, without a leave. Idempotent.
  void close();

  bool closed() const { return closed_; }
  const Node& node() const { return *node_; }
  const core::Directory& directory() const { return *directory_; }
  const NetStats& net_stats() const { return stats_; }
  const core::Address& bound() const { return bound_; }  // the port actually bound

 private:
  // One TCP connection, inbound or outbound. Handlers hold it by shared_ptr, so it lives until the
  // last of them has run, even after the host let go of it.
  struct Stream {
    Stream(asio::io_context& io, asio::ip::tcp::socket s) : socket(std::move(s)), deadline(io) {}
    asio::ip::tcp::socket socket;
    asio::steady_timer deadline;
    uint64_t id = 0;  // inbound: the conn id handed to the node; outbound: the node's stream id
    bool inbound = true;
    bool done = false;
    bool replying = false;  // inbound: the node's reply is being written
    core::Address peer;
    std::vector<uint8_t> in;  // bytes read so far: in[0, have)
    size_t have = 0;
    size_t next_check = 0;     // frame the buffer again once `have` reaches this (doubling)
    std::vector<uint8_t> out;  // what is being written
  };
  BasicHost(Loop& loop, const SwimHostOptions& options);
  Status bind(const core::Address& at);

  Status watch_receive();
  void on_readable(Time now);
  // Drains the node's outputs; `now` is the clock as of the input just handed to it.
  void flush(Time now);
  void arm_timer();
  void on_deadline(Time now);
  void send_packet(const core::SwimTransmit& t);
  void open_stream(core::SwimTransmit& t);
  void reply_stream(core::SwimTransmit& t);
  void accept_next();
  void on_accept(asio::ip::tcp::socket socket);

  std::shared_ptr<Stream> add_stream(asio::ip::tcp::socket socket, bool inbound, uint64_t id);
  void read_frame(const std::shared_ptr<Stream>& s);
  void on_frame(const std::shared_ptr<Stream>& s, size_t size);
  void end_stream(const std::shared_ptr<Stream>& s, bool failed);

  Loop& loop_;
  NetLimits limits_;
  std::unique_ptr<core::Directory> own_directory_;
  core::Directory* directory_ = nullptr;
  std::unique_ptr<Node> node_;
  UdpSocket udp_;
  UdpWatch::Id udp_watch_ = 0;
  bool watching_ = false;  // udp_watch_ is this host's
  asio::ip::tcp::acceptor acceptor_;
  Deadlines::Id timer_;  // this host's entry in the loop's Deadlines
  core::Address bound_;
  bool closed_ = false;
  EventHandler on_event_;
  NetStats stats_;
  uint64_t next_conn_ = 1;
  // Open connections: inbound by the driver's conn id, outbound by the node's stream id.
  std::unordered_map<uint64_t, std::shared_ptr<Stream>> inbound_;
  std::unordered_map<uint64_t, std::shared_ptr<Stream>> outbound_;
  // Handlers hold a weak_ptr to this: once the host is gone they return untouched.
  std::shared_ptr<char> life_ = std::make_shared<char>();
};

using SwimHost = BasicHost<core::SwimNode>;
using SerfHost = BasicHost<core::serf::SerfNode>;

}  // namespace rumor::net
