#include "net/udp_socket.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace rumor::net {

namespace {

std::error_code last_error() {
  return {errno, std::system_category()};
}

}  // namespace

DatagramBatch::DatagramBatch(size_t slots)
    : buffers_(new uint8_t[slots * kMax]),
      sizes_(slots),
      from_(slots),
      iov_(slots),
      headers_(slots) {}

std::error_code UdpSocket::open_and_bind(const asio::ip::udp::endpoint& at, int receive_buffer) {
  close();
  fd_ = ::socket(at.protocol().family(), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return last_error();
  if (at.address().is_v6()) {
    const int on = 1;  // as Asio and Go bind: an IPv6 socket takes only IPv6
    ::setsockopt(fd_, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
  }
  // Not fatal when refused: the kernel caps it at net.core.rmem_max.
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
  if (::bind(fd_, at.data(), static_cast<socklen_t>(at.size())) != 0) {
    const std::error_code ec = last_error();
    close();
    return ec;
  }
  return {};
}

void UdpSocket::close() {
  if (fd_ < 0) return;
  ::close(fd_);
  fd_ = -1;
}

bool UdpSocket::send_to(std::span<const uint8_t> bytes, const asio::ip::udp::endpoint& to) {
  if (fd_ < 0) return false;
  for (;;) {
    const ssize_t n = ::sendto(fd_, bytes.data(), bytes.size(), MSG_DONTWAIT | MSG_NOSIGNAL,
                               to.data(), static_cast<socklen_t>(to.size()));
    if (n >= 0) return true;
    if (errno != EINTR) return false;
  }
}

std::error_code UdpSocket::receive_batch(DatagramBatch& b) {
  b.count_ = 0;
  if (fd_ < 0) return std::make_error_code(std::errc::bad_file_descriptor);
  const size_t slots = b.slots();
  for (size_t i = 0; i < slots; ++i) {
    b.iov_[i] = iovec{b.buffers_.get() + i * DatagramBatch::kMax, DatagramBatch::kMax};
    mmsghdr& h = b.headers_[i];
    h = mmsghdr{};
    h.msg_hdr.msg_iov = &b.iov_[i];
    h.msg_hdr.msg_iovlen = 1;
    h.msg_hdr.msg_name = b.from_[i].data();
    h.msg_hdr.msg_namelen = static_cast<socklen_t>(b.from_[i].capacity());
  }
  int n;
  do {
    n = ::recvmmsg(fd_, b.headers_.data(), static_cast<unsigned>(slots), MSG_DONTWAIT, nullptr);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) return {};
    return last_error();
  }
  for (int i = 0; i < n; ++i) {
    const mmsghdr& h = b.headers_[i];
    b.sizes_[i] = h.msg_len;
    b.from_[i].resize(h.msg_hdr.msg_namelen);
  }
  b.count_ = static_cast<size_t>(n);
  return {};
}

}  // namespace rumor::net
