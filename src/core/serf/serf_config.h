// SerfConfig: every knob of the Serf layer (serf_node.h), validated once at construction.
//
// The fields carry HashiCorp Serf 0.9.4's Config names in snake_case (serf/config.go,
// DefaultConfig), with Duration for its time.Duration fields, and Serf's defaults. The Serf
// protocol is always the serf agent's 5 (the library's default is 4), the delegate version in
// memberlist's Vsn (wire::ml::kDefaultVsn). The limits at the end bound the tables and queues
// Serf leaves unbounded (DESIGN.md, "Limits everywhere").
// validate() names the first field out of range and its allowed range.
#pragma once

#include <cstdint>

#include "base/status.h"
#include "base/time.h"
#include "core/membership/swim_config.h"

namespace rumor::core::serf {

struct SerfConfig {
  // The memberlist layer underneath.
  SwimConfig swim = SwimConfig::lan();

  // --- events and queries ---
  // Slots of the recent-event and recent-query rings (by LTime modulo the size); events and
  // queries older than the ring are dropped. 1..65536.
  uint32_t event_buffer = 512;
  uint32_t query_buffer = 512;
  // len(name) + len(payload) of a user event, and its encoded size. 1..9216 (Serf's sane cap).
  uint32_t user_event_size_limit = 512;
  // Encoded size of a query and of a response. 1..65536.
  uint32_t query_size_limit = 1024;
  uint32_t query_response_size_limit = 1024;
  // User events fired with coalesce set are held and only the newest of each name (all of its
  // LTime) delivered: at user_coalesce_period after the first held one, or once none came for
  // user_quiescent_period (Serf's UserCoalescePeriod, UserQuiescentPeriod; the serf agent uses
  // 3 s and 1 s, the library 0: no coalescing). Each 0 .. 1 h; coalescing needs both > 0.
  Duration user_coalesce_period = Duration::zero();
  Duration user_quiescent_period = Duration::zero();
  // Default query timeout: gossip_interval x query_timeout_mult x ceil(log10(n + 1)). 1..1000.
  uint32_t query_timeout_mult = 16;

  // --- membership ---
  // How long a graceful leave waits for its intent to go out before leaving memberlist, and
  // then for the leave to spread before the node stops. 0 .. 1 h each.
  Duration broadcast_timeout = Duration::seconds(5);
  Duration leave_propagate_delay = Duration::seconds(1);
  // How often failed and left members are reaped, and after how long (reconnect_timeout for
  // failed members, tombstone_timeout for left ones). Intents about unknown members are kept
  // recent_intent_timeout. Each 1 s .. 1 year (reap_interval 1 s .. 1 h).
  Duration reap_interval = Duration::seconds(15);
  Duration reconnect_timeout = Duration::seconds(24 * 3600);
  Duration tombstone_timeout = Duration::seconds(24 * 3600);
  Duration recent_intent_timeout = Duration::seconds(5 * 60);
  // How often a failed member is tried again (a memberlist join); 0 turns it off. 0 or
  // 1 s .. 1 h.
  Duration reconnect_interval = Duration::seconds(30);

  // --- broadcast queues ---
  // Each of the intent, query and event queues is pruned to this depth (Serf's MaxQueueDepth;
  // min_queue_depth > 0 makes it 2 x members, at least min_queue_depth). 1..1,000,000.
  uint32_t max_queue_depth = 4096;
  uint32_t min_queue_depth = 0;

  // --- coordinates ---
  // Vivaldi network coordinates in ping acks (Serf's DisableCoordinates, inverted).
  bool coordinates = true;

  // --- our limits ---
  // Queries this node started that are still collecting answers, and queries it received that
  // may still be answered. 1..65536.
  uint32_t max_pending_queries = 1024;
  // Events the driver has not polled yet; older ones are dropped (counted). 16..1,000,000.
  uint32_t max_events = 4096;

  Status validate() const;
};

}  // namespace rumor::core::serf
