// SwimNode: one member of a SWIM cluster with the Lifeguard extensions, speaking memberlist's
// wire format (Das, Gupta & Motivala, DSN 2002; Dadgar, Phillips & Currey 2018; HashiCorp
// memberlist 0.2.2 state.go, the behaviour we match; ../shared/specs/memberlist-serf-wire.md).
//
// What it does, per protocol period (SwimConfig, profiles lan/wan/local):
//   - Probe: ping the next member of a shuffled round-robin list (new members go to random
//     positions; the list is reshuffled, and long-dead members reaped, when it wraps). No ack
//     within probe_timeout: ping-req through indirect_checks random alive members (asking for
//     nacks) and a TCP ping on the stream channel. No ack by the awareness-scaled interval: the
//     member becomes suspect. Probing a suspect sends the suspicion along (buddy system).
//   - Suspicion: a suspect is declared dead when its Lifeguard timer fires: it starts at
//     suspicion_max_timeout_mult x min and shrinks toward min as independent suspicions of it
//     arrive. A node that hears itself suspected or declared dead refutes at once with a higher
//     incarnation, and its local health (awareness) worsens.
//   - Dissemination: alive/suspect/dead messages piggyback on pings and acks and go out on the
//     gossip tick to gossip_nodes random members, through a transmit-limited queue
//     (retransmit_mult x ceil(log10(n+1)) sends each, a newer message about a member replacing
//     the older one). The gossip tick only wakes the node while the queue has something to
//     send; news queued at an idle node goes out at once (eager_gossip; at most one round per
//     gossip_interval either way).
//   - Anti-entropy: a push-pull of the whole member list with one random member every
//     push_pull_interval (scaled up for large clusters), and with each seed at join.
//
// Sans-IO (DESIGN.md): handle_packet / handle_stream / handle_stream_reply /
// handle_stream_error / handle_timeout in; poll_transmit / poll_timeout / poll_event out; join /
// leave / set_meta as commands. `now` is always a parameter; one seeded Prng. Streams: the node
// opens a stream by emitting a Transmit with channel kStreamOpen and a stream id of its own; the
// driver connects, writes the bytes, and hands back the peer's single reply with
// handle_stream_reply(id) or a failure with handle_stream_error(id). A stream the driver accepts
// is handed in with handle_stream(conn); the node answers (if at all) with one kStreamReply
// Transmit carrying that conn id. Open streams the node waits on time out after tcp_timeout.
//
// Invariants: the member list holds this node itself plus at most max_members others, each at
// one position of the probe order; every queue (events, broadcasts, transmits, probes in flight,
// relays, open streams) is bounded and counts what it drops; bytes from the network are
// untrusted: anything malformed or unexpected is counted by kind and dropped, never thrown or
// asserted.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <deque>
#include <span>
#include <string_view>
#include <vector>

#include "base/prng.h"
#include "base/time.h"
#include "core/address.h"
#include "core/dissem/broadcast_queue.h"
#include "core/membership/awareness.h"
#include "core/membership/directory.h"
#include "core/membership/suspicion.h"
#include "core/membership/swim_config.h"
#include "core/membership/swim_rules.h"
#include "core/wire/memberlist_codec.h"
#include "core/wire/memberlist_message.h"
#include "core/wire/push_pull_view.h"
#include "core/wire/transport.h"

namespace rumor::core {

enum class Channel : uint8_t {
  kPacket,      // one UDP datagram
  kStreamOpen,  // open a TCP stream to `to`, write bytes, expect at most one reply
  kStreamReply  // write bytes back on the accepted stream `stream`, then close it
};

struct SwimTransmit {
  Address to;
  Channel channel = Channel::kPacket;
  uint64_t stream = 0;  // kStreamOpen: the node's id for it; kStreamReply: the driver's conn id
  std::vector<uint8_t> bytes;
};

enum class SwimEventKind : uint8_t {
  kJoined,   // a new member, or one back from dead or left
  kUpdated,  // an alive member's metadata changed
  kSuspect,  // alive -> suspect
  kAlive,    // suspect -> alive (refuted)
  kFailed,   // declared dead
  kLeft,     // left gracefully
  kReaped    // forgotten: dead or left for longer than gossip_to_the_dead_time
};
std::string_view swim_event_name(SwimEventKind k);

// memberlist pushPullScale: the push-pull interval, scaled up for clusters above 32 members so
// the cluster-wide rate of full-state syncs stays bounded: interval x (ceil(log2 n - log2 32) + 1).
Duration push_pull_scale(Duration interval, size_t n);

struct SwimEvent {
  SwimEventKind kind = SwimEventKind::kJoined;
  NameId member = kNoName;
  uint32_t incarnation = 0;
  Time at;
};

// One row of a node's member list, 32 bytes. `meta` indexes the node's metadata store (0 =
// none).
struct SwimMember {
  IdentityId identity = kNoIdentity;
  uint32_t incarnation = 0;
  Time state_change;
  uint32_t meta = 0;
  SwimState state = SwimState::kAlive;
  wire::ml::Vsn vsn{};
};

// Messages and their bytes by memberlist message type (MsgType 0..13 index the arrays). The
// parts of a compound count one by one; the compound and CRC wrappers are not messages. Only
// grows.
struct MessageCounts {
  static constexpr size_t kTypes = 14;
  std::array<uint64_t, kTypes> messages{};
  std::array<uint64_t, kTypes> bytes{};

