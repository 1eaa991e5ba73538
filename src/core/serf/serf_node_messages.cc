// SerfNode's messages: user events, queries and their responses and relays, and Serf's
// push-pull state (delegate.go NotifyMsg, LocalState, MergeRemoteState; serf.go UserEvent,
// Query, handleUserEvent, handleQuery, handleQueryResponse; query.go; event.go Respond;
// internal_query.go). Every message from the network is untrusted: what does not decode is
// counted in messages_bad and dropped.
#include <re2/re2.h>

#include <algorithm>

#include "core/serf/serf_node.h"

namespace rumor::core::serf {

namespace {

constexpr std::string_view kInternalPrefix = "_serf_";

Bytes bytes_of(std::span<const uint8_t> b) {
  return Bytes(std::vector<uint8_t>(b.begin(), b.end()));
}

}  // namespace

// ---- user events -------------------------------------------------------------------------

Status SerfNode::user_event(Time now, std::string_view name, std::span<const uint8_t> payload,
                            bool coalesce) {
  const size_t raw = name.size() + payload.size();
  if (raw > config_.user_event_size_limit) {
    return Status::error("user event: name and payload take " + std::to_string(raw) +
                         " bytes; the limit is " + std::to_string(config_.user_event_size_limit));
  }
  UserEvent msg{event_clock_.time(), std::string(name), bytes_of(payload), coalesce};
  std::vector<uint8_t> bytes;
  encode(msg, bytes);
  if (bytes.size() > config_.user_event_size_limit) {
    return Status::error("user event: encoded it takes " + std::to_string(bytes.size()) +
                         " bytes; the limit is " + std::to_string(config_.user_event_size_limit));
  }
  event_clock_.increment();
  handle_user_event(now, msg);
  queue_broadcast(kEventQueue, std::move(bytes));
  after_swim(now);
  return Status::ok();
}

// Serf's handleUserEvent: true if the event is new (then it is delivered and passed on).
bool SerfNode::handle_user_event(Time now, const UserEvent& msg) {
  event_clock_.witness(msg.ltime);
  state_dirty_ = true;
  const LamportTime ring = event_ring_.size();
  const LamportTime cur = event_clock_.time();
  if (msg.ltime < event_min_time_ || (cur > ring && msg.ltime < cur - ring)) {
    ++stats_.events_stale;
    return false;
  }
  std::optional<EventSlot>& slot = event_ring_[msg.ltime % ring];
  if (slot && slot->ltime == msg.ltime) {
    for (const RingEvent& seen : slot->events.value) {
      if (seen.name == msg.name && seen.payload.data == msg.payload.data) return false;
    }
    if (slot->events.size() >= kMaxEventsPerSlot) {
      ++stats_.events_stale;
      return false;
    }
  } else {
    slot = EventSlot{msg.ltime, {}};
  }
  slot->events.value.push_back(RingEvent{msg.name, msg.payload});
  slot->events.is_nil = false;
  ++stats_.events_received;
  SerfEvent e;
  e.kind = SerfEventKind::kUser;
  e.at = now;
  e.ltime = msg.ltime;
  e.name = msg.name;
  e.payload = msg.payload.data;
  e.coalesce = msg.cc;
  emit_user_event(now, std::move(e));
  return true;
}

// Serf's userEventCoalescer (coalesce_user.go): a coalescable event is held; of one name only
// the newest LTime survives (several events at that LTime all do). Held events go out together
// when the coalesce period since the first has passed or the stream has been quiet for the
// quiescent period.
void SerfNode::emit_user_event(Time now, SerfEvent e) {
  const bool coalescing = config_.user_coalesce_period > Duration::zero() &&
                          config_.user_quiescent_period > Duration::zero();
  if (!coalescing || !e.coalesce) {
    emit(std::move(e));
    return;
  }
  auto it = coalesced_.find(e.name);
  if (it == coalesced_.end()) {
    if (coalesced_.size() >= config_.max_events) {
      ++stats_.events_dropped;
      return;
    }
    it = coalesced_.emplace(e.name, Coalesced{e.ltime, {}}).first;
  }
  Coalesced& c = it->second;
  if (e.ltime > c.ltime) {
    c.ltime = e.ltime;
    c.events.clear();
  }
  if (e.ltime == c.ltime && c.events.size() < kMaxEventsPerSlot) c.events.push_back(std::move(e));
  if (coalesce_until_ == Time::never()) coalesce_until_ = now + config_.user_coalesce_period;
  quiescent_until_ = now + config_.user_quiescent_period;
}

void SerfNode::flush_coalesced() {
  for (auto& [name, c] : coalesced_) {
    for (SerfEvent& e : c.events)
      emit(std::move(e));
  }
  coalesced_.clear();
  coalesce_until_ = Time::never();
  quiescent_until_ = Time::never();
}

// ---- messages from the network -------------------------------------------------------------

// Serf's NotifyMsg: each message is handled and, if it was news, passed on in its queue.
void SerfNode::handle_message(Time now, std::span<const uint8_t> bytes) {
  ++stats_.messages_received;
  Message msg;
  if (decode_message(bytes, msg)) {
    ++stats_.messages_bad;
    return;
  }
  bool rebroadcast = false;
  size_t queue = kIntentQueue;
  if (auto* leave = std::get_if<LeaveIntent>(&msg)) {
    rebroadcast = handle_leave_intent(now, *leave);
  } else if (auto* join = std::get_if<JoinIntent>(&msg)) {
    rebroadcast = handle_join_intent(now, *join);
  } else if (auto* event = std::get_if<UserEvent>(&msg)) {
    rebroadcast = handle_user_event(now, *event);
    queue = kEventQueue;
  } else if (auto* query = std::get_if<Query>(&msg)) {
    rebroadcast = handle_query(now, *query);
    queue = kQueryQueue;
  } else if (auto* resp = std::get_if<QueryResponse>(&msg)) {
    handle_query_response(now, *resp);
  } else if (auto* relay = std::get_if<Relay>(&msg)) {
    const Address to =
        Address::from_bytes(relay->dest_addr.ip.data, static_cast<uint16_t>(relay->dest_addr.port));
    if (to.empty() || relay->dest_addr.port <= 0 || relay->dest_addr.port > 65535) {
      ++stats_.messages_bad;
      return;
    }
    swim_.send_user_packet(to, relay->message);
    ++stats_.relays_forwarded;
  } else {
    ++stats_.messages_bad;  // push-pull, conflict and key messages never come on their own
  }
  if (rebroadcast) queue_broadcast(queue, std::vector<uint8_t>(bytes.begin(), bytes.end()));
}

// ---- queries -----------------------------------------------------------------------------

Result<uint64_t> SerfNode::query(Time now, std::string_view name, std::span<const uint8_t> payload,
                                 const QueryParams& params) {
  Query q;
  q.ltime = query_clock_.time();
  q.id = static_cast<uint32_t>(prng_.uniform(uint64_t{1} << 31));  // Go: rand.Int31()
  q.addr = bytes_of(swim_.self_addr().ip_bytes());
  q.port = swim_.self_addr().port;
  q.source_node = self_name_;
  if (!params.filter_nodes.empty()) {
    std::vector<uint8_t> f;
    encode_filter(NodeFilter{Nilable<std::vector<std::string>>(params.filter_nodes)}, f);
    q.filters.value.push_back(Bytes(std::move(f)));
  }
  for (const auto& [tag, expr] : params.filter_tags) {
    if (!RE2(expr, RE2::Quiet).ok()) {
      return Status::error("query: the filter for tag " + tag +
                           " is not a valid regular "
                           "expression: " +
                           expr);
    }
    std::vector<uint8_t> f;
    encode_filter(TagFilter{tag, expr}, f);
    q.filters.value.push_back(Bytes(std::move(f)));
  }
  q.filters.is_nil = q.filters.empty();
  q.flags = params.request_ack ? kQueryFlagAck : 0;
  q.relay_factor = params.relay_factor;
  const Duration timeout =
      params.timeout > Duration::zero() ? params.timeout : default_query_timeout();
  q.timeout_ns = timeout.ns();
  q.name = std::string(name);
  q.payload = bytes_of(payload);
  std::vector<uint8_t> bytes;
  encode(q, bytes);
  if (bytes.size() > config_.query_size_limit) {
    return Status::error("query: encoded it takes " + std::to_string(bytes.size()) +
                         " bytes; the limit is " + std::to_string(config_.query_size_limit));
  }
  if (outgoing_.size() >= config_.max_pending_queries) {
    ++stats_.queries_dropped;
    return Status::error("query: " + std::to_string(outgoing_.size()) +
                         " queries are still collecting answers; wait for one to finish");
  }
  const uint64_t handle = next_query_handle_++;
  outgoing_.push_back(Outgoing{handle, q.ltime, q.id, now + timeout, {}, {}});
  handle_query(now, q);  // this node answers its own query too, as Serf's does
  queue_broadcast(kQueryQueue, std::move(bytes));
  after_swim(now);
  return handle;
}

// Serf's handleQuery: true if the query is new and may be passed on.
bool SerfNode::handle_query(Time now, const Query& q) {
  query_clock_.witness(q.ltime);
  state_dirty_ = true;
  const LamportTime ring = query_ring_.size();
  const LamportTime cur = query_clock_.time();
  if (cur > ring && q.ltime < cur - ring) {
    ++stats_.queries_stale;
    return false;
  }
  QuerySlot& slot = query_ring_[q.ltime % ring];
  if (slot.ltime == q.ltime) {
    if (std::find(slot.ids.begin(), slot.ids.end(), q.id) != slot.ids.end()) return false;
    if (slot.ids.size() >= kMaxEventsPerSlot) {
      ++stats_.queries_stale;
      return false;
    }
  } else {
    slot = QuerySlot{q.ltime, {}};
  }
  slot.ids.push_back(q.id);
  ++stats_.queries_received;
  const bool rebroadcast = (q.flags & kQueryFlagNoBroadcast) == 0;
  if (!should_process(q)) return rebroadcast;  // passed on even when not for us
  const Address reply_to = Address::from_bytes(q.addr.data, q.port);
  if (reply_to.empty()) return rebroadcast;
  if (incoming_.size() >= config_.max_pending_queries) {
    incoming_.erase(incoming_.begin());  // the oldest may no longer be answered
    ++stats_.queries_dropped;
  }
  const uint64_t handle = next_query_handle_++;
  const Duration timeout = Duration::nanos(std::max<int64_t>(0, q.timeout_ns));
  incoming_.emplace(
      handle, Incoming{q.ltime, q.id, reply_to, q.source_node, q.relay_factor, now + timeout});
  if (q.flags & kQueryFlagAck) {
    QueryResponse ack{q.ltime, q.id, self_name_, kQueryFlagAck, Bytes()};
    std::vector<uint8_t> bytes;
    encode(ack, bytes);
    swim_.send_user_packet(reply_to, bytes);
    relay_response(reply_to, q.source_node, q.relay_factor, bytes);
  }
  if (std::string_view(q.name).starts_with(kInternalPrefix)) {
    handle_internal_query(now, q, handle);
  } else {
    SerfEvent e;
    e.kind = SerfEventKind::kQuery;
    e.at = now;
    e.ltime = q.ltime;
    e.name = q.name;
    e.payload = q.payload.data;
    e.query_id = handle;
    e.from = q.source_node;
    e.deadline = now + timeout;
    emit(std::move(e));
  }
  return rebroadcast;
}

// query.go shouldProcessQuery: every filter must pass; a node filter names this node, a tag
// filter's regex matches (unanchored, Go's syntax) this node's value of the tag.
bool SerfNode::should_process(const Query& q) const {
  for (const Bytes& raw : q.filters.value) {
    Filter f;
    if (decode_filter(raw.data, f)) return false;
    if (const auto* nodes = std::get_if<NodeFilter>(&f)) {
      const auto& names = nodes->nodes.value;
      if (std::find(names.begin(), names.end(), self_name_) == names.end()) return false;
    } else {
      const auto& tag = std::get<TagFilter>(f);
      const RE2 re(tag.expr, RE2::Quiet);
      if (!re.ok()) return false;
      auto it = tags_.find(tag.tag);
      const std::string value = it == tags_.end() ? std::string() : it->second;
      if (!RE2::PartialMatch(value, re)) return false;
    }
  }
  return true;
}

// internal_query.go: Serf answers these itself; the application never sees them. `_serf_ping`
// needs only the ack. There is no keyring yet, so the key queries answer as Serf does without
// encryption.
void SerfNode::handle_internal_query(Time now, const Query& q, uint64_t handle) {
  const std::string_view op = std::string_view(q.name).substr(kInternalPrefix.size());
  std::vector<uint8_t> payload;
  if (op == "conflict") {
    const std::string node(q.payload.data.begin(), q.payload.data.end());
    if (node == self_name_) return;  // Serf does not answer about itself
    ConflictResponse resp;
    if (auto it = members_.find(node); it != members_.end()) {
      const SerfMember& m = it->second.member;
      Member out;
      out.name = m.name;
      out.addr = bytes_of(m.addr.ip_bytes());
      out.port = m.addr.port;
      out.tags = Nilable<Tags>(m.tags);
      out.status = m.status;
      out.protocol_min = m.vsn[0];
      out.protocol_max = m.vsn[1];
      out.protocol_cur = m.vsn[2];
      out.delegate_min = m.vsn[3];
      out.delegate_max = m.vsn[4];
      out.delegate_cur = m.vsn[5];
      resp.member = std::move(out);
    }
    encode(resp, payload);
  } else if (op == "install-key" || op == "use-key" || op == "remove-key") {
    encode(change_key(now, op, q), payload);
  } else if (op == "list-keys") {
    payload = list_keys(q);
    if (payload.empty()) return;  // no answer fits the response limit
  } else {
    return;  // ping, or an internal query this version does not know
  }
  QueryResponse resp{q.ltime, q.id, self_name_, 0, Bytes(std::move(payload))};
  (void)send_response(now, handle, resp);
}

// internal_query.go handleInstallKey, handleUseKey, handleRemoveKey: the change, or why not.
KeyResponse SerfNode::change_key(Time now, std::string_view op, const Query& q) {
  KeyResponse resp;
  KeyRequest req;
  if (decode(q.payload.data, req)) {
    resp.message = "Failed to decode key request";
    return resp;
  }
  wire::ml::Transport& transport = swim_.transport();
  if (transport.keyring().empty()) {
    resp.message = "No keyring to modify (encryption not enabled)";
    return resp;
  }
  const std::span<const uint8_t> key = req.key.data;
  Status s = op == "install-key" ? transport.install_key(key)
             : op == "use-key"   ? transport.use_key(key)
                                 : transport.remove_key(key);
  if (!s) {
    resp.message = s.message();
    return resp;
  }
  resp.result = true;
  SerfEvent e;
  e.kind = SerfEventKind::kKeyringChanged;
  e.at = now;
  e.name = std::string(op);
  emit(std::move(e));
  return resp;
}

// internal_query.go handleListKeys and keyListResponseWithCorrectSize: every key in base64 and
// the primary, with the list cut short (and said so) until the response fits the size limit.
// Empty: not even an empty list fits.
std::vector<uint8_t> SerfNode::list_keys(const Query& q) const {
  KeyResponse resp;
  const wire::ml::Keyring& ring = swim_.transport().keyring();
  if (ring.empty()) {
    resp.message = "Keyring is empty (encryption not enabled)";
  } else {
    resp.result = true;
    for (const auto& key : ring.keys())
      resp.keys.value.push_back(wire::ml::encode_key_base64(key));
    resp.keys.is_nil = false;
    resp.primary_key = wire::ml::encode_key_base64(ring.primary());
  }
  const size_t actual = resp.keys.value.size();
  for (;;) {
    std::vector<uint8_t> payload;
    encode(resp, payload);
    std::vector<uint8_t> whole;
    encode(QueryResponse{q.ltime, q.id, self_name_, 0, Bytes(payload)}, whole);
    if (whole.size() <= config_.query_response_size_limit) return payload;
    if (resp.keys.value.empty()) return {};
    resp.keys.value.pop_back();
    resp.message = "truncated key list response, showing first " +
                   std::to_string(resp.keys.value.size()) + " of " + std::to_string(actual) +
                   " keys";
  }
}

Status SerfNode::respond(Time now, uint64_t query_id, std::span<const uint8_t> payload) {
  auto it = incoming_.find(query_id);
  if (it == incoming_.end()) {
    return Status::error("respond: no query " + std::to_string(query_id) +
                         " is waiting for an answer (answered already, or past its deadline)");
  }
  QueryResponse resp{it->second.ltime, it->second.id, self_name_, 0, bytes_of(payload)};
  Status s = send_response(now, query_id, resp);
  after_swim(now);
  return s;
}

// event.go respondWithMessageAndResponse: within the size limit and the deadline, straight to
// the asker and through relay_factor other members; a query is answered once.
Status SerfNode::send_response(Time now, uint64_t handle, const QueryResponse& resp) {
  auto it = incoming_.find(handle);
  if (it == incoming_.end()) return Status::error("respond: the query is gone");
  std::vector<uint8_t> bytes;
  encode(resp, bytes);
  if (bytes.size() > config_.query_response_size_limit) {
    return Status::error("respond: the response takes " + std::to_string(bytes.size()) +
                         " bytes; the limit is " +
                         std::to_string(config_.query_response_size_limit));
  }
  if (now > it->second.deadline) {
    incoming_.erase(it);
    return Status::error("respond: the query's deadline has passed");
  }
  swim_.send_user_packet(it->second.reply_to, bytes);
  relay_response(it->second.reply_to, it->second.source, it->second.relay_factor, bytes);
  incoming_.erase(it);
  return Status::ok();
}

// query.go relayResponse: copies wrapped in a relay message to relay_factor random alive
// members (memberlist protocol 5 or later, not this node), if there are that many others.
void SerfNode::relay_response(const Address& to, std::string_view source, uint8_t relay_factor,
                              std::span<const uint8_t> resp) {
  if (relay_factor == 0 || members_.size() < static_cast<size_t>(relay_factor) + 1) return;
  Relay relay;
  relay.dest_addr.ip = bytes_of(to.ip_bytes());
  relay.dest_addr.port = to.port;
  relay.dest_name = std::string(source);
  relay.message.assign(resp.begin(), resp.end());
  std::vector<uint8_t> bytes;
  encode(relay, bytes);
  if (bytes.size() > config_.query_response_size_limit) return;
  std::vector<const SerfMember*> candidates;
  for (const auto& [name, m] : members_) {
    if (name != self_name_ && m.member.status == MemberStatus::kAlive && m.member.vsn[1] >= 5) {
      candidates.push_back(&m.member);
    }
  }
  // Serf draws with replacement up to 3n times, skipping repeats: k distinct members.
  for (size_t k = 0; k < relay_factor && !candidates.empty(); ++k) {
    const size_t i = prng_.uniform(candidates.size());
    swim_.send_user_packet(candidates[i]->addr, bytes);
    candidates[i] = candidates.back();
    candidates.pop_back();
  }
}

// Serf's handleQueryResponse: an ack or a response for a query still collecting, once per
// member each.
void SerfNode::handle_query_response(Time now, const QueryResponse& r) {
  ++stats_.responses_received;
  auto it = std::find_if(outgoing_.begin(), outgoing_.end(),
                         [&](const Outgoing& q) { return q.ltime == r.ltime && q.id == r.id; });
  if (it == outgoing_.end() || now > it->deadline) {
    ++stats_.responses_unmatched;
    return;
  }
  const bool ack = (r.flags & kQueryFlagAck) != 0;
  std::vector<std::string>& seen = ack ? it->acks : it->responses;
  if (std::find(seen.begin(), seen.end(), r.from) != seen.end() ||
      seen.size() >= config_.swim.max_members + 1) {
    ++stats_.responses_unmatched;
    return;
  }
  seen.push_back(r.from);
  SerfEvent e;
  e.kind = ack ? SerfEventKind::kQueryAck : SerfEventKind::kQueryResponse;
  e.at = now;
  e.payload = r.payload.data;
  e.query_id = it->handle;
  e.from = r.from;
  emit(std::move(e));
}

void SerfNode::expire_queries(Time now) {
  for (size_t i = 0; i < outgoing_.size();) {
    if (outgoing_[i].deadline <= now) {
      SerfEvent e;
      e.kind = SerfEventKind::kQueryDone;
      e.at = now;
      e.query_id = outgoing_[i].handle;
      emit(std::move(e));
      outgoing_.erase(outgoing_.begin() + static_cast<std::ptrdiff_t>(i));
    } else {
      ++i;
    }
  }
  std::erase_if(incoming_, [now](const auto& kv) { return kv.second.deadline <= now; });
}

// ---- push-pull state -----------------------------------------------------------------------

// Serf's LocalState: the clocks, every member's status time, the left members and the whole
// event ring (nil for empty slots).
std::vector<uint8_t> SerfNode::local_state() const {
  PushPull pp;
  pp.ltime = clock_.time();
  pp.status_ltimes.is_nil = false;
  for (const auto& [name, m] : members_)
    pp.status_ltimes.value.emplace(name, m.status_ltime);
  pp.left_members.is_nil = false;
  pp.left_members.value = left_;
  pp.event_ltime = event_clock_.time();
  pp.events = Nilable<std::vector<std::optional<EventSlot>>>(event_ring_);
  pp.query_ltime = query_clock_.time();
  std::vector<uint8_t> out;
  encode(pp, out);
  return out;
}

// Serf's MergeRemoteState: the clocks are witnessed (minus one: nothing was sent at the
// remote's current time yet), left members replayed as leave intents one past their status
// time, the others as join intents, then the remote's recent events.
void SerfNode::merge_remote_state(Time now, const SwimUserState& s) {
  PushPull pp;
  if (decode(s.bytes, pp)) {
    ++stats_.messages_bad;
    return;
  }
  if (pp.ltime > 0) clock_.witness(pp.ltime - 1);
  if (pp.event_ltime > 0) event_clock_.witness(pp.event_ltime - 1);
  if (pp.query_ltime > 0) query_clock_.witness(pp.query_ltime - 1);
  for (const std::string& name : pp.left_members.value) {
    auto it = pp.status_ltimes.value.find(name);
    const LamportTime t = it == pp.status_ltimes.value.end() ? 0 : it->second;
    handle_leave_intent(now, LeaveIntent{t + 1, name, false});
  }
  const auto& left = pp.left_members.value;
  for (const auto& [name, t] : pp.status_ltimes.value) {
    if (std::find(left.begin(), left.end(), name) != left.end()) continue;
    handle_join_intent(now, JoinIntent{t, name});
  }
  if (s.join && event_join_ignore_ && pp.event_ltime > event_min_time_) {
    event_min_time_ = pp.event_ltime;
  }
  for (const std::optional<EventSlot>& slot : pp.events.value) {
    if (!slot) continue;
    for (const RingEvent& e : slot->events.value) {
      handle_user_event(now, UserEvent{slot->ltime, e.name, e.payload, false});
    }
  }
  state_dirty_ = true;
}

}  // namespace rumor::core::serf
