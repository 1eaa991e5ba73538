// SerfRpcServer over raw sockets speaking msgpack by hand (framing, errors, streams, limits),
// and the codec's byte-level choices.
#include "agent/serf_rpc.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "agent/serf_rpc_codec.h"
#include "agent/serf_rpc_test_backend.h"

namespace rumor::agent {
namespace {

using Clock = std::chrono::steady_clock;
using rpctest::Bytes;
using rpctest::bytes_of;
using rpctest::FakeBackend;
using rpctest::member;

// ---- raw sockets -------------------------------------------------------------------------

// A blocking client with a receive timeout, speaking msgpack by hand.
class RawClient {
 public:
  explicit RawClient(uint16_t port, int rcvbuf = 0) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (rcvbuf > 0) setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) == 0;
  }
  ~RawClient() { ::close(fd_); }
  bool connected() const { return connected_; }

  void send_raw(const Bytes& b) {
    size_t off = 0;
    while (off < b.size()) {
      const ssize_t n = ::send(fd_, b.data() + off, b.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return;
      off += static_cast<size_t>(n);
    }
  }
  // Sends {Command, Seq} and, if given, a body written by `body`.
  void request(const std::string& command, uint64_t seq,
               const std::function<void(msgpack::packer<msgpack::sbuffer>&)>& body = nullptr) {
    msgpack::sbuffer buf;
    msgpack::packer<msgpack::sbuffer> pk(buf);
    pk.pack_map(2);
    pk.pack(std::string("Command"));
    pk.pack(command);
    pk.pack(std::string("Seq"));
    pk.pack(seq);
    if (body) body(pk);
    send_raw(Bytes(buf.data(), buf.data() + buf.size()));
  }
  void handshake(uint64_t seq = 1) {
    request("handshake", seq, [](auto& pk) {
      pk.pack_map(1);
      pk.pack(std::string("Version"));
      pk.pack(1);
    });
  }

  // The next msgpack object, or nullopt on EOF or after `timeout_ms`.
  std::optional<msgpack::object_handle> next(int timeout_ms = 2000) {
    const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    while (true) {
      msgpack::object_handle h;
      if (unpacker_.next(h)) return h;
      if (!fill(deadline)) return std::nullopt;
    }
  }
  // True when the server closes the connection before `timeout_ms`, skipping any output.
  bool closed_by_server(int timeout_ms = 2000) {
    const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    while (fill(deadline)) {
    }
    return eof_;
  }

 private:
  bool fill(Clock::time_point deadline) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (eof_ || left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    unpacker_.reserve_buffer(4096);
    const ssize_t n = ::recv(fd_, unpacker_.buffer(), 4096, 0);
    if (n <= 0) {
      eof_ = true;
      return false;
    }
    unpacker_.buffer_consumed(static_cast<size_t>(n));
    return true;
  }

  int fd_ = -1;
  bool connected_ = false;
  bool eof_ = false;
  msgpack::unpacker unpacker_;
};

using Fields = std::map<std::string, msgpack::object>;

// A decoded map with the zone its values live in.
struct Record {
  msgpack::object_handle handle;
  Fields fields;
  const msgpack::object& at(const std::string& key) const { return fields.at(key); }
};

Record next_record(RawClient& c) {
  Record r;
  auto h = c.next();
  if (!h) {
    ADD_FAILURE() << "no record before the timeout";
    return r;
  }
  r.handle = std::move(*h);
  if (r.handle.get().type != msgpack::type::MAP) {
    ADD_FAILURE() << "record is not a map";
    return r;
  }
  r.fields = r.handle.get().as<Fields>();
  return r;
}

struct Header {
  uint64_t seq = 0;
  std::string error;
};

std::optional<Header> next_header(RawClient& c) {
  auto h = c.next();
  if (!h || h->get().type != msgpack::type::MAP) return std::nullopt;
  const Fields f = h->get().as<Fields>();
  return Header{f.at("Seq").as<uint64_t>(), f.at("Error").as<std::string>()};
}

class SerfRpcRaw : public ::testing::Test {
 protected:
  void start(SerfRpcConfig config = {}) {
    auto s = SerfRpcServer::start(backend_, "127.0.0.1:0", std::move(config));
    ASSERT_TRUE(s.is_ok()) << s.message();
    server_ = std::move(*s);
  }
  void SetUp() override { start(); }
  // A client that has shaken hands.
  std::unique_ptr<RawClient> ready_client() {
    auto c = std::make_unique<RawClient>(server_->port());
    EXPECT_TRUE(c->connected());
    c->handshake();
    auto h = next_header(*c);
    EXPECT_TRUE(h && h->seq == 1 && h->error.empty());
    return c;
  }
  void open_stream(RawClient& c, uint64_t seq, const std::string& type) {
    c.request("stream", seq, [&](auto& pk) {
      pk.pack_map(1);
      pk.pack(std::string("Type"));
      pk.pack(type);
    });
    auto h = next_header(c);
    ASSERT_TRUE(h.has_value());
    EXPECT_EQ(h->seq, seq);
    EXPECT_EQ(h->error, "");
  }