  // One message: its first byte is its type (other types are not counted).
  void add(std::span<const uint8_t> msg) {
    if (msg.empty() || msg[0] >= kTypes) return;
    ++messages[msg[0]];
    bytes[msg[0]] += msg.size();
  }
  // A whole datagram as the node sends it: a CRC wrapper and a compound are opened.
  void add_packet(std::span<const uint8_t> packet);
};

// What a node counts; every counter only grows.
struct SwimStats {
  uint64_t probes = 0;           // probes started
  uint64_t probe_acks = 0;       // probes that ended with an ack (direct, indirect or TCP)
  uint64_t indirect_probes = 0;  // probes that went on to ping-req
  uint64_t nacks_received = 0;
  uint64_t suspicions_raised = 0;  // members this node itself suspected after a failed probe
  uint64_t refutes = 0;            // times this node refuted a suspicion or death of itself
  uint64_t packets_sent = 0;
  uint64_t packet_bytes_sent = 0;
  uint64_t streams_opened = 0;
  uint64_t stream_bytes_sent = 0;
  uint64_t packets_received = 0;
  uint64_t messages_received = 0;   // inner messages, after unwrapping compounds
  uint64_t push_pulls = 0;          // push-pull exchanges completed (either side)
  uint64_t gossip_rounds = 0;       // gossip ticks that found news to send (idle ones skip)
  uint64_t push_pulls_refused = 0;  // not merged: protocol versions out of the cluster's range
  uint64_t ignored = 0;             // well-formed but ignored (stale, wrong target, unexpected)
  uint64_t members_refused = 0;     // new members beyond max_members or a full directory
  uint64_t address_conflicts = 0;   // an alive for a known name with another address
  uint64_t events_dropped = 0;
  uint64_t transmits_dropped = 0;
  uint64_t relays_dropped = 0;
  uint64_t streams_dropped = 0;  // over the open-stream limit, or timed out
  uint64_t user_dropped = 0;     // user messages, user states, ping results over their limits
  MessageCounts sent;            // packets and streams this node wrote
  MessageCounts received;        // messages it read (after unwrapping)
};

// The remote side's user state from a push-pull that merged (memberlist MergeRemoteState).
struct SwimUserState {
  bool join = false;
  std::vector<uint8_t> bytes;
};

// A probe answered by a direct ack in time (memberlist NotifyPingComplete): the round trip and
// the ack's payload (Serf: the member's network coordinate).
struct SwimPingResult {
  NameId member = kNoName;
  Duration rtt;
  std::vector<uint8_t> payload;
};

// What the node starts as.
struct SwimIdentity {
  std::string_view name;
  Address addr;
  uint32_t incarnation = 1;  // a restarted node passes a higher one from its snapshot
  std::vector<uint8_t> meta;
};

class SwimNode {
 public:
  // `config` must have validated; `directory` outlives the node (it may be shared). The node's
  // periodic timers start at random offsets in [0, interval) after `now`, as memberlist's do.
  SwimNode(const SwimConfig& config, Directory& directory, const SwimIdentity& self, uint64_t seed,
           Time now);
  SwimNode(const SwimNode&) = delete;
  SwimNode& operator=(const SwimNode&) = delete;

