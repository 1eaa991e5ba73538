#include "net/deadlines.h"

#include <algorithm>
#include <chrono>
#include <functional>
#include <utility>

#include "base/assert.h"
#include "net/loop.h"

namespace rumor::net {

Deadlines::Deadlines(asio::io_context& io, Duration slack) : timer_(io), slack_(slack) {
  RUMOR_ASSERT(slack_ > Duration::zero(), "deadline slack must be positive");
}

Deadlines::Id Deadlines::add(std::function<void(Time)> fire) {
  const Id id = slots_.add(std::move(fire));
  if (id >= due_at_.size()) due_at_.resize(id + 1);
  due_at_[id] = Time::never();
  return id;
}

void Deadlines::remove(Id id) {
  if (!slots_.remove(id)) return;
  if (due_at_[id] != Time::never()) --live_;
  due_at_[id] = Time::never();
}

Time Deadlines::round_up(Time t) const {
  if (t == Time::never()) return t;
  const int64_t q = slack_.ns();
  const int64_t ns = std::max<int64_t>(t.ns(), 0);
  return Time::from_ns(ns % q == 0 ? ns : (ns / q + 1) * q);
}

void Deadlines::set(Id id, Time at) {
  auto& s = slots_.at(id);
  RUMOR_ASSERT(s.used, "set on a removed deadline id");
  const Time due = round_up(at);
  if (due == due_at_[id]) return;  // same slot: the pending entry already covers it
  if (due_at_[id] != Time::never()) --live_;
  ++s.gen;
  due_at_[id] = due;
  if (due == Time::never()) return;
  ++live_;
  push(Entry{due, id, s.gen});
  if (heap_.size() > 4 * live_ + 64) compact();
  if (due < armed_) arm();
}

void Deadlines::push(Entry e) {
  heap_.push_back(e);
  std::push_heap(heap_.begin(), heap_.end(), std::greater<>());
}

void Deadlines::pop() {
  std::pop_heap(heap_.begin(), heap_.end(), std::greater<>());
  heap_.pop_back();
}

void Deadlines::drop_stale_top() {
  while (!heap_.empty()) {
    const Entry& top = heap_.front();
    if (slots_.live(top.id, top.gen)) return;
    pop();
  }
}

// Keeps only the live entries: replaced deadlines would otherwise pile up in a busy process.
void Deadlines::compact() {
  std::erase_if(heap_, [this](const Entry& e) { return !slots_.live(e.id, e.gen); });
  std::make_heap(heap_.begin(), heap_.end(), std::greater<>());
}

void Deadlines::arm() {
  drop_stale_top();
  const Time next = heap_.empty() ? Time::never() : heap_.front().at;
  if (next == armed_) return;
  armed_ = next;
  if (next == Time::never()) {
    timer_.cancel();
    return;
  }
  timer_.expires_at(asio::steady_timer::time_point(std::chrono::nanoseconds(next.ns())));
  timer_.async_wait([this](const asio::error_code& ec) {
    if (ec) return;  // cancelled: a re-arm is under way, or the loop is going away
    on_timer();
  });
}

// Runs every callback whose slot has come. The ids are collected first: a callback may set or
// remove deadlines (its own or another host's), which must not disturb the walk of the heap.
void Deadlines::on_timer() {
  ++wakeups_;
  armed_ = Time::never();
  const Time now = Loop::now();
  due_.clear();
  for (drop_stale_top(); !heap_.empty() && heap_.front().at <= now; drop_stale_top()) {
    const Entry e = heap_.front();
    pop();
    auto& s = slots_.at(e.id);
    due_at_[e.id] = Time::never();
    --live_;
    ++s.gen;
    due_.emplace_back(e.id, s.gen);
  }
  slots_.begin_turn();
  for (const auto& [id, gen] : due_) {
    // Skipped if an earlier callback removed this id or gave it a new deadline meanwhile.
    if (slots_.live(id, gen)) slots_.at(id).fn(now);
  }
  slots_.end_turn();
  arm();
}

}  // namespace rumor::net
