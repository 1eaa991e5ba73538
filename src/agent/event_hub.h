// EventHub: member events fanned out from the loop thread to the readers of GET /v1/events
// (server-sent events), each on an HTTP thread.
//
// Bounded everywhere: at most max_subscribers readers (a new one beyond is refused), and each
// reader's queue holds at most queue_limit events; a reader too slow to keep up loses the
// oldest and is told how many it missed. close() wakes every reader so shutdown never waits on
// an idle stream. Thread-safe.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace rumor::agent {

class EventHub {
 public:
  class Subscription {
   public:
    // The next event's text, waiting up to `wait_ms`; nullopt on timeout; "" once closed.
    std::optional<std::string> next(int wait_ms);
    size_t missed() const;

   private:
    friend class EventHub;
    mutable std::mutex mu_;
    std::condition_variable cv_;
    std::deque<std::string> queue_;
    bool closed_ = false;
    size_t missed_ = 0;
  };

  EventHub(size_t max_subscribers, size_t queue_limit)
      : max_subscribers_(max_subscribers), queue_limit_(queue_limit) {}

  // nullptr when max_subscribers are already reading, or after close().
  std::shared_ptr<Subscription> subscribe();
  void unsubscribe(const std::shared_ptr<Subscription>& s);
  void publish(const std::string& text);
  void close();
  size_t subscribers() const;
  // Events published but not yet read, summed over every reader's queue.
  size_t queued() const;

 private:
  const size_t max_subscribers_;
  const size_t queue_limit_;
  mutable std::mutex mu_;
  bool closed_ = false;
  std::vector<std::shared_ptr<Subscription>> subs_;
};

}  // namespace rumor::agent