  // Commands.
  // Push-pull (join flag set) with every seed address now; joined_count() counts the replies.
  void join(Time now, std::span<const Address> seeds);
  // Adds a member as alive without an event or a broadcast, as restored from a snapshot or when
  // a simulation starts from a formed cluster. False if the member is refused (limits).
  bool restore_member(Time now, IdentityId identity, uint32_t incarnation);
  // Room for n members, so a driver about to restore a large list grows it once (a doubling
  // vector would hold up to twice the rows it needs).
  void reserve_members(size_t n) { members_.reserve(n); }
  // Re-draws the periodic timers (probe, gossip, push-pull) at random offsets within their
  // periods, the push-pull period scaled for the current membership: the phases they have in a
  // cluster that has been up for a while. A driver that restores a formed cluster calls it once
  // after restore_member; otherwise no node would push-pull before a random stagger within
  // push_pull_interval plus one scaled interval, as memberlist does right after start.
  void stagger_timers(Time now);
  // Broadcasts this node's departure (dead about itself, From = itself: "left"); it stops
  // refuting. The driver keeps the node running briefly so the message spreads, then stops it.
  void leave(Time now);
  // New metadata: an alive message with incarnation + 1. False if over meta_max_bytes.
  bool set_meta(Time now, std::span<const uint8_t> meta);

  // The layer above (Serf, serf/serf_node.h) rides on what memberlist offers its Delegate and
  // PingDelegate, here as values and queues instead of callbacks (swim_node_user.cc):
  //   - user messages (type 8) from packets and reliable streams: poll_user_message();
  //   - its own broadcasts, piggybacked after memberlist's from kUserQueues queues in order
  //     (Serf: intents, queries, events), each as a user message: queue_user_broadcast();
  //   - its state in every push-pull: set_user_state(); the remote's, once a push-pull has
  //     merged: poll_user_state();
  //   - a payload in acks to direct pings: set_ack_payload(); the round trip and payload of
  //     each probe answered directly in time: poll_ping_result();
  //   - a user message straight to an address (memberlist SendToAddress): send_user_packet().
  // Each output queue is bounded; what overflows is dropped and counted in user_dropped.
  static constexpr size_t kUserQueues = 3;
  static constexpr size_t kMaxUserMessages = 1024;  // memberlist's HandoffQueueDepth
  static constexpr size_t kMaxUserStates = 16;
  static constexpr size_t kMaxPingResults = 64;
  // Queues under `key` (kUniqueBroadcast, or a key that replaces the queued message with it).
  void queue_user_broadcast(size_t queue, uint32_t key, std::vector<uint8_t> bytes);
  void prune_user_broadcasts(size_t queue, size_t max_retain);
  bool user_broadcast_queued(size_t queue, uint32_t key) const;
  size_t user_broadcast_depth(size_t queue) const;
  void set_user_state(std::vector<uint8_t> bytes) { user_state_ = std::move(bytes); }
  void set_ack_payload(std::vector<uint8_t> bytes) { ack_payload_ = std::move(bytes); }
  void send_user_packet(const Address& to, std::span<const uint8_t> msg);
  bool poll_user_message(std::vector<uint8_t>& out);
  bool poll_user_state(SwimUserState& out);
  bool poll_ping_result(SwimPingResult& out);

  // Inputs.
  void handle_packet(Time now, const Address& from, std::span<const uint8_t> bytes);
  void handle_stream(Time now, const Address& from, uint64_t conn, std::span<const uint8_t> bytes);
  void handle_stream_reply(Time now, uint64_t stream, std::span<const uint8_t> bytes);
  void handle_stream_error(Time now, uint64_t stream);
  void handle_timeout(Time now);

  // Outputs.
  // The next deadline. After a handle_packet / handle_stream* call it may be now or earlier
  // (a confirmation shortened a suspicion): call handle_timeout at once. After handle_timeout
  // it is always later than now.
  Time poll_timeout() const;
  bool poll_transmit(SwimTransmit& out);
  bool poll_event(SwimEvent& out);

  // Views.
  NameId self_name() const { return self_name_; }
  const Address& self_addr() const { return self_addr_; }
  uint32_t incarnation() const { return incarnation_; }
  bool has_left() const { return leaving_; }
  size_t joined_count() const { return joined_count_; }
  // Join push-pulls still waiting for their seed's answer (neither replied nor failed).
  size_t joins_in_flight() const;
  // Members in probe order, this node included.
  const std::vector<SwimMember>& members() const { return members_; }
  const SwimMember* find(NameId name) const;
  // A member's metadata (empty if none); valid until the node next changes it.
  std::span<const uint8_t> meta(const SwimMember& m) const { return meta_of(m); }
  size_t count(SwimState s) const;
  int awareness_score() const { return awareness_.score(); }
  // Queue depths, for metrics: broadcasts waiting to be piggybacked, suspicion timers running,
  // transmits and events the driver has not polled yet.
  size_t broadcast_depth() const { return broadcasts_.size(); }
  // Whether a broadcast about this node itself (its alive, or its leave) is still queued.
  bool self_broadcast_queued() const { return broadcasts_.contains(self_name_); }
  size_t suspicion_count() const { return suspicions_.size(); }
  size_t pending_transmits() const { return transmits_.size(); }
  size_t pending_events() const { return events_.size(); }
  const SwimStats& stats() const { return stats_; }
  const wire::ml::MlErrorCounts& decode_errors() const { return decode_errors_; }
  // The label, encryption and compression layers (transport.h): what they refused, and the
  // keyring, whose keys a layer above (Serf's key management) installs, uses and removes.
  const wire::ml::Transport& transport() const { return transport_; }
  wire::ml::Transport& transport() { return transport_; }
  const Directory& directory() const { return directory_; }
  const SwimConfig& config() const { return config_; }

