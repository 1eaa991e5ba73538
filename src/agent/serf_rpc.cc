#include "agent/serf_rpc.h"

#include <asio/post.hpp>
#include <chrono>
#include <system_error>
#include <utility>

#include "agent/serf_rpc_connection.h"
#include "net/endpoint.h"

namespace rumor::agent {

namespace {

constexpr uint16_t kDefaultRpcPort = 7373;
constexpr auto kAcceptRetry = std::chrono::milliseconds(100);

Status check_positive(const char* field, int64_t v) {
  if (v >= 1) return Status::ok();
  return Status::error(std::string("serf rpc: ") + field + " must be at least 1, got " +
                       std::to_string(v));
}

}  // namespace

Status SerfRpcConfig::validate() const {
  const std::pair<const char*, int64_t> fields[] = {
      {"max_connections", static_cast<int64_t>(max_connections)},
      {"max_request_bytes", static_cast<int64_t>(max_request_bytes)},
      {"max_queue_bytes", static_cast<int64_t>(max_queue_bytes)},
      {"max_streams", static_cast<int64_t>(max_streams)},
      {"max_pending_queries", static_cast<int64_t>(max_pending_queries)},
      {"max_posted", static_cast<int64_t>(max_posted)},
      {"log_backlog", static_cast<int64_t>(log_backlog)},
      {"write_timeout_ms", write_timeout_ms},
      {"default_query_timeout_ms", default_query_timeout_ms},
      {"query_grace_ms", query_grace_ms},
  };
  for (const auto& [name, value] : fields) {
    if (Status s = check_positive(name, value); !s) return s;
  }
  return Status::ok();
}

// ---- RpcServerCore -----------------------------------------------------------------------

void RpcServerCore::accept_next() {
  acceptor.async_accept([this](const std::error_code& ec, asio::ip::tcp::socket socket) {
    on_accept(ec, std::move(socket));
  });
}

void RpcServerCore::on_accept(const std::error_code& ec, asio::ip::tcp::socket socket) {
  if (stopping || ec == asio::error::operation_aborted) return;
  if (ec) {
    // Out of descriptors and the like: try again shortly rather than spin.
    retry_timer.expires_after(kAcceptRetry);
    retry_timer.async_wait([this](const std::error_code& e) {
      if (!e && !stopping) accept_next();
    });
    return;
  }
  if (connections.size() >= config.max_connections) {
    refused.fetch_add(1);
    std::error_code ignored;
    socket.close(ignored);
  } else {
    accepted.fetch_add(1);
    auto c = std::make_shared<RpcConnection>(*this, std::move(socket));
    connections.insert(c);
    c->start();
  }
  accept_next();
}

void RpcServerCore::shutdown() {
  stopping = true;
  std::error_code ignored;
  acceptor.close(ignored);
  retry_timer.cancel();
  // close() leaves the set, so walk a copy.
  const std::vector<std::shared_ptr<RpcConnection>> all(connections.begin(), connections.end());
  for (const auto& c : all)
    c->close();
  connections.clear();
  // The completions of the operations just cancelled are queued already; stopping after them
  // lets every connection be freed on this thread.
  asio::post(io, [this] { io.stop(); });
}

void RpcServerCore::deliver_event(const RpcEvent& e) {
  if (stopping) return;
  const std::vector<std::shared_ptr<RpcConnection>> all(connections.begin(), connections.end());
  for (const auto& c : all)
    c->deliver_event(e);
}

void RpcServerCore::deliver_log(LogLevel level, const std::string& line) {
  if (stopping) return;
  log_backlog.emplace_back(level, line);
  while (log_backlog.size() > config.log_backlog)
    log_backlog.pop_front();
  const std::vector<std::shared_ptr<RpcConnection>> all(connections.begin(), connections.end());
  for (const auto& c : all)
    c->deliver_log(level, line);
}

// ---- SerfRpcServer -----------------------------------------------------------------------

namespace {

Status listen_on(asio::ip::tcp::acceptor& acceptor, const asio::ip::tcp::endpoint& ep,
                 const std::string& address) {
  std::error_code ec;
  acceptor.open(ep.protocol(), ec);
  if (!ec) acceptor.set_option(asio::ip::tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(ep, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Status::error("serf rpc: cannot listen on " + address + ": " + ec.message());
  return Status::ok();
}

}  // namespace

Result<std::unique_ptr<SerfRpcServer>> SerfRpcServer::start(SerfRpcBackend& backend,
                                                            const std::string& address,
                                                            SerfRpcConfig config) {
  if (Status s = config.validate(); !s) return s;
  Result<core::Address> addr = net::parse_address(address, kDefaultRpcPort);
  if (!addr) return Status::error("serf rpc: " + addr.message());
  auto core = std::make_shared<RpcServerCore>(backend, std::move(config));
  if (Status s = listen_on(core->acceptor, net::to_tcp(*addr), address); !s) return s;
  std::error_code ec;
  const uint16_t port = core->acceptor.local_endpoint(ec).port();
  if (ec) return Status::error("serf rpc: cannot read the bound port: " + ec.message());
  core->accept_next();
  std::unique_ptr<SerfRpcServer> server(new SerfRpcServer(std::move(core), port));
  return Result<std::unique_ptr<SerfRpcServer>>(std::move(server));
}

SerfRpcServer::SerfRpcServer(std::shared_ptr<RpcServerCore> core, uint16_t port)
    : core_(std::move(core)), port_(port) {
  thread_ = std::thread([c = core_.get()] { c->io.run(); });
}

SerfRpcServer::~SerfRpcServer() {
  stop();
}

void SerfRpcServer::stop() {
  if (!thread_.joinable()) return;
  asio::post(core_->io, [c = core_.get()] { c->shutdown(); });
  thread_.join();
}

void SerfRpcServer::publish_event(const RpcEvent& event) {
  auto shared = std::make_shared<const RpcEvent>(event);
  core_->post_bounded([c = core_.get(), shared] { c->deliver_event(*shared); });
}

void SerfRpcServer::publish_log(LogLevel level, std::string line) {
  core_->post_bounded([c = core_.get(), level, l = std::move(line)] { c->deliver_log(level, l); });
}

SerfRpcCounters SerfRpcServer::counters() const {
  SerfRpcCounters out;
  out.accepted = core_->accepted.load();
  out.refused = core_->refused.load();
  out.commands = core_->commands.load();
  out.bad_input = core_->bad_input.load();
  out.dropped_records = core_->dropped_records.load();
  out.dropped_posts = core_->dropped_posts.load();
  out.slow_disconnects = core_->slow_disconnects.load();
  return out;
}

}  // namespace rumor::agent
