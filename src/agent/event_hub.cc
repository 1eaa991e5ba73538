#include "agent/event_hub.h"

#include <algorithm>
#include <chrono>

namespace rumor::agent {

std::optional<std::string> EventHub::Subscription::next(int wait_ms) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, std::chrono::milliseconds(wait_ms),
               [this] { return closed_ || !queue_.empty(); });
  if (!queue_.empty()) {
    std::string text = std::move(queue_.front());
    queue_.pop_front();
    return text;
  }
  if (closed_) return std::string();
  return std::nullopt;
}

size_t EventHub::Subscription::missed() const {
  std::lock_guard lock(mu_);
  return missed_;
}

std::shared_ptr<EventHub::Subscription> EventHub::subscribe() {
  std::lock_guard lock(mu_);
  if (closed_ || subs_.size() >= max_subscribers_) return nullptr;
  subs_.push_back(std::make_shared<Subscription>());
  return subs_.back();
}

void EventHub::unsubscribe(const std::shared_ptr<Subscription>& s) {
  std::lock_guard lock(mu_);
  subs_.erase(std::remove(subs_.begin(), subs_.end(), s), subs_.end());
}

void EventHub::publish(const std::string& text) {
  std::lock_guard lock(mu_);
  for (const auto& s : subs_) {
    {
      std::lock_guard sl(s->mu_);
      if (s->queue_.size() >= queue_limit_) {
        s->queue_.pop_front();
        ++s->missed_;
      }
      s->queue_.push_back(text);
    }
    s->cv_.notify_one();
  }
}

void EventHub::close() {
  std::lock_guard lock(mu_);
  closed_ = true;
  for (const auto& s : subs_) {
    {
      std::lock_guard sl(s->mu_);
      s->closed_ = true;
    }
    s->cv_.notify_all();
  }
  subs_.clear();
}

size_t EventHub::subscribers() const {
  std::lock_guard lock(mu_);
  return subs_.size();
}

size_t EventHub::queued() const {
  std::lock_guard lock(mu_);
  size_t n = 0;
  for (const auto& s : subs_) {
    std::lock_guard sl(s->mu_);
    n += s->queue_.size();
  }
  return n;
}

}  // namespace rumor::agent
