// UdpSocket: a non-blocking UDP socket on the raw Linux calls (socket, bind, sendto, recvmmsg).
//
// Asio's own UDP socket is registered with its reactor edge-triggered for reading, so every
// datagram that arrives wakes the io_context, whether or not anyone waits on it. A process
// hosting thousands of nodes wants the opposite: the sockets watched as one set (Loop's
// UdpWatch), read in batches (recvmmsg), and the thread woken once per batch. Nothing here is
// protocol-specific.
//
// Invariants: the descriptor is owned (closed by close() or the destructor, once); every call
// is non-blocking; errors come back as std::error_code, never as exceptions.
#pragma once

#include <sys/socket.h>
#include <sys/uio.h>

#include <asio/ip/udp.hpp>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <system_error>
#include <vector>

namespace rumor::net {

// Scratch for receive_batch: up to `slots` datagrams of up to 64 KiB each. Only the bytes the
// kernel writes become resident, so the reservation costs little until traffic needs it.
class DatagramBatch {
 public:
  explicit DatagramBatch(size_t slots = 16);
  size_t slots() const { return sizes_.size(); }
  size_t count() const { return count_; }
  std::span<const uint8_t> bytes(size_t i) const { return {buffers_.get() + i * kMax, sizes_[i]}; }
  const asio::ip::udp::endpoint& from(size_t i) const { return from_[i]; }

  static constexpr size_t kMax = 65536;

 private:
  friend class UdpSocket;
  // Left uninitialised on purpose: a vector would zero it and make every page resident.
  std::unique_ptr<uint8_t[]> buffers_;
  std::vector<size_t> sizes_;
  std::vector<asio::ip::udp::endpoint> from_;
  std::vector<iovec> iov_;
  std::vector<mmsghdr> headers_;
  size_t count_ = 0;
};

class UdpSocket {
 public:
  UdpSocket() = default;
  ~UdpSocket() { close(); }
  UdpSocket(const UdpSocket&) = delete;
  UdpSocket& operator=(const UdpSocket&) = delete;

  // A non-blocking socket for `protocol` bound to `at`, with the receive buffer asked for (a
  // smaller one granted by the kernel is not an error).
  std::error_code open_and_bind(const asio::ip::udp::endpoint& at, int receive_buffer);
  void close();
  bool is_open() const { return fd_ >= 0; }
  int native_handle() const { return fd_; }

  // One datagram; false when the kernel refused it (buffer full, no route): UDP is lossy.
  bool send_to(std::span<const uint8_t> bytes, const asio::ip::udp::endpoint& to);
  // Reads what is queued, up to batch.slots() datagrams, with one recvmmsg; batch.count() is
  // how many (0 when none was waiting). Errors other than "nothing to read" are returned.
  std::error_code receive_batch(DatagramBatch& batch);

 private:
  int fd_ = -1;
};

}  // namespace rumor::net