 private:
  static constexpr uint32_t kNowhere = UINT32_MAX;

  // The probe in flight (memberlist's probeNode; one at a time).
  struct Probe {
    bool active = false;
    NameId target = kNoName;
    uint32_t incarnation = 0;  // the target's, when the probe began
    uint32_t seq = 0;
    Time start;
    Time timeout_at;  // probe_timeout after start: the indirect round begins
    Time deadline;    // the awareness-scaled interval after start: the verdict
    bool indirect_sent = false;
    bool tcp_acked = false;
    uint32_t expected_nacks = 0;
    uint32_t nacks = 0;
  };
  // A ping this node sent for another member's ping-req: the ack is relayed back.
  struct Relay {
    uint32_t seq = 0;       // this node's ping to the target
    uint32_t orig_seq = 0;  // the requester's
    Address requester;
    bool nack = false;
    Time expires;  // probe_timeout after the request: then a nack (if asked) and forget
  };
  enum class StreamKind : uint8_t { kPushPull, kPing };
  struct OpenStream {
    uint64_t id = 0;
    StreamKind kind = StreamKind::kPushPull;
    uint32_t seq = 0;  // kPing: the probe's seq
    Time deadline;
    bool join = false;  // a join's push-pull (join())
  };
  struct Suspected {
    NameId member = kNoName;
    Suspicion timer;
  };

  // Member list (swim_node.cc).
  SwimMember* find_mut(NameId name);
  NameId name_of(const SwimMember& m) const { return directory_.identity_name(m.identity); }
  const Address& addr_of(const SwimMember& m) const { return directory_.identity_addr(m.identity); }
  SwimMember* insert_member(const SwimMember& m);
  void set_state(SwimMember& m, SwimState s, Time now);
  void reset_probe_order(Time now);
  template <typename Skip>
  void random_members(size_t k, Skip skip, std::vector<uint32_t>& out);
  std::span<const uint8_t> meta_of(const SwimMember& m) const;
  void set_meta_of(SwimMember& m, std::span<const uint8_t> meta);
  void emit(SwimEventKind kind, NameId member, uint32_t incarnation, Time now);
  uint32_t transmit_limit() const;

  // Sending (swim_node.cc). Every transmit goes through push_transmit, which bounds the queue.
  void push_transmit(SwimTransmit t);
  void send_packet(const Address& to, std::vector<uint8_t> bytes);
  // `msg` plus the broadcasts that fit beside it, as a compound when there are any.
  void send_with_piggyback(const Address& to, std::vector<uint8_t> msg);
  void collect_broadcasts(size_t budget);
  size_t packet_room() const;
  // Whether a gossip tick would send anything: memberlist's queue or a user queue holds some.
  bool has_broadcasts() const;
  // The layer above (swim_node_user.cc).
  void collect_user_broadcasts(size_t budget);
  void deliver_user_message(std::span<const uint8_t> msg);
  void deliver_user_state(bool join, std::span<const uint8_t> bytes);
  void deliver_ping_result(NameId member, Duration rtt, std::span<const uint8_t> payload);
  void gossip(Time now);
  uint64_t open_stream(const Address& to, StreamKind kind, uint32_t seq, std::vector<uint8_t> bytes,
                       Time now);

  // Probing (swim_node_probe.cc).
  void probe(Time now);
  void probe_member(SwimMember& m, Time now);
  void probe_timeout(Time now);
  void probe_deadline(Time now);
  void finish_probe(bool acked, Time now);
  wire::ml::Ping make_ping(uint32_t seq, NameId target) const;
  void on_ping(const Address& from, std::span<const uint8_t> body);
  void on_indirect_ping(Time now, const Address& from, std::span<const uint8_t> body);
  void on_ack(Time now, std::span<const uint8_t> body);
  void on_ack_seq(Time now, uint32_t seq);
  void on_nack(std::span<const uint8_t> body);
  void expire_relays(Time now);

