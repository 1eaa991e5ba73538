#include "agent/metrics.h"

#include <sstream>
#include <string_view>

#include "core/wire/memberlist_codec.h"

namespace rumor::agent {

namespace {

constexpr std::string_view kTypeNames[core::MessageCounts::kTypes] = {
    "ping",     "indirect-ping", "ack",      "suspect", "alive", "dead",    "push-pull",
    "compound", "user",          "compress", "encrypt", "nack",  "has-crc", "err"};

class Writer {
 public:
  void family(std::string_view name, std::string_view type, std::string_view help) {
    out_ << "# HELP rumor_" << name << ' ' << help << "\n# TYPE rumor_" << name << ' ' << type
         << '\n';
  }
  void value(std::string_view name, uint64_t v, std::string_view labels = {}) {
    out_ << "rumor_" << name;
    if (!labels.empty()) out_ << '{' << labels << '}';
    out_ << ' ' << v << '\n';
  }
  void one(std::string_view name, std::string_view type, std::string_view help, uint64_t v) {
    family(name, type, help);
    value(name, v);
  }
  std::string str() const { return out_.str(); }

 private:
  std::ostringstream out_;
};

std::string label(std::string_view key, std::string_view value) {
  return std::string(key) + "=\"" + std::string(value) + "\"";
}

void members(Writer& w, const core::SwimNode& node) {
  w.family("members", "gauge", "Members this agent knows, itself included, by status.");
  w.value("members", node.count(core::SwimState::kAlive), label("status", "alive"));
  w.value("members", node.count(core::SwimState::kSuspect), label("status", "suspect"));
  w.value("members", node.count(core::SwimState::kDead), label("status", "failed"));
  w.value("members", node.count(core::SwimState::kLeft), label("status", "left"));
}

void protocol(Writer& w, const core::SwimStats& s) {
  w.one("probes_total", "counter", "Probes started.", s.probes);
  w.one("probe_acks_total", "counter", "Probes answered by an ack (direct, indirect or TCP).",
        s.probe_acks);
  w.one("indirect_probes_total", "counter", "Probes that went on to ping-req.", s.indirect_probes);
  w.one("nacks_received_total", "counter", "Nacks received from ping-req relays.",
        s.nacks_received);
  w.one("suspicions_total", "counter", "Members this agent suspected after a failed probe.",
        s.suspicions_raised);
  w.one("refutes_total", "counter", "Times this agent refuted a suspicion of itself.", s.refutes);
  w.one("push_pulls_total", "counter", "Full-state push-pull exchanges completed.", s.push_pulls);
  w.one("gossip_rounds_total", "counter", "Gossip rounds run (idle ticks are skipped).",
        s.gossip_rounds);
  w.one("ignored_messages_total", "counter", "Well-formed messages ignored (stale, unexpected).",
        s.ignored);
}

void messages(Writer& w, const core::SwimStats& s) {
  struct Series {
    const char* name;
    const char* help;
    const core::MessageCounts& counts;
    bool bytes;
  };
  const Series series[] = {
      {"messages_sent_total", "Messages sent, by memberlist type.", s.sent, false},
      {"messages_received_total", "Messages received, by memberlist type.", s.received, false},
      {"message_bytes_sent_total", "Bytes of messages sent, by type.", s.sent, true},
      {"message_bytes_received_total", "Bytes of messages received, by type.", s.received, true},
  };
  for (const auto& se : series) {
    w.family(se.name, "counter", se.help);
    for (size_t t = 0; t < core::MessageCounts::kTypes; ++t) {
      const uint64_t v = se.bytes ? se.counts.bytes[t] : se.counts.messages[t];
      if (v > 0) w.value(se.name, v, label("type", kTypeNames[t]));
    }
  }
}

void transport(Writer& w, const core::SwimStats& s, const net::NetStats& n) {
  w.one("packets_sent_total", "counter", "UDP datagrams sent.", s.packets_sent);
  w.one("packet_bytes_sent_total", "counter", "UDP bytes sent.", s.packet_bytes_sent);
  w.one("packets_received_total", "counter", "UDP datagrams received.", n.packets_received);
  w.one("packet_bytes_received_total", "counter", "UDP bytes received.", n.packet_bytes_received);
  w.one("packets_send_failed_total", "counter", "Datagrams the kernel refused to send.",
        n.packets_send_failed);
  w.one("stream_bytes_sent_total", "counter", "TCP stream bytes written.", n.stream_bytes_sent);
  w.one("stream_bytes_received_total", "counter", "TCP stream bytes read.",
        n.stream_bytes_received);
  w.family("streams_total", "counter", "TCP streams by outcome.");
  w.value("streams_total", n.streams_accepted, label("outcome", "accepted"));
  w.value("streams_total", s.streams_opened, label("outcome", "opened"));
  w.value("streams_total", n.streams_refused, label("outcome", "refused"));
  w.value("streams_total", n.streams_timed_out, label("outcome", "timed-out"));
  w.value("streams_total", n.streams_oversize, label("outcome", "oversize"));
  w.value("streams_total", n.streams_malformed, label("outcome", "malformed"));
  w.value("streams_total", n.streams_failed, label("outcome", "failed"));
}

void health(Writer& w, const core::SwimNode& node) {
  const core::SwimStats& s = node.stats();
  w.one("awareness_score", "gauge", "Lifeguard local health: 0 is healthy, 7 the worst.",
        static_cast<uint64_t>(node.awareness_score()));
  w.one("incarnation", "gauge", "This agent's incarnation number.", node.incarnation());
  w.family("queue_depth", "gauge", "Items waiting in the node's bounded queues.");
  w.value("queue_depth", node.broadcast_depth(), label("queue", "broadcast"));
  w.value("queue_depth", node.suspicion_count(), label("queue", "suspicion"));
  w.value("queue_depth", node.pending_transmits(), label("queue", "transmit"));
  w.value("queue_depth", node.pending_events(), label("queue", "event"));
  w.family("dropped_total", "counter", "Items a full queue or a limit dropped.");
  w.value("dropped_total", s.events_dropped, label("what", "event"));
  w.value("dropped_total", s.transmits_dropped, label("what", "transmit"));
  w.value("dropped_total", s.relays_dropped, label("what", "relay"));
  w.value("dropped_total", s.streams_dropped, label("what", "stream"));
  w.value("dropped_total", s.members_refused, label("what", "member"));
  w.family("decode_errors_total", "counter", "Malformed input dropped, by kind.");
  const auto& errors = node.decode_errors();
  for (size_t k = 0; k < errors.size(); ++k) {
    if (errors[k] > 0) {
      w.value(
          "decode_errors_total", errors[k],
          label("kind", core::wire::ml::ml_error_name(static_cast<core::wire::ml::MlError>(k))));
    }
  }
  const core::wire::ml::TransportStats& t = node.transport().stats();
  w.family("refused_total", "counter",
           "Messages refused by the transport layers (key, label), by reason.");
  w.value("refused_total", t.decrypt_failed, label("reason", "no_key_decrypts"));
  w.value("refused_total", t.plaintext_refused, label("reason", "plaintext"));
  w.value("refused_total", t.encrypted_refused, label("reason", "encrypted_without_key"));
  w.value("refused_total", t.label_refused, label("reason", "label"));
  w.value("refused_total", s.push_pulls_refused, label("reason", "protocol_version"));
  w.one("encryption_keys", "gauge", "Encryption keys installed (0: encryption off).",
        node.transport().keyring().size());
}

}  // namespace

std::string render_metrics(const MetricsInput& in) {
  Writer w;
  const core::SwimStats& s = in.node.stats();
  members(w, in.node);
  protocol(w, s);
  messages(w, s);
  transport(w, s, in.net);
  health(w, in.node);
  w.one("join_attempts_total", "counter", "Join attempts (initial, retried, API).",
        in.agent.join_attempts);
  w.one("snapshot_errors_total", "counter", "Snapshot writes that failed.",
        in.agent.snapshot_errors);
  w.one("event_stream_subscribers", "gauge", "Readers of GET /v1/events.", in.event_subscribers);
  w.one("http_requests_total", "counter", "HTTP requests served.", in.http_requests);
  return w.str();
}

}  // namespace rumor::agent
