#include "core/serf/serf_config.h"

#include <string>
#include <string_view>

#include "base/config_check.h"

namespace rumor::core::serf {
namespace {

constexpr Duration kHour = Duration::seconds(3600);
constexpr Duration kYear = Duration::seconds(365LL * 24 * 3600);

Status validate_counts(const SerfConfig& c) {
  struct Field {
    std::string_view name;
    uint64_t value, lo, hi;
  };
  const Field fields[] = {
      {"event_buffer", c.event_buffer, 1, 65536},
      {"query_buffer", c.query_buffer, 1, 65536},
      {"user_event_size_limit", c.user_event_size_limit, 1, 9216},
      {"query_size_limit", c.query_size_limit, 1, 65536},
      {"query_response_size_limit", c.query_response_size_limit, 1, 65536},
      {"query_timeout_mult", c.query_timeout_mult, 1, 1000},
      {"max_queue_depth", c.max_queue_depth, 1, 1000000},
      {"min_queue_depth", c.min_queue_depth, 0, 1000000},
      {"max_pending_queries", c.max_pending_queries, 1, 65536},
      {"max_events", c.max_events, 16, 1000000},
  };
  for (const Field& f : fields) {
    Status s = check_count(f.name, f.value, f.lo, f.hi);
    if (!s.is_ok()) return s;
  }
  return Status::ok();
}

Status validate_timing(const SerfConfig& c) {
  struct Field {
    std::string_view name;
    Duration value, lo, hi;
    std::string_view range;
  };
  const Field fields[] = {
      {"broadcast_timeout", c.broadcast_timeout, Duration::zero(), kHour, "0..1h"},
      {"leave_propagate_delay", c.leave_propagate_delay, Duration::zero(), kHour, "0..1h"},
      {"reap_interval", c.reap_interval, Duration::seconds(1), kHour, "1s..1h"},
      {"reconnect_timeout", c.reconnect_timeout, Duration::seconds(1), kYear, "1s..365d"},
      {"tombstone_timeout", c.tombstone_timeout, Duration::seconds(1), kYear, "1s..365d"},
      {"recent_intent_timeout", c.recent_intent_timeout, Duration::seconds(1), kYear, "1s..365d"},
      {"user_coalesce_period", c.user_coalesce_period, Duration::zero(), kHour, "0..1h"},
      {"user_quiescent_period", c.user_quiescent_period, Duration::zero(), kHour, "0..1h"},
  };
  for (const Field& f : fields) {
    Status s = check_duration(f.name, f.value, f.lo, f.hi, f.range);
    if (!s.is_ok()) return s;
  }
  if (c.reconnect_interval == Duration::zero()) return Status::ok();
  return check_duration("reconnect_interval", c.reconnect_interval, Duration::seconds(1), kHour,
                        "0 (off) or 1s..1h");
}

}  // namespace

Status SerfConfig::validate() const {
  Status s = swim.validate();
  if (!s.is_ok()) return Status::error("swim." + s.message());
  s = validate_counts(*this);
  if (!s.is_ok()) return s;
  return validate_timing(*this);
}

}  // namespace rumor::core::serf
