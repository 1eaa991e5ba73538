// Status and Result<T>: the second error tier (operational failures at a module edge).
//
// A Status is either ok or an error with a message a person can act on ("fanout: must be in
// 1..64, got 0"). Result<T> is a value or such an error. Both are [[nodiscard]]: an ignored
// error is a compile-time warning, and warnings are errors in CI. Untrusted input is the first
// tier (counted and dropped, never a Status); broken invariants are the third (RUMOR_ASSERT).
#pragma once

#include <optional>
#include <string>
#include <utility>

#include "base/assert.h"

namespace rumor {

class [[nodiscard]] Status {
 public:
  Status() = default;
  static Status ok() { return Status(); }
  static Status error(std::string message) { return Status(std::move(message)); }

  bool is_ok() const { return !message_.has_value(); }
  explicit operator bool() const { return is_ok(); }
  const std::string& message() const {
    static const std::string kOk = "ok";
    return message_ ? *message_ : kOk;
  }

 private:
  explicit Status(std::string message) : message_(std::move(message)) {}
  std::optional<std::string> message_;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design, like expected<T>
  Result(Status status) : status_(std::move(status)) {  // NOLINT
    RUMOR_ASSERT(!status_.is_ok(), "a Result built from a Status must hold an error");
  }

  bool is_ok() const { return value_.has_value(); }
  explicit operator bool() const { return is_ok(); }
  const Status& status() const { return status_; }
  const std::string& message() const { return status_.message(); }

  T& value() {
    RUMOR_ASSERT(is_ok(), "value() on an error Result");
    return *value_;
  }
  const T& value() const {
    RUMOR_ASSERT(is_ok(), "value() on an error Result");
    return *value_;
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace rumor