  FakeBackend backend_;
  std::unique_ptr<SerfRpcServer> server_;
};

RpcEvent user_event(const std::string& name, const std::string& payload, uint64_t ltime) {
  RpcEvent e;
  e.type = RpcEventType::kUser;
  e.name = name;
  e.payload = bytes_of(payload);
  e.ltime = ltime;
  e.coalesce = true;
  return e;
}

TEST_F(SerfRpcRaw, CommandBeforeHandshakeIsAnsweredHandshakeRequiredThenClosed) {
  RawClient c(server_->port());
  c.request("members", 7);
  auto h = next_header(c);
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(h->seq, 7u);
  EXPECT_EQ(h->error, "Handshake required");
  EXPECT_TRUE(c.closed_by_server());
}

TEST_F(SerfRpcRaw, UnknownCommandIsUnsupportedThenClosed) {
  auto c = ready_client();
  c->request("self-destruct", 2);
  auto h = next_header(*c);
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(h->error, "Unsupported command");
  EXPECT_TRUE(c->closed_by_server());
}

TEST_F(SerfRpcRaw, SecondHandshakeIsRefusedAndTheConnectionStays) {
  auto c = ready_client();
  c->handshake(2);
  auto h = next_header(*c);
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(h->error, "Handshake already performed");
  c->request("members", 3);
  h = next_header(*c);
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(h->seq, 3u);
  EXPECT_EQ(h->error, "");
  Record body = next_record(*c);
  EXPECT_EQ(body.at("Members").via.array.size, 3u);
}

TEST_F(SerfRpcRaw, GarbageBytesCloseTheConnectionAndTheServerGoesOn) {
  RawClient c(server_->port());
  c.send_raw({0xc1, 0xc1, 0xc1, 0xc1});
  EXPECT_TRUE(c.closed_by_server());
  RawClient wrong_shape(server_->port());
  wrong_shape.send_raw({0x2a});  // an integer where the header map belongs
  EXPECT_TRUE(wrong_shape.closed_by_server());
  auto good = ready_client();
  EXPECT_GE(server_->counters().bad_input, 2u);
}

TEST_F(SerfRpcRaw, BodyOfTheWrongTypeClosesTheConnection) {
  RawClient c(server_->port());
  c.request("handshake", 1, [](auto& pk) {
    pk.pack_map(1);
    pk.pack(std::string("Version"));
    pk.pack(std::string("one"));
  });
  EXPECT_TRUE(c.closed_by_server());
}

TEST_F(SerfRpcRaw, OversizeRequestClosesTheConnection) {
  server_.reset();
  SerfRpcConfig config;
  config.max_request_bytes = 1024;
  start(config);
  auto c = ready_client();
  c->request("event", 2, [](auto& pk) {
    pk.pack_map(1);
    pk.pack(std::string("Payload"));
    pk.pack(std::string(4000, 'x'));
  });
  EXPECT_TRUE(c->closed_by_server());
  // A header claiming a 1 GiB string is refused from its first bytes.
  RawClient liar(server_->port());
  liar.send_raw({0x82, 0xa7, 'C', 'o', 'm', 'm', 'a', 'n', 'd', 0xdb, 0x40, 0, 0, 0});
  EXPECT_TRUE(liar.closed_by_server());
  EXPECT_GE(server_->counters().bad_input, 2u);
}

TEST_F(SerfRpcRaw, ConnectionsBeyondTheLimitAreClosed) {
  server_.reset();
  SerfRpcConfig config;
  config.max_connections = 2;
  start(config);
  auto a = ready_client();
  auto b = ready_client();
  RawClient c(server_->port());
  EXPECT_TRUE(c.closed_by_server());
  EXPECT_EQ(server_->counters().refused, 1u);
}

TEST_F(SerfRpcRaw, StreamReceivesOnlyTheEventsItsFilterNames) {
  auto c = ready_client();
  open_stream(*c, 2, "member-join,user:deploy");
  RpcEvent leave;
  leave.type = RpcEventType::kMemberLeave;
  leave.members = backend_.members();
  RpcEvent join = leave;
  join.type = RpcEventType::kMemberJoin;
  join.members.resize(1);
  RpcEvent query = user_event("deploy", "q", 9);
  query.type = RpcEventType::kQuery;
  server_->publish_event(leave);
  server_->publish_event(join);
  server_->publish_event(user_event("other", "x", 4));
  server_->publish_event(query);
  server_->publish_event(user_event("deploy", "v2", 5));

  auto h = next_header(*c);
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(h->seq, 2u);
  Record rec = next_record(*c);
  EXPECT_EQ(rec.at("Event").as<std::string>(), "member-join");
  ASSERT_EQ(rec.at("Members").via.array.size, 1u);
  auto m = rec.at("Members").via.array.ptr[0].as<std::map<std::string, msgpack::object>>();
  EXPECT_EQ(m.at("Name").as<std::string>(), "node-a");
  EXPECT_EQ(m.at("Addr").type, msgpack::type::BIN);

  h = next_header(*c);
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(h->seq, 2u);
  rec = next_record(*c);
  EXPECT_EQ(rec.at("Event").as<std::string>(), "user");
  EXPECT_EQ(rec.at("Name").as<std::string>(), "deploy");
  EXPECT_EQ(rec.at("Payload").as<std::string>(), "v2");
  EXPECT_EQ(rec.at("LTime").as<uint64_t>(), 5u);
  EXPECT_TRUE(rec.at("Coalesce").as<bool>());
  EXPECT_FALSE(c->next(200).has_value());
}

TEST_F(SerfRpcRaw, RespondToAStreamedQueryReachesTheBackendWithItsHandle) {
  auto c = ready_client();
  open_stream(*c, 2, "query:ping");
  RpcEvent q = user_event("ping", "are you there", 11);
  q.type = RpcEventType::kQuery;
  q.query_handle = 777;
  server_->publish_event(q);
  ASSERT_TRUE(next_header(*c).has_value());
  Record rec = next_record(*c);
  EXPECT_EQ(rec.at("Event").as<std::string>(), "query");
  EXPECT_EQ(rec.at("ID").as<uint64_t>(), 1u);
  EXPECT_EQ(rec.at("Payload").as<std::string>(), "are you there");

  auto respond = [&](uint64_t seq, uint64_t id) {
    c->request("respond", seq, [&](auto& pk) {
      pk.pack_map(2);
      pk.pack(std::string("ID"));
      pk.pack(id);
      pk.pack(std::string("Payload"));
      pk.pack_bin(3);
      pk.pack_bin_body("yes", 3);
    });
    return next_header(*c);
  };
  auto h = respond(3, 1);
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(h->error, "");
  {
    std::lock_guard lock(backend_.mu);
    EXPECT_EQ(backend_.responded_handle, 777u);
    EXPECT_EQ(backend_.responded_payload, bytes_of("yes"));
  }
  h = respond(4, 99);
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(h->error, "No pending queries matching ID");
}

TEST_F(SerfRpcRaw, StopEndsAStream) {
  auto c = ready_client();
  open_stream(*c, 2, "*");
  c->request("stop", 3, [](auto& pk) {
    pk.pack_map(1);
    pk.pack(std::string("Stop"));
    pk.pack(2);
  });
  auto h = next_header(*c);
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(h->seq, 3u);
  server_->publish_event(user_event("after-stop", "", 1));
  c->request("stats", 4);
  h = next_header(*c);
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(h->seq, 4u);  // not a record of the stopped stream
}

TEST_F(SerfRpcRaw, BadFilterAndReusedSeqAreRefused) {
  auto c = ready_client();
  c->request("stream", 2, [](auto& pk) {
    pk.pack_map(1);
    pk.pack(std::string("Type"));
    pk.pack(std::string("member-join,bogus"));
  });
  auto h = next_header(*c);
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(h->error, "Invalid event filter");
  open_stream(*c, 3, "user");
  c->request("stream", 3, [](auto& pk) {
    pk.pack_map(1);
    pk.pack(std::string("Type"));
    pk.pack(std::string("*"));
  });
  h = next_header(*c);
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(h->error, "Stream with given sequence exists");
}

TEST_F(SerfRpcRaw, StreamsPerConnectionAreLimited) {
  server_.reset();
  SerfRpcConfig config;
  config.max_streams = 2;
  start(config);
  auto c = ready_client();
  open_stream(*c, 2, "user");
  open_stream(*c, 3, "query");
  c->request("stream", 4, [](auto& pk) {
    pk.pack_map(1);
    pk.pack(std::string("Type"));
    pk.pack(std::string("*"));
  });
  auto h = next_header(*c);
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(h->error, "Too many streams on this connection");
}

TEST_F(SerfRpcRaw, MonitorRefusesUnknownLevelsAndASecondMonitor) {
  auto c = ready_client();
  auto monitor = [&](uint64_t seq, const std::string& level) {
    c->request("monitor", seq, [&](auto& pk) {
      pk.pack_map(1);
      pk.pack(std::string("LogLevel"));
      pk.pack(level);
    });
    return next_header(*c);
  };
  auto h = monitor(2, "loud");
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(h->error, "Unknown log level: LOUD");
  h = monitor(3, "warn");
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(h->error, "");
  h = monitor(4, "debug");
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(h->error, "Monitor already exists");
  server_->publish_log(LogLevel::kInfo, "[INFO] too quiet");
  server_->publish_log(LogLevel::kError, "[ERR] loud enough");
  h = next_header(*c);
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(h->seq, 3u);
  EXPECT_EQ(next_record(*c).at("Log").as<std::string>(), "[ERR] loud enough");
}

TEST_F(SerfRpcRaw, HandshakeWithAnotherVersionIsRefusedButMayBeRetried) {
  RawClient c(server_->port());
  c.request("handshake", 1, [](auto& pk) {
    pk.pack_map(1);
    pk.pack(std::string("Version"));
    pk.pack(2);
  });
  auto h = next_header(c);
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(h->error, "Unsupported IPC version");
  c.handshake(2);
  h = next_header(c);
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(h->error, "");
}

TEST_F(SerfRpcRaw, QueryStreamsAckResponseAndDoneRecords) {
  auto c = ready_client();
  c->request("query", 2, [](auto& pk) {
    pk.pack_map(2);
    pk.pack(std::string("Name"));
    pk.pack(std::string("ping"));
    pk.pack(std::string("RequestAck"));
    pk.pack(true);
  });
  auto h = next_header(*c);
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(h->error, "");
  std::vector<std::string> types;
  for (int i = 0; i < 5; ++i) {
    h = next_header(*c);
    ASSERT_TRUE(h.has_value());
    EXPECT_EQ(h->seq, 2u);
    Record rec = next_record(*c);
    types.push_back(rec.at("Type").as<std::string>());
    if (types.back() == "response" && i == 1) {
      EXPECT_EQ(rec.at("From").as<std::string>(), "node-a");
      EXPECT_EQ(rec.at("Payload").as<std::string>(), "pong-a");
    }
  }
  EXPECT_EQ(types, (std::vector<std::string>{"ack", "response", "ack", "response", "done"}));
  // A sink call after done is ignored.
  std::shared_ptr<RpcQuerySink> sink;
  {
    std::lock_guard lock(backend_.mu);
    sink = backend_.last_sink;
  }
  sink->ack("late");
  EXPECT_FALSE(c->next(200).has_value());
}

TEST_F(SerfRpcRaw, AuthIsRequiredBeforeCommandsAndTheConnectionStays) {
  server_.reset();
  SerfRpcConfig config;
  config.auth_key = "k";
  start(config);
  auto c = ready_client();
  auto auth = [&](uint64_t seq, const std::string& key) {
    c->request("auth", seq, [&](auto& pk) {
      pk.pack_map(1);
      pk.pack(std::string("AuthKey"));
      pk.pack(key);
    });
    return next_header(*c);
  };
  c->request("stats", 2);
  auto h = next_header(*c);
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(h->error, "Authentication required");
  h = auth(3, "nope");
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(h->error, "Invalid authentication token");
  h = auth(4, "k");
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(h->error, "");
  c->request("stats", 5);
  h = next_header(*c);
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(h->error, "");
  Record stats = next_record(*c);
  EXPECT_EQ(stats.at("agent").as<RpcTags>().at("name"), "node-a");
}

TEST_F(SerfRpcRaw, ClientThatNeverReadsBlocksNeitherPublishNorOthers) {
  server_.reset();
  SerfRpcConfig config;
  config.max_queue_bytes = 64 * 1024;
  config.write_timeout_ms = 300;
  config.max_posted = 100'000;
  start(config);
  RawClient sleeper(server_->port(), 4096);
  sleeper.handshake();
  sleeper.request("stream", 2, [](auto& pk) {
    pk.pack_map(1);
    pk.pack(std::string("Type"));
    pk.pack(std::string("*"));
  });
  // Let the handshake and stream be served before the flood.
  const auto served = Clock::now() + std::chrono::seconds(2);
  while (server_->counters().commands < 2 && Clock::now() < served) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  auto c = ready_client();
  const std::string payload(1024, 'p');
  const auto t0 = Clock::now();
  for (int i = 0; i < 5'000; ++i)
    server_->publish_event(user_event("flood", payload, i));
  // Posting only: far below what 5 MB through a stalled socket would take.
  EXPECT_LT(Clock::now() - t0, std::chrono::seconds(2));

  c->request("members", 2);
  auto h = next_header(*c);
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(h->seq, 2u);
  // While events keep coming, the sleeper's socket stays full and it is cut off.
  const auto deadline = Clock::now() + std::chrono::seconds(3);
  while (server_->counters().slow_disconnects == 0 && Clock::now() < deadline) {
    for (int i = 0; i < 200; ++i)
      server_->publish_event(user_event("more", payload, i));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_GT(server_->counters().dropped_records, 0u);
  EXPECT_EQ(server_->counters().slow_disconnects, 1u);
  EXPECT_TRUE(sleeper.closed_by_server(5000));
}

TEST_F(SerfRpcRaw, StopWithClientsConnectedReturnsPromptly) {
  auto c = ready_client();
  open_stream(*c, 2, "*");
  const auto t0 = Clock::now();
  server_->stop();
  EXPECT_LT(Clock::now() - t0, std::chrono::seconds(1));
  EXPECT_TRUE(c->closed_by_server());
  server_->publish_event(user_event("after", "", 1));  // a no-op, not a crash
}

// ---- codec -------------------------------------------------------------------------------

TEST(SerfRpcCodec, ResponseHeaderIsGoMsgpackWithSortedKeys) {
  Bytes out;
  encode_response_header(out, 1, "");
  const Bytes want = {0x82, 0xa5, 'E', 'r', 'r', 'o', 'r', 0xa0, 0xa3, 'S', 'e', 'q', 0x01};
  EXPECT_EQ(out, want);
  out.clear();
  encode_response_header(out, 300, std::string(40, 'e'));
  EXPECT_EQ(out[7], 0xd9);  // str8, which WriteExt allows
  EXPECT_EQ(out[8], 40);
}

TEST(SerfRpcCodec, MemberFieldsAreInGoByteOrderWithBinAddress) {
  Bytes out;
  encode_members_response(out, {member("n", 1, "alive", {})});
  msgpack::object_handle h = msgpack::unpack(reinterpret_cast<const char*>(out.data()), out.size());
  const msgpack::object& m = h.get().via.map.ptr[0].val.via.array.ptr[0];
  std::vector<std::string> keys;
  for (uint32_t i = 0; i < m.via.map.size; ++i)
    keys.push_back(m.via.map.ptr[i].key.as<std::string>());
  EXPECT_EQ(keys, (std::vector<std::string>{"Addr", "DelegateCur", "DelegateMax", "DelegateMin",
                                            "Name", "Port", "ProtocolCur", "ProtocolMax",
                                            "ProtocolMin", "Status", "Tags"}));
  EXPECT_EQ(m.via.map.ptr[0].val.type, msgpack::type::BIN);
  EXPECT_EQ(m.via.map.ptr[0].val.via.bin.size, 4u);
}

TEST(SerfRpcCodec, QueryRequestDecodesFromTheArrayFormAndAnyIntWidth) {
  msgpack::sbuffer buf;
  msgpack::packer<msgpack::sbuffer> pk(buf);
  pk.pack_array(7);
  pk.pack_nil();                    // FilterNodes
  pk.pack_nil();                    // FilterTags
  pk.pack(true);                    // RequestAck
  pk.pack_uint64(3);                // RelayFactor
  pk.pack_int64(2'000'000'000);     // Timeout
  pk.pack(std::string("q"));        // Name
  pk.pack(std::string("payload"));  // Payload as str
  msgpack::object_handle h = msgpack::unpack(buf.data(), buf.size());
  RpcQueryParams p;
  EXPECT_FALSE(decode_rpc(h.get(), p).has_value());
  EXPECT_TRUE(p.request_ack);
  EXPECT_EQ(p.relay_factor, 3);
  EXPECT_EQ(p.timeout_ns, 2'000'000'000);
  EXPECT_EQ(p.payload, bytes_of("payload"));
  msgpack::sbuffer buf2;
  msgpack::packer<msgpack::sbuffer> pk2(buf2);
  pk2.pack_map(1);
  pk2.pack(std::string("RelayFactor"));
  pk2.pack(300);  // does not fit a uint8
  msgpack::object_handle bad = msgpack::unpack(buf2.data(), buf2.size());
  EXPECT_TRUE(decode_rpc(bad.get(), p) == RpcDecodeError::kOutOfRange);
}

TEST(SerfRpcCodec, FramingFindsObjectEndsAndRefusesOversizeFromHeaders) {
  using Kind = RpcFrame::Kind;
  Bytes header;
  encode_response_header(header, 5, "boom");
  Bytes two = header;
  two.insert(two.end(), header.begin(), header.end());
  RpcFrame f = frame_object(two, 1024);
  EXPECT_EQ(f.kind, Kind::kComplete);
  EXPECT_EQ(f.size, header.size());
  f = frame_object(std::span<const uint8_t>(header).first(header.size() - 1), 1024);
  EXPECT_EQ(f.kind, Kind::kNeedMore);
  EXPECT_EQ(frame_object(header, header.size() - 1).kind, Kind::kTooBig);
  const Bytes huge_str = {0xdb, 0x40, 0x00, 0x00, 0x00};
  EXPECT_EQ(frame_object(huge_str, 1 << 16).kind, Kind::kTooBig);
  const Bytes huge_map = {0xdf, 0x10, 0x00, 0x00, 0x00};
  EXPECT_EQ(frame_object(huge_map, 1 << 16).kind, Kind::kTooBig);
  const Bytes reserved = {0x91, 0xc1};
  EXPECT_EQ(frame_object(reserved, 1 << 16).kind, Kind::kBad);
  const Bytes nested = {0x92, 0x91, 0xcb, 0, 0, 0, 0, 0, 0, 0, 0, 0xc0};
  f = frame_object(nested, 1 << 16);
  EXPECT_EQ(f.kind, Kind::kComplete);
  EXPECT_EQ(f.size, nested.size());
}

TEST(SerfRpcCodec, EventFiltersFollowSerfSyntax) {
  auto f = parse_stream_filters("member-join,user:deploy,query");
  ASSERT_TRUE(f.has_value());
  ASSERT_EQ(f->size(), 3u);
  EXPECT_EQ((*f)[1].event, "user");
  EXPECT_EQ((*f)[1].name, "deploy");
  EXPECT_TRUE(filters_match(*f, user_event("deploy", "", 1)));
  EXPECT_FALSE(filters_match(*f, user_event("other", "", 1)));
  EXPECT_TRUE(parse_stream_filters("").has_value());
  EXPECT_FALSE(parse_stream_filters("user,").has_value());
  EXPECT_FALSE(parse_stream_filters("member-joined").has_value());
}

}  // namespace
}  // namespace rumor::agent
