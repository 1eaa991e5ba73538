// SerfNode: HashiCorp Serf's layer (serf 0.9.4, serf/serf.go, delegate.go, query.go) over the
// SWIM node, sans-IO like it.
//
// Serf keeps its own view of the members on top of memberlist's: each member has a status
// (alive, leaving, left, failed) ordered by a Lamport time of the last join or leave intent
// about it, so a graceful leave is told apart from a failure ("left" only when a leave intent
// came before memberlist reported the member gone). Failed members are reaped after
// reconnect_timeout and left ones after tombstone_timeout, so the table does not grow
// forever. On top ride user events (de-duplicated by (LTime, name, payload) in a ring of
// event_buffer slots) and queries (filters, acks, responses sent straight back to the asker,
// optionally relayed through other members), tags in memberlist's metadata, Serf's push-pull
// state (status LTimes, left members, clocks, the event ring), and Vivaldi network
// coordinates in ping acks. The fact sheet is ../shared/specs/memberlist-serf-wire.md §8.
//
// Composition: the node owns a SwimNode and is driven exactly like one (handle_* in, poll_*
// out). What memberlist hands Serf through its Delegate, EventDelegate and PingDelegate comes
// out of the SwimNode's queues (swim_node.h, "the layer above"), which every call here drains
// before it returns; Serf's broadcasts go into the SwimNode's three user queues (intents,
// queries, events, in that order). Serf's push-pull state is re-encoded before a call that may
// send it, when it changed.
//
// Differences from Serf, on purpose: no wall clock (leave and intent times are `now`); query
// ids and random choices come from the node's own seeded Prng; the events the driver has not
// polled, the queries in flight and the intent buffer are bounded and count what they drop;
// Serf's blocking Leave is a state machine the driver steps through poll_timeout() (leaving ->
// left, leave_done()). Not here yet: encryption keys and the key-management queries, name
// conflict resolution, the snapshot (the agent keeps its own).
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/prng.h"
#include "base/status.h"
#include "base/time.h"
#include "core/address.h"
#include "core/membership/directory.h"
#include "core/membership/swim_node.h"
#include "core/serf/coordinate.h"
#include "core/serf/lamport.h"
#include "core/serf/serf_config.h"
#include "core/serf/serf_messages.h"
#include "core/wire/serf_tags.h"

namespace rumor::core::serf {

using wire::Tags;

// MemberStatus (serf_messages.h): none, alive, leaving, left, failed.
std::string_view member_status_name(MemberStatus s);  // "alive", "leaving", ... as Serf's RPC

struct SerfMember {
  std::string name;
  Address addr;
  Tags tags;
  MemberStatus status = MemberStatus::kNone;
  wire::ml::Vsn vsn{};  // memberlist's and Serf's protocol versions
};

enum class SerfEventKind : uint8_t {
  kMemberJoin,
  kMemberLeave,
  kMemberFailed,
  kMemberUpdate,
  kMemberReap,
  kUser,           // a user event (name, payload, ltime, coalesce)
  kQuery,          // a query to answer with respond(query_id, ...) before its deadline
  kQueryAck,       // an ack for a query this node started (query_id, from)
  kQueryResponse,  // a response to it (query_id, from, payload)
  kQueryDone,      // its deadline passed: no more acks or responses (query_id)
  // Not Serf events: the SWIM layer's suspicion of a member and its refutation, which Serf
  // never reports (a suspect member stays "alive" to Serf). For views and logs that want to
  // see into failure detection; Serf's RPC streams and event handlers never carry them.
  kMemberSuspect,
  kMemberAlive,
  // Not a Serf event: a key query changed this node's keyring (name: "install-key",
  // "use-key" or "remove-key"), for a driver that keeps the keys in a file.
  kKeyringChanged,
};
// Serf's own event kinds (the ones its RPC stream and event handlers know).
inline bool is_serf_event(SerfEventKind k) {
  return k != SerfEventKind::kMemberSuspect && k != SerfEventKind::kMemberAlive &&
         k != SerfEventKind::kKeyringChanged;
}
std::string_view serf_event_name(SerfEventKind k);  // Serf's names: "member-join", "user", ...

struct SerfEvent {
  SerfEventKind kind = SerfEventKind::kMemberJoin;
  Time at;
  SerfMember member;  // member events
  LamportTime ltime = 0;
  std::string name;  // user event or query name
  std::vector<uint8_t> payload;
  bool coalesce = false;
  uint64_t query_id = 0;  // this node's handle of the query
  std::string from;       // kQueryAck, kQueryResponse: the answering member; kQuery: the
                          // asking node (its SourceNode; empty when the query did not say)
  Time deadline;          // kQuery: answer before this
};

struct QueryParams {
  std::vector<std::string> filter_nodes;           // only these members answer (empty: any)
  std::map<std::string, std::string> filter_tags;  // tag -> regex, unanchored (RE2: Go's syntax)
  bool request_ack = false;
  uint8_t relay_factor = 0;
  Duration timeout = Duration::zero();  // zero: default_query_timeout()
};

struct SerfIdentity {
  std::string_view name;
  Address addr;
  uint32_t incarnation = 1;
  Tags tags;
};

struct SerfStats {
  uint64_t messages_received = 0;
  uint64_t messages_bad = 0;      // undecodable Serf messages and user states
  uint64_t events_received = 0;   // new user events delivered
  uint64_t events_stale = 0;      // user events too old for the ring, or before a join
  uint64_t queries_received = 0;  // new queries seen
  uint64_t queries_stale = 0;
  uint64_t responses_received = 0;
  uint64_t responses_unmatched = 0;  // for no query in flight here, or duplicates
  uint64_t relays_forwarded = 0;
  uint64_t events_dropped = 0;   // SerfEvents over max_events
  uint64_t queries_dropped = 0;  // over max_pending_queries
  uint64_t intents_dropped = 0;  // intents about unknown members over the buffer's limit
  uint64_t broadcasts_pruned = 0;
  uint64_t coordinate_rejects = 0;
};

class SerfNode {
 public:
  SerfNode(const SerfConfig& config, Directory& directory, const SerfIdentity& self, uint64_t seed,
           Time now);
  SerfNode(const SerfNode&) = delete;
  SerfNode& operator=(const SerfNode&) = delete;

