#include "net/udp_watch.h"

#include <sys/epoll.h>

#include <array>
#include <cerrno>

#include "base/assert.h"
#include "net/loop.h"

namespace rumor::net {

namespace {

int new_epoll() {
  const int fd = ::epoll_create1(EPOLL_CLOEXEC);
  RUMOR_ASSERT(fd >= 0, "epoll_create1 failed (out of descriptors at start-up)");
  return fd;
}

uint64_t token(UdpWatch::Id id, uint32_t gen) {
  return (static_cast<uint64_t>(gen) << 32) | id;
}

}  // namespace

UdpWatch::UdpWatch(asio::io_context& io) : set_(io, new_epoll()) {
  arm();
}

std::error_code UdpWatch::watch(int fd, std::function<void(Time)> on_readable, Id& id) {
  id = slots_.add(std::move(on_readable));
  epoll_event ev{};
  ev.events = EPOLLIN;  // level-triggered: what a turn leaves unread is listed again
  ev.data.u64 = token(id, slots_.at(id).gen);
  if (::epoll_ctl(set_.native_handle(), EPOLL_CTL_ADD, fd, &ev) != 0) {
    const std::error_code ec(errno, std::system_category());
    slots_.remove(id);
    return ec;
  }
  return {};
}

void UdpWatch::unwatch(Id id, int fd) {
  if (!slots_.remove(id)) return;
  epoll_event ev{};
  ::epoll_ctl(set_.native_handle(), EPOLL_CTL_DEL, fd, &ev);
}

void UdpWatch::arm() {
  set_.async_wait(asio::posix::stream_descriptor::wait_read, [this](const asio::error_code& ec) {
    if (ec) return;  // the loop is going away
    on_ready();
  });
}

void UdpWatch::on_ready() {
  ++turns_;
  // Handling a datagram often sends one to another socket of this loop (a ping, then its ack,
  // when many hosts share it): looking again before going back to the io_context serves that
  // chain in this turn instead of one io_context round (and re-arm) per hop.
  for (int round = 0; round < kRoundsPerTurn; ++round) {
    if (drain_once() == 0) break;
  }
  arm();
}

int UdpWatch::drain_once() {
  std::array<epoll_event, 256> events;
  int n;
  do {
    n = ::epoll_wait(set_.native_handle(), events.data(), static_cast<int>(events.size()), 0);
  } while (n < 0 && errno == EINTR);
  const Time now = Loop::now();
  slots_.begin_turn();
  for (int i = 0; i < n; ++i) {
    const Id id = static_cast<Id>(events[i].data.u64 & 0xffffffffu);
    const auto gen = static_cast<uint32_t>(events[i].data.u64 >> 32);
    if (slots_.live(id, gen)) slots_.at(id).fn(now);
  }
  slots_.end_turn();
  return n;
}

}  // namespace rumor::net
