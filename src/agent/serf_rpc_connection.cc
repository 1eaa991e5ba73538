#include "agent/serf_rpc_connection.h"

#include <algorithm>
#include <asio/write.hpp>
#include <chrono>
#include <optional>
#include <span>
#include <utility>

namespace rumor::agent {

namespace gm = core::wire::gomsgpack;

RpcConnection::RpcConnection(RpcServerCore& core, asio::ip::tcp::socket socket)
    : core_(core), socket_(std::move(socket)), write_timer_(core.io) {
  // Responses are small and answered one by one: do not let Nagle hold them back.
  std::error_code ignored;
  socket_.set_option(asio::ip::tcp::no_delay(true), ignored);
}

void RpcConnection::close() {
  if (closed_) return;
  closed_ = true;
  std::error_code ignored;
  socket_.close(ignored);
  write_timer_.cancel();
  for (auto& [seq, guard] : queries_)
    guard->cancel();
  queries_.clear();
  streams_.clear();
  monitor_.reset();
  pending_queries_.clear();
  core_.remove(shared_from_this());
}

// A protocol violation: the connection goes, counted when the input itself was bad.
void RpcConnection::fail(bool bad_input) {
  if (bad_input) core_.bad_input.fetch_add(1);
  close();
}

// ---- input -------------------------------------------------------------------------------

void RpcConnection::read_more() {
  if (reading_ || closed_ || closing_) return;
  reading_ = true;
  socket_.async_read_some(
      asio::buffer(chunk_),
      [self = shared_from_this()](const std::error_code& ec, size_t n) { self->on_read(ec, n); });
}

void RpcConnection::on_read(const std::error_code& ec, size_t n) {
  reading_ = false;
  if (closed_) return;
  if (ec) return close();  // EOF or a reset: the client is gone
  input_.insert(input_.end(), chunk_.begin(), chunk_.begin() + static_cast<std::ptrdiff_t>(n));
  process_input();
}

// Handles every whole request in the input, then reads more unless the output queue is over
// its limit (after_drain() resumes) or the connection is ending.
void RpcConnection::process_input() {
  while (!closed_ && !closing_ && !input_.empty()) {
    if (pending_.size() + inflight_.size() > core_.config.max_queue_bytes) return;
    if (!handle_one()) break;
  }
  read_more();
}

// True for a whole object; closes the connection on one that is too big or not msgpack.
bool RpcConnection::whole(const RpcFrame& f) {
  if (f.kind == RpcFrame::Kind::kComplete) return true;
  if (f.kind != RpcFrame::Kind::kNeedMore) fail(true);
  return false;
}

// Serves the request at the front of the input: the header, then the body when the command
// takes one and will be served (a request before the handshake, or an unknown command, is
// refused without reading a body). False when the request is not whole yet or the connection
// has ended.
bool RpcConnection::handle_one() {
  const size_t max = core_.config.max_request_bytes;
  const gm::Limits limits{4096, static_cast<uint32_t>(max), 8};
  const std::span<const uint8_t> in(input_.data(), input_.size());
  const RpcFrame head = frame_object(in, max);
  if (!whole(head)) return false;
  gm::Reader head_reader(in.first(head.size), limits);
  msgpack::object head_obj;
  RpcRequestHeader header;
  if (head_reader.next(head_obj) || decode_rpc(head_obj, header)) {
    fail(true);
    return false;
  }
  const bool refused = version_ == 0 && header.command != "handshake";
  const bool has_body = !refused && rpc_command_has_body(header.command);
  size_t size = head.size;
  msgpack::object body_obj;
  std::optional<gm::Reader> body_reader;
  if (has_body) {
    const RpcFrame body = frame_object(in.subspan(head.size), max - head.size);
    if (!whole(body)) return false;
    body_reader.emplace(in.subspan(head.size, body.size), limits);
    if (body_reader->next(body_obj)) {
      fail(true);
      return false;
    }
    size += body.size;
  }
  core_.commands.fetch_add(1);
  dispatch(header, has_body ? &body_obj : nullptr);
  if (closed_) return false;
  input_.erase(input_.begin(), input_.begin() + static_cast<std::ptrdiff_t>(size));
  return true;
}

// ---- output ------------------------------------------------------------------------------

void RpcConnection::reply(uint64_t seq, std::string_view error, std::vector<uint8_t> body) {
  std::vector<uint8_t> out;
  out.reserve(32 + error.size() + body.size());
  encode_response_header(out, seq, error);
  out.insert(out.end(), body.begin(), body.end());
  enqueue(std::move(out));
}

// A header with the stream's seq and the record. A droppable record that would take the queue
// over its limit is dropped and counted; the return says whether it was queued.
bool RpcConnection::send_record(uint64_t seq, const std::vector<uint8_t>& record, bool droppable) {
  if (closed_ || closing_) return false;
  std::vector<uint8_t> out;
  encode_response_header(out, seq, "");
  out.insert(out.end(), record.begin(), record.end());
  const size_t queued = pending_.size() + inflight_.size();
  if (droppable && queued + out.size() > core_.config.max_queue_bytes) {
    core_.dropped_records.fetch_add(1);
    return false;
  }
  enqueue(std::move(out));
  return true;
}

void RpcConnection::enqueue(std::vector<uint8_t> bytes) {
  if (closed_) return;
  if (pending_.empty()) {
    pending_ = std::move(bytes);
  } else {
    pending_.insert(pending_.end(), bytes.begin(), bytes.end());
  }
  if (!writing_) write_next();
}

void RpcConnection::write_next() {
  if (pending_.empty()) {
    writing_ = false;
    return after_drain();
  }
  writing_ = true;
  inflight_.swap(pending_);
  pending_.clear();
  const uint64_t generation = ++write_generation_;
  write_timer_.expires_after(std::chrono::milliseconds(core_.config.write_timeout_ms));
  write_timer_.async_wait([weak = weak_from_this(), generation](const std::error_code& ec) {
    auto self = weak.lock();
    if (ec || !self || self->closed_) return;
    if (self->writing_ && self->write_generation_ == generation) {
      self->core_.slow_disconnects.fetch_add(1);
      self->close();
    }
  });
  asio::async_write(
      socket_, asio::buffer(inflight_),
      [self = shared_from_this()](const std::error_code& ec, size_t) { self->on_written(ec); });
}

void RpcConnection::on_written(const std::error_code& ec) {
  if (closed_) return;
  ++write_generation_;  // the armed timer no longer applies
  write_timer_.cancel();
  if (ec) return close();
  inflight_.clear();
  write_next();
}

// The queue is empty: finish a refusal, or take up requests held back by the queue limit.
void RpcConnection::after_drain() {
  if (closing_) return close();
  process_input();
}

// ---- streams -----------------------------------------------------------------------------

bool RpcConnection::stream_seq_in_use(uint64_t seq) const {
  return streams_.contains(seq) || queries_.contains(seq) || (monitor_ && monitor_->seq == seq);
}

void RpcConnection::deliver_event(const RpcEvent& e) {
  for (const auto& [seq, filters] : streams_) {
    if (!filters_match(filters, e)) continue;
    const uint64_t id = e.type == RpcEventType::kQuery ? next_query_id_ + 1 : 0;
    std::vector<uint8_t> record;
    encode_event_record(record, e, id);
    if (!send_record(seq, record, true) || id == 0) continue;
    // The client may now respond() with this ID; the oldest IDs make room.
    next_query_id_ = id;
    pending_queries_[id] = e.query_handle;
    while (pending_queries_.size() > core_.config.max_pending_queries) {
      pending_queries_.erase(pending_queries_.begin());
    }
  }
}

void RpcConnection::deliver_log(LogLevel level, const std::string& line) {
  if (!monitor_ || static_cast<int>(level) < static_cast<int>(monitor_->level)) return;
  std::vector<uint8_t> record;
  encode_log_record(record, line);
  send_record(monitor_->seq, record, true);
}

void RpcConnection::query_record(uint64_t seq, std::string_view type, const std::string& from,
                                 const std::vector<uint8_t>& payload) {
  if (!queries_.contains(seq)) return;
  std::vector<uint8_t> record;
  encode_query_record(record, type, from, payload);
  send_record(seq, record, true);
}

// The end of a query's stream, sent once whether the backend or the guard ends it. It is not
// droppable: the client waits for it.
void RpcConnection::query_done(uint64_t seq) {
  auto it = queries_.find(seq);
  if (it == queries_.end()) return;
  it->second->cancel();
  queries_.erase(it);
  std::vector<uint8_t> record;
  encode_query_record(record, "done", "", {});
  send_record(seq, record, false);
}

void RpcConnection::start_query_guard(uint64_t seq, int64_t timeout_ns) {
  constexpr int64_t kMaxQueryMs = 24 * 3600 * 1000;
  const int64_t timeout_ms = timeout_ns > 0 ? std::min(timeout_ns / 1'000'000 + 1, kMaxQueryMs)
                                            : core_.config.default_query_timeout_ms;
  auto guard = std::make_unique<asio::steady_timer>(core_.io);
  guard->expires_after(std::chrono::milliseconds(timeout_ms + core_.config.query_grace_ms));
  guard->async_wait([weak = weak_from_this(), seq](const std::error_code& ec) {
    auto self = weak.lock();
    if (!ec && self && !self->closed_) self->query_done(seq);
  });
  queries_[seq] = std::move(guard);
}

}  // namespace rumor::agent