  // Commands. Each that can fail says why in its Status.
  // memberlist join (push-pull) with each seed; once one answers, a join intent goes out.
  // ignore_old: user events older than the cluster's event clock at the join are not delivered.
  void join(Time now, std::span<const Address> seeds, bool ignore_old = false);
  // Graceful leave: the leave intent goes out (up to broadcast_timeout), then memberlist's
  // leave, then leave_propagate_delay; leave_done() after that. A second call is a no-op.
  void leave(Time now);
  bool leave_done() const { return state_ == State::kLeft; }
  // serf force-leave: a failed member is marked left now (prune: erased at once).
  Status force_leave(Time now, std::string_view node, bool prune);
  Status set_tags(Time now, const Tags& tags);
  Status user_event(Time now, std::string_view name, std::span<const uint8_t> payload,
                    bool coalesce);
  // Starts a query; acks, responses and the end come as events with the returned id.
  Result<uint64_t> query(Time now, std::string_view name, std::span<const uint8_t> payload,
                         const QueryParams& params);
  // Answers a query this node received (kQuery event's query_id) before its deadline.
  Status respond(Time now, uint64_t query_id, std::span<const uint8_t> payload);

  // Inputs: as SwimNode's.
  void handle_packet(Time now, const Address& from, std::span<const uint8_t> bytes);
  void handle_stream(Time now, const Address& from, uint64_t conn, std::span<const uint8_t> bytes);
  void handle_stream_reply(Time now, uint64_t stream, std::span<const uint8_t> bytes);
  void handle_stream_error(Time now, uint64_t stream);
  void handle_timeout(Time now);

  // Outputs: as SwimNode's, and Serf's events.
  Time poll_timeout() const;
  bool poll_transmit(SwimTransmit& out) { return swim_.poll_transmit(out); }
  bool poll_event(SerfEvent& out);

  // Views.
  const SwimNode& swim() const { return swim_; }
  // The encryption keys, label and compression (the SWIM node's transport): for a driver that
  // installs the keys it starts with; key queries change them from then on.
  wire::ml::Transport& transport() { return swim_.transport(); }
  const SerfConfig& config() const { return config_; }
  std::vector<SerfMember> members() const;
  std::optional<SerfMember> member(std::string_view name) const;
  SerfMember local_member() const;
  LamportTime member_clock() const { return clock_.time(); }
  LamportTime event_clock() const { return event_clock_.time(); }
  LamportTime query_clock() const { return query_clock_.time(); }
  // This node's network coordinate, and the last one heard from a member (nullopt: none).
  const Coordinate& coordinate() const;
  std::optional<Coordinate> coordinate_of(std::string_view name) const;
  Duration default_query_timeout() const;
  const SerfStats& stats() const { return stats_; }
  size_t queue_depth(size_t queue) const { return swim_.user_broadcast_depth(queue); }

 private:
  // Serf's Leave as steps: the leave intent goes out, then memberlist's leave, then a pause
  // for it to spread.
  enum class State : uint8_t { kAlive, kLeavingIntent, kLeavingSwim, kLeavingPropagate, kLeft };
  static constexpr size_t kIntentQueue = 0, kQueryQueue = 1, kEventQueue = 2;
  // The broadcast key of this node's own leave intent, so leave() can tell when it is out.
  static constexpr uint32_t kOwnLeaveKey = 0xfffffffeu;

