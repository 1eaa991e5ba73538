// BasicHost's TCP streams (swim_host.h): accepting, connecting, framing one message per
// connection, the reply, and the limits that bound all of it.
#include <algorithm>
#include <asio/connect.hpp>
#include <asio/write.hpp>

#include "core/wire/memberlist_codec.h"
#include "net/endpoint.h"
#include "net/swim_host.h"

namespace rumor::net {

using asio::ip::tcp;

namespace {
constexpr size_t kFirstRead = 4096;
constexpr size_t kMinFreeSpace = 1024;
const auto kAcceptRetry = std::chrono::milliseconds(50);
}  // namespace

// --- accepting ------------------------------------------------------------------------------

template <typename Node>
void BasicHost<Node>::accept_next() {
  acceptor_.async_accept(
      [this, life = std::weak_ptr<char>(life_)](const asio::error_code& ec, tcp::socket socket) {
        if (life.expired() || closed_) return;
        if (!ec) {
          on_accept(std::move(socket));
          accept_next();
          return;
        }
        // Out of descriptors or a connection reset before accept: try again shortly rather
        // than spin on an error that repeats at once.
        auto retry = std::make_shared<asio::steady_timer>(loop_.io(), kAcceptRetry);
        retry->async_wait([this, life, retry](const asio::error_code& e) {
          if (life.expired() || closed_ || e) return;
          accept_next();
        });
      });
}

template <typename Node>
void BasicHost<Node>::on_accept(tcp::socket socket) {
  asio::error_code ec;
  const tcp::endpoint peer = socket.remote_endpoint(ec);
  if (ec) return;  // already gone
  if (inbound_.size() + outbound_.size() >= limits_.max_streams) {
    ++stats_.streams_refused;
    socket.close(ec);
    return;
  }
  ++stats_.streams_accepted;
  auto s = add_stream(std::move(socket), true, next_conn_++);
  s->peer = from_endpoint(peer);
  read_frame(s);
}

// --- connecting -----------------------------------------------------------------------------

template <typename Node>
void BasicHost<Node>::open_stream(core::SwimTransmit& t) {
  if (inbound_.size() + outbound_.size() >= limits_.max_streams) {
    ++stats_.streams_refused;
    node_->handle_stream_error(Loop::now(), t.stream);  // flush() goes on polling after this
    return;
  }
  auto s = add_stream(tcp::socket(loop_.io()), false, t.stream);
  s->peer = t.to;
  s->out = std::move(t.bytes);
  s->socket.async_connect(to_tcp(t.to),
                          [this, life = std::weak_ptr<char>(life_), s](const asio::error_code& ec) {
                            if (life.expired() || s->done) return;
                            if (ec) {
                              ++stats_.streams_failed;
                              end_stream(s, true);
                              return;
                            }
                            asio::async_write(s->socket, asio::buffer(s->out),
                                              [this, life, s](const asio::error_code& e, size_t n) {
                                                if (life.expired() || s->done) return;
                                                stats_.stream_bytes_sent += n;
                                                if (e) {
                                                  ++stats_.streams_failed;
                                                  end_stream(s, true);
                                                  return;
                                                }
                                                read_frame(s);
                                              });
                          });
}

template <typename Node>
std::shared_ptr<typename BasicHost<Node>::Stream> BasicHost<Node>::add_stream(tcp::socket socket,
                                                                              bool inbound,
                                                                              uint64_t id) {
  auto s = std::make_shared<Stream>(loop_.io(), std::move(socket));
  s->id = id;
  s->inbound = inbound;
  (inbound ? inbound_ : outbound_)[id] = s;
  s->deadline.expires_after(std::chrono::nanoseconds(limits_.stream_timeout.ns()));
  s->deadline.async_wait([this, life = std::weak_ptr<char>(life_), s](const asio::error_code& ec) {
    if (life.expired() || s->done || ec) return;
    ++stats_.streams_timed_out;
    end_stream(s, true);
  });
  return s;
}

// --- one message per connection -------------------------------------------------------------

// Reads until the buffer holds one whole message. Framing parses from the start, so it runs
// only when the peer has paused (nothing more to read right now) or the buffer has doubled:
// linear work whatever the message size.
template <typename Node>
void BasicHost<Node>::read_frame(const std::shared_ptr<Stream>& s) {
  if (s->in.size() - s->have < kMinFreeSpace) {
    if (s->have >= limits_.max_stream_bytes) {
      ++stats_.streams_oversize;
      end_stream(s, true);
      return;
    }
    s->in.resize(std::min(std::max(s->in.size() * 2, kFirstRead), limits_.max_stream_bytes + 1));
  }
  s->socket.async_read_some(
      asio::buffer(s->in.data() + s->have, s->in.size() - s->have),
      [this, life = std::weak_ptr<char>(life_), s](const asio::error_code& ec, size_t n) {
        if (life.expired() || s->done) return;
        if (ec) {  // closed or reset before a whole message
          ++stats_.streams_failed;
          end_stream(s, true);
          return;
        }
        s->have += n;
        stats_.stream_bytes_received += n;
        asio::error_code avail_ec;
        if (s->have >= s->next_check || s->socket.available(avail_ec) == 0) {
          std::optional<core::wire::ml::MlError> bad;
          const auto size = core::wire::ml::stream_frame_size(
              std::span<const uint8_t>(s->in.data(), s->have), &bad);
          if (bad) {
            ++stats_.streams_malformed;
            end_stream(s, true);
            return;
          }
          if (size && *size <= s->have) {
            on_frame(s, *size);
            return;
          }
          s->next_check = s->have * 2;
        }
        read_frame(s);
      });
}

template <typename Node>
void BasicHost<Node>::on_frame(const std::shared_ptr<Stream>& s, size_t size) {
  const std::span<const uint8_t> message(s->in.data(), size);
  const Time now = Loop::now();
  if (!s->inbound) {
    end_stream(s, false);
    node_->handle_stream_reply(now, s->id, message);
    flush(now);
    return;
  }
  s->deadline.cancel();  // from here the reply's write is bounded by the node's own timeout
  node_->handle_stream(now, s->peer, s->id, message);
  flush(now);
  if (!s->replying) end_stream(s, false);  // nothing to answer
  // A reply being written keeps the connection until the write ends (reply_stream).
}

template <typename Node>
void BasicHost<Node>::reply_stream(core::SwimTransmit& t) {
  auto it = inbound_.find(t.stream);
  if (it == inbound_.end()) {
    ++stats_.streams_failed;  // closed or timed out before the node answered
    return;
  }
  auto s = it->second;
  s->replying = true;
  s->out = std::move(t.bytes);
  s->deadline.expires_after(std::chrono::nanoseconds(limits_.stream_timeout.ns()));
  s->deadline.async_wait([this, life = std::weak_ptr<char>(life_), s](const asio::error_code& ec) {
    if (life.expired() || s->done || ec) return;
    ++stats_.streams_timed_out;
    end_stream(s, true);
  });
  asio::async_write(
      s->socket, asio::buffer(s->out),
      [this, life = std::weak_ptr<char>(life_), s](const asio::error_code& ec, size_t n) {
        if (life.expired() || s->done) return;
        stats_.stream_bytes_sent += n;
        if (ec) ++stats_.streams_failed;
        end_stream(s, ec.operator bool());
      });
}

// Closes the connection and forgets it; an outbound stream that failed tells the node.
template <typename Node>
void BasicHost<Node>::end_stream(const std::shared_ptr<Stream>& s, bool failed) {
  if (s->done) return;
  s->done = true;
  asio::error_code ignored;
  s->socket.shutdown(tcp::socket::shutdown_both, ignored);
  s->socket.close(ignored);
  s->deadline.cancel();
  (s->inbound ? inbound_ : outbound_).erase(s->id);
  if (!s->inbound && failed && !closed_) {
    const Time now = Loop::now();
    node_->handle_stream_error(now, s->id);
    flush(now);
  }
}

// The stream half of the two hosts (swim_host.cc instantiates the classes' other members).
#define RUMOR_HOST_STREAMS(Node)                                                                   \
  template void BasicHost<Node>::accept_next();                                                    \
  template void BasicHost<Node>::on_accept(tcp::socket);                                           \
  template void BasicHost<Node>::open_stream(core::SwimTransmit&);                                 \
  template std::shared_ptr<BasicHost<Node>::Stream> BasicHost<Node>::add_stream(tcp::socket, bool, \
                                                                                uint64_t);         \
  template void BasicHost<Node>::read_frame(const std::shared_ptr<Stream>&);                       \
  template void BasicHost<Node>::on_frame(const std::shared_ptr<Stream>&, size_t);                 \
  template void BasicHost<Node>::reply_stream(core::SwimTransmit&);                                \
  template void BasicHost<Node>::end_stream(const std::shared_ptr<Stream>&, bool);
RUMOR_HOST_STREAMS(core::SwimNode)
RUMOR_HOST_STREAMS(core::serf::SerfNode)
#undef RUMOR_HOST_STREAMS

}  // namespace rumor::net
