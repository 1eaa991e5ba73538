// UdpWatch: the UDP sockets of every host on a Loop, watched as one descriptor.
//
// The sockets sit in one inner epoll set, level-triggered; the io_context waits on that set's
// descriptor. When it turns readable, one epoll_wait lists every socket with datagrams and
// each one's callback reads them (UdpSocket::receive_batch). So a wake-up of the thread
// serves all the sockets that became readable since the last, instead of one wake-up (and
// two reads and a re-arm) per datagram. Level-triggered: a socket left with datagrams (a
// host reads at most packets_per_wakeup per turn) is listed again on the next turn. A turn
// looks again (up to kRoundsPerTurn times) while the last look found sockets: what a host sent
// to another host of the loop (a ping, then its ack) is handled in the same turn.
//
// Invariants: each id has one socket; after unwatch() its callback never runs again, even
// from a turn already under way; callbacks run on the loop thread with the turn's `now`.
#pragma once

#include <asio/io_context.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <cstdint>
#include <functional>
#include <system_error>
#include <vector>

#include "base/time.h"
#include "net/callback_slots.h"

namespace rumor::net {

class UdpWatch {
 public:
  using Id = uint32_t;
  explicit UdpWatch(asio::io_context& io);
  UdpWatch(const UdpWatch&) = delete;
  UdpWatch& operator=(const UdpWatch&) = delete;

  // Starts watching `fd` (which must stay open until unwatch): `on_readable(now)` runs each
  // turn it has datagrams. Errors: the kernel refused to add it.
  std::error_code watch(int fd, std::function<void(Time now)> on_readable, Id& id);
  void unwatch(Id id, int fd);

  uint64_t turns() const { return turns_; }  // wake-ups that found sockets readable

 private:
  void arm();
  static constexpr int kRoundsPerTurn = 4;
  void on_ready();
  int drain_once();  // one epoll_wait(0) and the callbacks of what it lists; returns how many

  asio::posix::stream_descriptor set_;              // owns the inner epoll descriptor
  CallbackSlots<std::function<void(Time)>> slots_;  // the epoll token is (gen << 32) | id
  uint64_t turns_ = 0;
};

}  // namespace rumor::net