  struct MemberState {
    SerfMember member;
    LamportTime status_ltime = 0;
    Time leave_time;
  };
  struct Intent {  // the latest intent about a member not (yet) known
    bool leave = false;
    LamportTime ltime = 0;
    Time at;
  };
  struct QuerySlot {  // the query ids seen at one LTime
    LamportTime ltime = 0;
    std::vector<uint32_t> ids;
  };
  struct Outgoing {  // a query this node started
    uint64_t handle = 0;
    LamportTime ltime = 0;
    uint32_t id = 0;
    Time deadline;
    std::vector<std::string> acks, responses;
  };
  struct Incoming {  // a query this node may still answer
    LamportTime ltime = 0;
    uint32_t id = 0;
    Address reply_to;
    std::string source;
    uint8_t relay_factor = 0;
    Time deadline;
  };

  // Draining the SwimNode after every call into it (serf_node.cc).
  void after_swim(Time now);
  void refresh_user_state();
  void on_swim_event(Time now, const SwimEvent& e);
  void on_ping_result(const SwimPingResult& r);
  void emit(SerfEvent e);
  void emit_user_event(Time now, SerfEvent e);
  void flush_coalesced();
  void emit_member(SerfEventKind kind, Time now, const SerfMember& m);

  // Members and intents (serf_node_members.cc).
  void handle_node_join(Time now, const SwimMember& m);
  void handle_node_leave(Time now, std::string_view name);
  void handle_node_update(const SwimMember& m);
  bool handle_join_intent(Time now, const JoinIntent& msg);
  bool handle_leave_intent(Time now, const LeaveIntent& msg);
  bool remember_intent(Time now, const std::string& node, bool leave, LamportTime ltime);
  void broadcast_join(Time now, LamportTime ltime);
  void erase(Time now, const std::string& name);
  void reap(Time now);
  void reconnect(Time now);
  bool has_alive_members() const;
  SerfMember member_from(const SwimMember& m) const;
  void queue_broadcast(size_t queue, std::vector<uint8_t> bytes, uint32_t key = kUniqueBroadcast);
  void step_leave(Time now);

  // Messages, events and queries (serf_node_messages.cc).
  void handle_message(Time now, std::span<const uint8_t> bytes);
  bool handle_user_event(Time now, const UserEvent& msg);
  bool handle_query(Time now, const Query& msg);
  void handle_internal_query(Time now, const Query& msg, uint64_t handle);
  KeyResponse change_key(Time now, std::string_view op, const Query& q);
  std::vector<uint8_t> list_keys(const Query& q) const;
  void handle_query_response(Time now, const QueryResponse& msg);
  void handle_relay(std::span<const uint8_t> bytes);
  void merge_remote_state(Time now, const SwimUserState& s);
  std::vector<uint8_t> local_state() const;
  bool should_process(const Query& q) const;
  Status send_response(Time now, uint64_t handle, const QueryResponse& resp);
  void relay_response(const Address& to, std::string_view source, uint8_t relay_factor,
                      std::span<const uint8_t> resp);
  void expire_queries(Time now);

  SerfConfig config_;
  Directory& directory_;
  SwimNode swim_;
  Prng prng_;
  std::string self_name_;
  Tags tags_;
  State state_ = State::kAlive;
  Time leave_deadline_ = Time::never();

  LamportClock clock_, event_clock_, query_clock_;
  LamportTime event_min_time_ = 0;
  bool event_join_ignore_ = false;
  bool join_pending_ = false;  // join(): a join intent goes out once its push-pulls are done
  size_t joined_before_ = 0;

  std::unordered_map<std::string, MemberState> members_;
  std::vector<std::string> failed_, left_;  // reaped after their timeouts, oldest first
  std::unordered_map<std::string, Intent> recent_intents_;
  std::vector<std::optional<EventSlot>> event_ring_;
  std::vector<QuerySlot> query_ring_;
  std::vector<Outgoing> outgoing_;
  std::map<uint64_t, Incoming> incoming_;
  uint64_t next_query_handle_ = 1;

  CoordinateClient coord_;
  std::unordered_map<std::string, Coordinate> coord_cache_;

  // Serf's user event coalescer: by name, the newest LTime's events held back (bounded by
  // max_events names); flushed at coalesce_until_ or quiescent_until_, whichever comes first.
  struct Coalesced {
    LamportTime ltime = 0;
    std::vector<SerfEvent> events;
  };
  std::map<std::string, Coalesced> coalesced_;
  Time coalesce_until_ = Time::never();
  Time quiescent_until_ = Time::never();

  Time next_reap_;
  Time next_reconnect_;
  bool state_dirty_ = true;
  std::deque<SerfEvent> events_;
  SerfStats stats_;
};

}  // namespace rumor::core::serf