  // State (swim_node_state.cc).
  // An alive message's fields as views: from a packet's ml::Alive or a push-pull state.
  struct AliveView {
    uint32_t incarnation = 0;
    std::string_view node;
    std::span<const uint8_t> addr;
    uint16_t port = 0;
    std::span<const uint8_t> meta;
    std::span<const uint8_t> vsn;
  };
  void on_alive(Time now, const AliveView& a);
  void on_suspect(Time now, uint32_t incarnation, std::string_view node, std::string_view from);
  void on_dead(Time now, uint32_t incarnation, std::string_view node, std::string_view from);
  void refute(uint32_t accused);
  void broadcast_self_alive();
  void broadcast_alive(const SwimMember& m);
  Suspected* suspicion_of(NameId name);
  void clear_suspicion(NameId name);
  void start_suspicion(NameId name, std::string_view from, Time now);
  void fire_suspicions(Time now);
  void rearm_idle_gossip(Time now);
  bool gossips() const;
  void encode_local_state(bool join, std::vector<uint8_t>& out) const;
  bool protocol_compatible(const wire::ml::PushPullView& remote) const;
  // Merges a push-pull unless protocol_compatible() refuses it (counted).
  void merge_state(Time now, const wire::ml::PushPullView& remote);
  // A push-pull stream body (after its type byte) as views; false if it does not decode.
  bool decode_push_pull(std::span<const uint8_t> body, wire::ml::PushPullView& out);
  void dispatch(Time now, const Address& from, const wire::ml::PacketPart& part);
  void handle_stream_message(Time now, const Address& from, uint64_t conn,
                             std::span<const uint8_t> bytes);

  SwimConfig config_;
  Directory& directory_;
  Prng prng_;
  NameId self_name_ = kNoName;
  IdentityId self_identity_ = kNoIdentity;
  Address self_addr_;
  uint32_t incarnation_ = 1;
  bool leaving_ = false;
  size_t joined_count_ = 0;

  std::vector<SwimMember> members_;          // probe order; self included
  std::vector<uint32_t> position_;           // NameId -> index in members_, or kNowhere
  std::vector<std::vector<uint8_t>> metas_;  // metadata store; slot 0 is "none"
  std::vector<uint32_t> free_metas_;
  size_t probe_index_ = 0;
  std::array<size_t, 4> counts_{};  // members by SwimState

  Awareness awareness_;
  BroadcastQueue broadcasts_;
  std::array<BroadcastQueue, kUserQueues> user_broadcasts_;
  std::vector<uint8_t> user_state_;
  std::vector<uint8_t> ack_payload_;
  std::deque<std::vector<uint8_t>> user_messages_;
  std::deque<SwimUserState> user_states_;
  std::deque<SwimPingResult> ping_results_;
  wire::ml::Transport transport_;           // label, encryption, compression
  wire::ml::UnwrapScratch unwrap_scratch_;  // decompressed packet parts
  std::vector<uint8_t> stream_scratch_;     // a decompressed stream message
  std::vector<Suspected> suspicions_;
  Probe probe_;
  std::vector<Relay> relays_;
  std::vector<OpenStream> streams_;

  uint32_t next_seq_ = 0;
  uint64_t next_stream_ = 1;
  Time next_probe_;
  Time next_gossip_;
  Time earliest_gossip_;  // one gossip round per gossip_interval: the next may not be before
  Time next_push_pull_;
  bool push_pull_ticking_ = false;  // the start's stagger is over (memberlist pushPullTrigger)

  std::deque<SwimEvent> events_;
  std::deque<SwimTransmit> transmits_;
  SwimStats stats_;
  wire::ml::MlErrorCounts decode_errors_{};
  std::vector<wire::ml::PacketPart> parts_;  // scratch for handle_packet
  std::vector<uint32_t> picked_;             // scratch for random_members
  std::vector<uint8_t> bodies_;              // scratch: the messages of the packet being built
  std::vector<size_t> lens_;                 // scratch: their lengths
};

// memberlist kRandomNodes: up to k distinct members not skipped, from at most 3n random draws.
template <typename Skip>
inline void SwimNode::random_members(size_t k, Skip skip, std::vector<uint32_t>& out) {
  out.clear();
  const size_t n = members_.size();
  for (size_t i = 0; i < 3 * n && out.size() < k; ++i) {
    const auto idx = static_cast<uint32_t>(prng_.uniform(n));
    if (skip(members_[idx])) continue;
    if (std::find(out.begin(), out.end(), idx) != out.end()) continue;
    out.push_back(idx);
  }
}

}  // namespace rumor::core
