// UdpSocket and UdpWatch on real loopback sockets: batches of datagrams come back with their
// senders, an empty socket reads as zero datagrams, a taken port is an error, and the watch
// runs every readable socket's callback from one wake-up, again while datagrams are left, and
// never after unwatch. Wall-clock (tests/net only); waits are for outcomes, bounded.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "net/endpoint.h"
#include "net/loop.h"
#include "net/udp_socket.h"
#include "net/udp_watch.h"
#include "support/run_until.h"

namespace rumor::net {
namespace {

using asio::ip::udp;

udp::endpoint loopback(uint16_t port = 0) {
  return udp::endpoint(asio::ip::make_address_v4("127.0.0.1"), port);
}

// The port the kernel gave a socket bound to port 0.
udp::endpoint local_endpoint(const UdpSocket& s) {
  udp::endpoint e = loopback();
  socklen_t len = static_cast<socklen_t>(e.capacity());
  EXPECT_EQ(::getsockname(s.native_handle(), e.data(), &len), 0);
  e.resize(len);
  return e;
}

std::unique_ptr<UdpSocket> open_socket() {
  auto s = std::make_unique<UdpSocket>();
  EXPECT_FALSE(s->open_and_bind(loopback(), 1 << 16));
  return s;
}

std::vector<uint8_t> bytes_of(const std::string& text) {
  return {text.begin(), text.end()};
}

using testing::run_until;

TEST(UdpSocket, ReceiveBatchReturnsEveryQueuedDatagramWithItsSender) {
  auto a = open_socket();
  auto b = open_socket();
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(a->send_to(bytes_of("datagram " + std::to_string(i)), local_endpoint(*b)));
  }
  DatagramBatch batch(16);
  ASSERT_FALSE(b->receive_batch(batch));
  ASSERT_EQ(batch.count(), 5u);
  for (size_t i = 0; i < 5; ++i) {
    const auto got = batch.bytes(i);
    EXPECT_EQ(std::string(got.begin(), got.end()), "datagram " + std::to_string(i));
    EXPECT_EQ(batch.from(i), local_endpoint(*a));
  }
}

TEST(UdpSocket, BatchSmallerThanTheQueueTakesTheRestNextTime) {
  auto a = open_socket();
  auto b = open_socket();
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE(a->send_to(bytes_of("x"), local_endpoint(*b)));
  DatagramBatch batch(3);
  ASSERT_FALSE(b->receive_batch(batch));
  EXPECT_EQ(batch.count(), 3u);
  ASSERT_FALSE(b->receive_batch(batch));
  EXPECT_EQ(batch.count(), 2u);
}

TEST(UdpSocket, EmptySocketReadsZeroDatagramsWithoutError) {
  auto s = open_socket();
  DatagramBatch batch(4);
  EXPECT_FALSE(s->receive_batch(batch));
  EXPECT_EQ(batch.count(), 0u);
}

TEST(UdpSocket, BindingATakenPortIsAddressInUse) {
  auto a = open_socket();
  UdpSocket b;
  const std::error_code ec = b.open_and_bind(local_endpoint(*a), 1 << 16);
  EXPECT_EQ(ec, std::errc::address_in_use) << ec.message();
  EXPECT_FALSE(b.is_open());
}

TEST(UdpWatch, EveryReadableSocketIsServedFromOneWakeup) {
  Loop loop;
  auto sender = open_socket();
  std::vector<std::unique_ptr<UdpSocket>> sockets;
  std::vector<UdpWatch::Id> ids(50);
  int served = 0;
  DatagramBatch batch(4);
  for (int i = 0; i < 50; ++i) {
    sockets.push_back(open_socket());
    UdpSocket* s = sockets.back().get();
    ASSERT_FALSE(loop.udp_watch().watch(
        s->native_handle(),
        [&served, &batch, s](Time) {
          ASSERT_FALSE(s->receive_batch(batch));
          served += static_cast<int>(batch.count());
        },
        ids[i]));
  }
  for (auto& s : sockets)
    ASSERT_TRUE(sender->send_to(bytes_of("ping"), local_endpoint(*s)));
  ASSERT_TRUE(run_until(loop, [&] { return served == 50; }));
  EXPECT_EQ(loop.udp_watch().turns(), 1u);
}

TEST(UdpWatch, SocketLeftWithDatagramsIsServedAgainUntilEmpty) {
  Loop loop;
  auto sender = open_socket();
  auto s = open_socket();
  DatagramBatch one(1);  // the callback reads a single datagram per call
  int served = 0;
  int calls = 0;
  UdpWatch::Id id;
  ASSERT_FALSE(loop.udp_watch().watch(
      s->native_handle(),
      [&](Time) {
        ++calls;
        ASSERT_FALSE(s->receive_batch(one));
        served += static_cast<int>(one.count());
      },
      id));
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(sender->send_to(bytes_of("x"), local_endpoint(*s)));
  ASSERT_TRUE(run_until(loop, [&] { return served == 3; }));
  EXPECT_GE(calls, 3);  // level-triggered: listed again while datagrams are left
}

TEST(UdpWatch, ADatagramOneCallbackSendsToAnotherWatchedSocketIsServedInTheSameTurn) {
  Loop loop;
  auto sender = open_socket();
  auto a = open_socket();
  auto b = open_socket();
  DatagramBatch batch(4);
  bool b_served = false;
  UdpWatch::Id ia, ib;
  ASSERT_FALSE(loop.udp_watch().watch(
      a->native_handle(),
      [&](Time) {
        ASSERT_FALSE(a->receive_batch(batch));
        if (batch.count() > 0) {
          ASSERT_TRUE(a->send_to(bytes_of("ack"), local_endpoint(*b)));
        }
      },
      ia));
  ASSERT_FALSE(loop.udp_watch().watch(
      b->native_handle(),
      [&](Time) {
        ASSERT_FALSE(b->receive_batch(batch));
        b_served = b_served || batch.count() > 0;
      },
      ib));
  ASSERT_TRUE(sender->send_to(bytes_of("ping"), local_endpoint(*a)));
  ASSERT_TRUE(run_until(loop, [&] { return b_served; }));
  EXPECT_EQ(loop.udp_watch().turns(), 1u);  // the ping and the ack in one wake-up
}

TEST(UdpWatch, UnwatchedSocketsCallbackNeverRuns) {
  Loop loop;
  auto sender = open_socket();
  auto watched = open_socket();
  auto dropped = open_socket();
  int watched_calls = 0, dropped_calls = 0;
  DatagramBatch batch(4);
  UdpWatch::Id a, b;
  ASSERT_FALSE(loop.udp_watch().watch(
      watched->native_handle(),
      [&](Time) {
        ASSERT_FALSE(watched->receive_batch(batch));
        ++watched_calls;
      },
      a));
  ASSERT_FALSE(loop.udp_watch().watch(
      dropped->native_handle(), [&](Time) { ++dropped_calls; }, b));
  loop.udp_watch().unwatch(b, dropped->native_handle());
  ASSERT_TRUE(sender->send_to(bytes_of("x"), local_endpoint(*dropped)));
  ASSERT_TRUE(sender->send_to(bytes_of("x"), local_endpoint(*watched)));
  ASSERT_TRUE(run_until(loop, [&] { return watched_calls == 1; }));
  loop.io().run_for(std::chrono::milliseconds(30));
  EXPECT_EQ(dropped_calls, 0);
}

}  // namespace
}  // namespace rumor::net
