#include "sim/scenario.h"

#include <charconv>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace rumor::sim {
namespace {

// ordered_json keeps the file's key order, so the first problem reported is the first in the file.
using Json = nlohmann::ordered_json;

// A partition's ranges may not expand to more nodes than a world can hold.
constexpr uint64_t kMaxListedNodes = 10'000'000;

#define RUMOR_SCENARIO_TRY(expr)          \
  do {                                    \
    Status status_ = (expr);              \
    if (!status_.is_ok()) return status_; \
  } while (false)

Status fail(const std::string& message) {
  return Status::error("scenario: " + message);
}

std::string join(const std::vector<std::string_view>& names) {
  std::string out;
  for (std::string_view n : names) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out;
}

// What a value is, for "expected X, got Y": the JSON type, or the number itself when a number
// has the wrong shape (a fraction where an integer belongs).
std::string describe(const Json& v) {
  if (v.is_number_float()) return v.dump();
  return v.type_name();
}

Status type_error(const std::string& path, std::string_view expected, const Json& v) {
  return fail(path + ": expected " + std::string(expected) + ", got " + describe(v));
}

template <typename T>
Status read_unsigned(const Json& v, const std::string& path, T& out) {
  constexpr uint64_t kMax = std::numeric_limits<T>::max();
  const std::string too_large = path + ": must be at most " + std::to_string(kMax) + ", got ";
  if (v.is_number_unsigned()) {
    const auto u = v.get<uint64_t>();
    if (u > kMax) return fail(too_large + std::to_string(u));
    out = static_cast<T>(u);
    return Status::ok();
  }
  if (v.is_number_integer()) {  // signed and not unsigned: negative
    return fail(path + ": must not be negative, got " + v.dump());
  }
  if (v.is_number_float()) {
    // 1e3 and 1000.0 are integers written as floats; 1.5 is not.
    const auto d = v.get<double>();
    if (!std::isfinite(d) || std::trunc(d) != d) return type_error(path, "an integer", v);
    if (d < 0) return fail(path + ": must not be negative, got " + v.dump());
    // 2^64 is the first double above every uint64_t; below it the cast is exact.
    if (d >= 18446744073709551616.0 || static_cast<uint64_t>(d) > kMax) {
      return fail(too_large + v.dump());
    }
    out = static_cast<T>(d);
    return Status::ok();
  }
  return type_error(path, "an integer", v);
}

Status read_double(const Json& v, const std::string& path, double& out) {
  if (!v.is_number()) return type_error(path, "a number", v);
  out = v.get<double>();
  return Status::ok();
}

Status read_optional_double(const Json& v, const std::string& path, std::optional<double>& out) {
  if (v.is_null()) {
    out.reset();
    return Status::ok();
  }
  double d = 0;
  RUMOR_SCENARIO_TRY(read_double(v, path, d));
  out = d;
  return Status::ok();
}

Status read_bool(const Json& v, const std::string& path, bool& out) {
  if (!v.is_boolean()) return type_error(path, "a boolean (true or false)", v);
  out = v.get<bool>();
  return Status::ok();
}

Status read_string(const Json& v, const std::string& path, std::string& out) {
  if (!v.is_string()) return type_error(path, "a string", v);
  out = v.get<std::string>();
  return Status::ok();
}

Status unknown_name(const std::string& path, std::string_view got,
                    const std::vector<std::string_view>& allowed) {
  return fail(path + ": unknown '" + std::string(got) + "' (allowed: " + join(allowed) + ")");
}

// Reads a string and maps it through `parse`; `all` lists every value, for the error.
template <typename E>
Status read_enum(const Json& v, const std::string& path,
                 std::optional<E> (*parse)(std::string_view), std::string_view (*name)(E),
                 std::initializer_list<E> all, E& out) {
  std::string s;
  RUMOR_SCENARIO_TRY(read_string(v, path, s));
  if (auto e = parse(s)) {
    out = *e;
    return Status::ok();
  }
  std::vector<std::string_view> names;
  for (E e : all)
    names.push_back(name(e));
  return unknown_name(path, s, names);
}

Status read_mode(const Json& v, const std::string& path, core::GossipMode& out) {
  using M = core::GossipMode;
  return read_enum<M>(v, path, core::parse_gossip_mode, core::gossip_mode_name,
                      {M::kPush, M::kPull, M::kPushPull, M::kRumor, M::kDirectMail}, out);
}

Status expect_object(const Json& v, const std::string& path) {
  if (!v.is_object()) return type_error(path, "an object", v);
  return Status::ok();
}

Status expect_array(const Json& v, const std::string& path) {
  if (!v.is_array()) return type_error(path, "an array", v);
  return Status::ok();
}

// Every key of `obj` must be in `known`. `prefix` is the object's path plus a dot ("" at the top).
Status check_keys(const Json& obj, const std::string& prefix,
                  const std::vector<std::string_view>& known, std::string_view known_label = "") {
  for (const auto& item : obj.items()) {
    bool found = false;
    for (std::string_view k : known)
      found = found || item.key() == k;
    if (!found) {
      return fail("unknown field '" + prefix + item.key() + "' (known" + std::string(known_label) +
                  ": " + join(known) + ")");
    }
  }
  return Status::ok();
}

Status require(const Json& obj, const std::string& prefix, std::string_view key,
               std::string_view why = "") {
  if (obj.contains(key)) return Status::ok();
  return fail(prefix + std::string(key) + ": required" + std::string(why));
}

std::string index_path(const std::string& path, size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

Status read_latency(const Json& v, LatencyModel& out) {
  using Dist = LatencyModel::Dist;
  RUMOR_SCENARIO_TRY(expect_object(v, "latency"));
  RUMOR_SCENARIO_TRY(require(v, "latency.", "dist", " (constant, uniform, normal or exponential)"));
  Dist dist = Dist::kConstant;
  RUMOR_SCENARIO_TRY(
      read_enum<Dist>(v.at("dist"), "latency.dist", parse_latency_dist, latency_dist_name,
                      {Dist::kConstant, Dist::kUniform, Dist::kNormal, Dist::kExponential}, dist));
  // The first parameter goes to a_ms, the second (if any) to b_ms (see LatencyModel).
  std::vector<std::string_view> params;
  switch (dist) {
    case Dist::kConstant:
      params = {"ms"};
      break;
    case Dist::kUniform:
      params = {"min_ms", "max_ms"};
      break;
    case Dist::kNormal:
      params = {"mean_ms", "stddev_ms"};
      break;
    case Dist::kExponential:
      params = {"mean_ms"};
      break;
  }
  std::vector<std::string_view> known = {"dist"};
  known.insert(known.end(), params.begin(), params.end());
  const std::string label = " for dist '" + std::string(latency_dist_name(dist)) + "'";
  RUMOR_SCENARIO_TRY(check_keys(v, "latency.", known, label));
  LatencyModel model;
  model.dist = dist;
  model.b_ms = 0;
  for (size_t i = 0; i < params.size(); ++i) {
    RUMOR_SCENARIO_TRY(require(v, "latency.", params[i], label));
    const std::string path = "latency." + std::string(params[i]);
    RUMOR_SCENARIO_TRY(read_double(v.at(params[i]), path, i == 0 ? model.a_ms : model.b_ms));
  }
  out = model;
  return Status::ok();
}

Status read_rumor(const Json& v, core::GossipConfig& gossip) {
  RUMOR_SCENARIO_TRY(expect_object(v, "rumor"));
  RUMOR_SCENARIO_TRY(check_keys(v, "rumor.", {"stop", "k", "max_hot", "antientropy_every"}));
  for (const auto& item : v.items()) {
    const std::string path = "rumor." + item.key();
    const Json& value = item.value();
    if (item.key() == "stop") {
      std::string s;
      RUMOR_SCENARIO_TRY(read_string(value, path, s));
      Status parsed = parse_rumor_stop(s, gossip.rumor_stop);
      if (!parsed.is_ok()) return fail(path + ": " + parsed.message());
    } else if (item.key() == "k") {
      RUMOR_SCENARIO_TRY(read_unsigned(value, path, gossip.rumor_k));
    } else if (item.key() == "max_hot") {
      RUMOR_SCENARIO_TRY(read_unsigned(value, path, gossip.max_hot_rumors));
    } else {
      RUMOR_SCENARIO_TRY(read_unsigned(value, path, gossip.antientropy_every));
    }
  }
  return Status::ok();
}

Status too_many_nodes(const std::string& path) {
  return fail(path + ": the partition lists more than " + std::to_string(kMaxListedNodes) +
              " nodes");
}

// One group: node indices and {"from": a, "to": b} ranges, appended to `out`. `listed` counts
// the nodes of the whole partition so far, to stop a huge range before it is expanded.
Status read_group(const Json& v, const std::string& path, uint64_t& listed,
                  std::vector<uint32_t>& out) {
  RUMOR_SCENARIO_TRY(expect_array(v, path));
  for (size_t i = 0; i < v.size(); ++i) {
    const Json& item = v[i];
    const std::string item_path = index_path(path, i);
    if (item.is_object()) {
      const std::string prefix = item_path + ".";
      RUMOR_SCENARIO_TRY(check_keys(item, prefix, {"from", "to"}));
      RUMOR_SCENARIO_TRY(require(item, prefix, "from"));
      RUMOR_SCENARIO_TRY(require(item, prefix, "to"));
      uint32_t from = 0;
      uint32_t to = 0;
      RUMOR_SCENARIO_TRY(read_unsigned(item.at("from"), prefix + "from", from));
      RUMOR_SCENARIO_TRY(read_unsigned(item.at("to"), prefix + "to", to));
      if (from > to) {
        return fail(item_path + ": from (" + std::to_string(from) + ") is after to (" +
                    std::to_string(to) + "); a range is from..to inclusive");
      }
      listed += uint64_t{to} - from + 1;
      if (listed > kMaxListedNodes) return too_many_nodes(path);
      for (uint64_t n = from; n <= to; ++n)
        out.push_back(static_cast<uint32_t>(n));
    } else if (item.is_number()) {
      uint32_t node = 0;
      RUMOR_SCENARIO_TRY(read_unsigned(item, item_path, node));
      if (++listed > kMaxListedNodes) return too_many_nodes(path);
      out.push_back(node);
    } else {
      return type_error(item_path, "a node index or a {\"from\", \"to\"} range", item);
    }
  }
  return Status::ok();
}

Status read_partition(const Json& v, const std::string& path, Partition& out) {
  RUMOR_SCENARIO_TRY(expect_object(v, path));
  const std::string prefix = path + ".";
  RUMOR_SCENARIO_TRY(check_keys(v, prefix, {"groups", "start", "heal", "one_way"}));
  RUMOR_SCENARIO_TRY(require(v, prefix, "groups"));
  for (const auto& item : v.items()) {
    const std::string field = prefix + item.key();
    const Json& value = item.value();
    if (item.key() == "groups") {
      RUMOR_SCENARIO_TRY(expect_array(value, field));
      uint64_t listed = 0;
      out.groups.assign(value.size(), {});
      for (size_t g = 0; g < value.size(); ++g) {
        RUMOR_SCENARIO_TRY(read_group(value[g], index_path(field, g), listed, out.groups[g]));
      }
    } else if (item.key() == "start") {
      RUMOR_SCENARIO_TRY(read_double(value, field, out.start));
    } else if (item.key() == "heal") {
      RUMOR_SCENARIO_TRY(read_optional_double(value, field, out.heal));
    } else {
      RUMOR_SCENARIO_TRY(read_bool(value, field, out.one_way));
    }
  }
  return Status::ok();
}

Status read_crash(const Json& v, const std::string& path, Crash& out) {
  RUMOR_SCENARIO_TRY(expect_object(v, path));
  const std::string prefix = path + ".";
  RUMOR_SCENARIO_TRY(check_keys(v, prefix, {"node", "at", "restart"}));
  RUMOR_SCENARIO_TRY(require(v, prefix, "node"));
  RUMOR_SCENARIO_TRY(require(v, prefix, "at"));
  RUMOR_SCENARIO_TRY(read_unsigned(v.at("node"), prefix + "node", out.node));
  RUMOR_SCENARIO_TRY(read_double(v.at("at"), prefix + "at", out.at));
  if (v.contains("restart")) {
    RUMOR_SCENARIO_TRY(read_optional_double(v.at("restart"), prefix + "restart", out.restart));
  }
  return Status::ok();
}

Status read_leave(const Json& v, const std::string& path, Leave& out) {
  RUMOR_SCENARIO_TRY(expect_object(v, path));
  const std::string prefix = path + ".";
  RUMOR_SCENARIO_TRY(check_keys(v, prefix, {"node", "at"}));
  RUMOR_SCENARIO_TRY(require(v, prefix, "node"));
  RUMOR_SCENARIO_TRY(require(v, prefix, "at"));
  RUMOR_SCENARIO_TRY(read_unsigned(v.at("node"), prefix + "node", out.node));
  return read_double(v.at("at"), prefix + "at", out.at);
}

Status read_millis(const Json& v, const std::string& path, Duration& out) {
  double ms = 0;
  RUMOR_SCENARIO_TRY(read_double(v, path, ms));
  if (!(ms >= 0 && ms <= 86'400'000.0)) {
    return fail(path + ": must be in 0..86400000 (milliseconds), got " + describe(v));
  }
  out = Duration::nanos(static_cast<int64_t>(ms * 1e6));
  return Status::ok();
}

Status read_detector(const Json& v, core::detect::DetectorConfig& d) {
  RUMOR_SCENARIO_TRY(expect_object(v, "detector"));
  RUMOR_SCENARIO_TRY(check_keys(
      v, "detector.",
      {"kind", "suspect_after", "dead_after", "phi_threshold", "phi_window", "min_std_dev_ms",
       "acceptable_pause_ms", "first_heartbeat_estimate_ms", "phi_dead_after_ms"}));
  for (const auto& item : v.items()) {
    const std::string path = "detector." + item.key();
    const Json& value = item.value();
    const std::string& k = item.key();
    using Kind = core::detect::DetectorConfig::Kind;
    if (k == "kind") {
      RUMOR_SCENARIO_TRY(read_enum<Kind>(value, path, core::detect::parse_detector_kind,
                                         core::detect::detector_kind_name,
                                         {Kind::kThreshold, Kind::kPhi}, d.kind));
    } else if (k == "suspect_after") {
      RUMOR_SCENARIO_TRY(read_unsigned(value, path, d.threshold.suspect_after));
    } else if (k == "dead_after") {
      RUMOR_SCENARIO_TRY(read_unsigned(value, path, d.threshold.dead_after));
    } else if (k == "phi_threshold") {
      RUMOR_SCENARIO_TRY(read_double(value, path, d.phi.threshold));
    } else if (k == "phi_window") {
      RUMOR_SCENARIO_TRY(read_unsigned(value, path, d.phi.window));
    } else if (k == "min_std_dev_ms") {
      RUMOR_SCENARIO_TRY(read_millis(value, path, d.phi.min_std_dev));
    } else if (k == "acceptable_pause_ms") {
      RUMOR_SCENARIO_TRY(read_millis(value, path, d.phi.acceptable_pause));
    } else if (k == "first_heartbeat_estimate_ms") {
      RUMOR_SCENARIO_TRY(read_millis(value, path, d.phi.first_heartbeat_estimate));
    } else {
      RUMOR_SCENARIO_TRY(read_millis(value, path, d.phi.dead_after));
    }
  }
  return Status::ok();
}

Status read_slow(const Json& v, const std::string& path, SlowNode& out) {
  RUMOR_SCENARIO_TRY(expect_object(v, path));
  const std::string prefix = path + ".";
  RUMOR_SCENARIO_TRY(check_keys(v, prefix, {"node", "delay_ms"}));
  RUMOR_SCENARIO_TRY(require(v, prefix, "node"));
  RUMOR_SCENARIO_TRY(require(v, prefix, "delay_ms"));
  RUMOR_SCENARIO_TRY(read_unsigned(v.at("node"), prefix + "node", out.node));
  return read_double(v.at("delay_ms"), prefix + "delay_ms", out.delay_ms);
}

Status read_swim(const Json& v, SwimSettings& w) {
  RUMOR_SCENARIO_TRY(expect_object(v, "swim"));
  RUMOR_SCENARIO_TRY(
      check_keys(v, "swim.",
                 {"profile", "lifeguard", "tcp_pings", "eager_gossip", "indirect_checks",
                  "duration_s", "start", "join_stagger_ms", "crash_count", "crash_at_s",
                  "slow_count", "slow_delay_ms", "reconnect_s"}));
  for (const auto& item : v.items()) {
    const std::string path = "swim." + item.key();
    const Json& value = item.value();
    const std::string& k = item.key();
    if (k == "profile") {
      std::string name;
      RUMOR_SCENARIO_TRY(read_string(value, path, name));
      if (name != "lan" && name != "wan" && name != "local") {
        return unknown_name(path, name, {"lan", "wan", "local"});
      }
      w.profile = name;
    } else if (k == "lifeguard") {
      RUMOR_SCENARIO_TRY(read_bool(value, path, w.lifeguard));
    } else if (k == "tcp_pings") {
      RUMOR_SCENARIO_TRY(read_bool(value, path, w.tcp_pings));
    } else if (k == "eager_gossip") {
      RUMOR_SCENARIO_TRY(read_bool(value, path, w.eager_gossip));
    } else if (k == "indirect_checks") {
      if (value.is_null()) {
        w.indirect_checks.reset();
      } else {
        uint32_t checks = 0;
        RUMOR_SCENARIO_TRY(read_unsigned(value, path, checks));
        w.indirect_checks = checks;
      }
    } else if (k == "duration_s") {
      RUMOR_SCENARIO_TRY(read_double(value, path, w.duration_s));
    } else if (k == "start") {
      RUMOR_SCENARIO_TRY(read_enum<SwimStart>(value, path, parse_swim_start, swim_start_name,
                                              {SwimStart::kFormed, SwimStart::kJoin}, w.start));
    } else if (k == "join_stagger_ms") {
      RUMOR_SCENARIO_TRY(read_double(value, path, w.join_stagger_ms));
    } else if (k == "crash_count") {
      RUMOR_SCENARIO_TRY(read_unsigned(value, path, w.crash_count));
    } else if (k == "crash_at_s") {
      RUMOR_SCENARIO_TRY(read_double(value, path, w.crash_at_s));
    } else if (k == "slow_count") {
      RUMOR_SCENARIO_TRY(read_unsigned(value, path, w.slow_count));
    } else if (k == "slow_delay_ms") {
      RUMOR_SCENARIO_TRY(read_double(value, path, w.slow_delay_ms));
    } else {
      RUMOR_SCENARIO_TRY(read_double(value, path, w.reconnect_s));
    }
  }
  return Status::ok();
}

// Reads an array of objects with `read_one` into a fresh list that replaces `out`.
template <typename T>
Status read_list(const Json& v, const std::string& path,
                 Status (*read_one)(const Json&, const std::string&, T&), std::vector<T>& out) {
  RUMOR_SCENARIO_TRY(expect_array(v, path));
  std::vector<T> list(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    RUMOR_SCENARIO_TRY(read_one(v[i], index_path(path, i), list[i]));
  }
  out = std::move(list);
  return Status::ok();
}

const std::vector<std::string_view> kTopLevelFields = {"protocol",
                                                       "nodes",
                                                       "mode",
                                                       "compare",
                                                       "reconcile",
                                                       "fanout",
                                                       "seed",
                                                       "timing",
                                                       "max_rounds",
                                                       "origin",
                                                       "loss",
                                                       "duplicate",
                                                       "latency",
                                                       "peer_selection",
                                                       "interval_ms",
                                                       "jitter",
                                                       "max_message_bytes",
                                                       "max_entries",
                                                       "rumor",
                                                       "partitions",
                                                       "crashes",
                                                       "slow",
                                                       "detector",
                                                       "leaves",
                                                       "swim"};

Status apply_field(const std::string& key, const Json& v, SimConfig& c) {
  core::GossipConfig& g = c.gossip;
  if (key == "protocol") {
    return read_enum<Protocol>(v, key, parse_protocol, protocol_name,
                               {Protocol::kGossip, Protocol::kHeartbeat, Protocol::kSwim},
                               c.protocol);
  }
  if (key == "nodes") return read_unsigned(v, key, c.nodes);
  if (key == "mode") {
    core::GossipMode m{};
    RUMOR_SCENARIO_TRY(read_mode(v, key, m));
    c.modes = {m};
    return Status::ok();
  }
  if (key == "compare") {
    RUMOR_SCENARIO_TRY(expect_array(v, key));
    if (v.empty()) return fail("compare: must list at least one mode");
    std::vector<core::GossipMode> modes(v.size());
    for (size_t i = 0; i < v.size(); ++i) {
      RUMOR_SCENARIO_TRY(read_mode(v[i], index_path(key, i), modes[i]));
    }
    c.modes = std::move(modes);
    return Status::ok();
  }
  if (key == "reconcile") {
    return read_enum<core::Reconcile>(v, key, core::parse_reconcile, core::reconcile_name,
                                      {core::Reconcile::kDigest, core::Reconcile::kFullState},
                                      g.reconcile);
  }
  if (key == "fanout") return read_unsigned(v, key, g.fanout);
  if (key == "seed") return read_unsigned(v, key, c.seed);
  if (key == "timing") {
    return read_enum<Timing>(v, key, parse_timing, timing_name, {Timing::kRounds, Timing::kAsync},
                             c.timing);
  }
  if (key == "max_rounds") return read_unsigned(v, key, c.max_rounds);
  if (key == "origin") return read_unsigned(v, key, c.origin);
  if (key == "loss") return read_double(v, key, c.loss);
  if (key == "duplicate") return read_double(v, key, c.duplicate);
  if (key == "latency") return read_latency(v, c.latency);
  if (key == "peer_selection") {
    using P = core::PeerSelection;
    return read_enum<P>(v, key, parse_peer_selection, core::peer_selection_name,
                        {P::kUniform, P::kLeastRecentlyContacted}, c.peer_selection);
  }
  if (key == "interval_ms") {
    uint32_t ms = 0;
    RUMOR_SCENARIO_TRY(read_unsigned(v, key, ms));
    g.interval = Duration::millis(ms);
    return Status::ok();
  }
  if (key == "jitter") return read_double(v, key, g.jitter);
  if (key == "max_message_bytes") return read_unsigned(v, key, g.max_message_bytes);
  if (key == "max_entries") return read_unsigned(v, key, g.max_entries);
  if (key == "rumor") return read_rumor(v, g);
  if (key == "partitions") return read_list<Partition>(v, key, read_partition, c.partitions);
  if (key == "crashes") return read_list<Crash>(v, key, read_crash, c.crashes);
  if (key == "detector") return read_detector(v, c.detector);
  if (key == "leaves") return read_list<Leave>(v, key, read_leave, c.leaves);
  if (key == "swim") return read_swim(v, c.swim);
  return read_list<SlowNode>(v, key, read_slow, c.slow_nodes);  // "slow", checked by the caller
}

// Finds the first key that appears twice in one object, which nlohmann would otherwise let the
// last copy win silently. Tracks the path of open containers so the error can name it.
class DuplicateKeyFinder {
 public:
  bool on_event(nlohmann::detail::parse_event_t event, const Json& parsed) {
    using E = nlohmann::detail::parse_event_t;
    switch (event) {
      case E::object_start:
      case E::array_start:
        frames_.push_back(Frame{event == E::array_start, 0, {}, {}});
        break;
      case E::object_end:
      case E::array_end:
        frames_.pop_back();
        count_element();
        break;
      case E::key: {
        Frame& f = frames_.back();
        f.last_key = parsed.get<std::string>();
        if (!f.keys.insert(f.last_key).second && !duplicate_) duplicate_ = path();
        break;
      }
      case E::value:
        count_element();
        break;
    }
    return true;
  }
  const std::optional<std::string>& duplicate() const { return duplicate_; }

 private:
  struct Frame {
    bool array;
    size_t count;  // array: elements finished so far, so the index of the current one
    std::set<std::string> keys;
    std::string last_key;
  };
  void count_element() {
    if (!frames_.empty() && frames_.back().array) ++frames_.back().count;
  }
  std::string path() const {
    std::string out;
    for (const Frame& f : frames_) {
      if (f.array) {
        out += "[" + std::to_string(f.count) + "]";
      } else {
        if (!out.empty()) out += ".";
        out += f.last_key;
      }
    }
    return out;
  }
  std::vector<Frame> frames_;
  std::optional<std::string> duplicate_;
};

// nlohmann reports how many bytes it had read; the last of them is where it stopped.
std::string position(std::string_view text, size_t bytes_read) {
  const size_t at = std::min(bytes_read > 0 ? bytes_read - 1 : 0, text.size());
  size_t line = 1;
  size_t line_start = 0;
  for (size_t i = 0; i < at; ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(at - line_start + 1);
}

// "[json.exception.parse_error.101] parse error at line 1, column 2: syntax error ..." -> the
// part after the location, which says what was wrong.
std::string parse_error_detail(const char* what) {
  std::string_view w(what);
  const size_t at = w.find("parse error");
  const size_t colon = w.find(": ", at == std::string_view::npos ? 0 : at);
  if (colon == std::string_view::npos) return std::string(w);
  return std::string(w.substr(colon + 2));
}

Status apply(std::string_view json_text, SimConfig& config) {
  DuplicateKeyFinder finder;
  Json doc;
  try {
    doc = Json::parse(
        json_text.begin(), json_text.end(),
        [&finder](int /*depth*/, nlohmann::detail::parse_event_t event, Json& parsed) {
          return finder.on_event(event, parsed);
        },
        /*allow_exceptions=*/true, /*ignore_comments=*/true);
  } catch (const Json::parse_error& e) {
    return fail("invalid JSON at " + position(json_text, e.byte) + ": " +
                parse_error_detail(e.what()));
  }
  if (finder.duplicate()) return fail("field '" + *finder.duplicate() + "' appears twice");
  if (!doc.is_object()) {
    return fail("expected a JSON object at the top level, got " + describe(doc));
  }
  if (doc.contains("mode") && doc.contains("compare")) {
    return fail("give either 'mode' (one mode) or 'compare' (several), not both");
  }
  RUMOR_SCENARIO_TRY(check_keys(doc, "", kTopLevelFields));
  for (const auto& item : doc.items()) {
    RUMOR_SCENARIO_TRY(apply_field(item.key(), item.value(), config));
  }
  return Status::ok();
}

struct StopName {
  std::string_view name;
  core::RumorStop stop;
};
constexpr StopName kStopNames[] = {
    {"feedback-coin", {true, true}},
    {"feedback-counter", {true, false}},
    {"blind-coin", {false, true}},
    {"blind-counter", {false, false}},
};

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    const size_t end = s.find(sep, start);
    parts.push_back(s.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

}  // namespace

Status apply_scenario_json(std::string_view json_text, SimConfig& config) {
  try {
    return apply(json_text, config);
  } catch (const std::exception& e) {
    // Every expected problem is a Status above; this catches what nlohmann or the allocator
    // might still throw, so that no exception leaves the simulator's edge.
    return fail(std::string("could not be read: ") + e.what());
  }
}

Status parse_rumor_stop(std::string_view s, core::RumorStop& out) {
  std::vector<std::string_view> names;
  for (const StopName& n : kStopNames) {
    if (n.name == s) {
      out = n.stop;
      return Status::ok();
    }
    names.push_back(n.name);
  }
  return Status::error("unknown '" + std::string(s) + "' (allowed: " + join(names) + ")");
}

std::string_view rumor_stop_name(core::RumorStop stop) {
  for (const StopName& n : kStopNames) {
    if (n.stop.feedback == stop.feedback && n.stop.coin == stop.coin) return n.name;
  }
  return "unknown";
}

Result<LatencyModel> parse_latency_flag(std::string_view s) {
  using Dist = LatencyModel::Dist;
  struct Form {
    std::string_view kind;
    Dist dist;
    size_t numbers;
    std::string_view usage;
  };
  static constexpr Form kForms[] = {
      {"const", Dist::kConstant, 1, "const:MS"},
      {"constant", Dist::kConstant, 1, "const:MS"},
      {"uniform", Dist::kUniform, 2, "uniform:MIN:MAX"},
      {"normal", Dist::kNormal, 2, "normal:MEAN:STDDEV"},
      {"exp", Dist::kExponential, 1, "exp:MEAN"},
      {"exponential", Dist::kExponential, 1, "exp:MEAN"},
  };
  const std::vector<std::string_view> parts = split(s, ':');
  const Form* form = nullptr;
  for (const Form& f : kForms) {
    if (f.kind == parts[0]) form = &f;
  }
  const std::string quoted = "'" + std::string(s) + "'";
  if (form == nullptr) {
    return Status::error("unknown latency " + quoted +
                         " (allowed: const:MS, uniform:MIN:MAX, normal:MEAN:STDDEV, exp:MEAN; "
                         "in milliseconds)");
  }
  if (parts.size() - 1 != form->numbers) {
    return Status::error(quoted + " needs " + std::to_string(form->numbers) +
                         (form->numbers == 1 ? " number" : " numbers") + " (" +
                         std::string(form->usage) + "), got " + std::to_string(parts.size() - 1));
  }
  double values[2] = {0, 0};
  for (size_t i = 0; i < form->numbers; ++i) {
    std::string_view text = parts[i + 1];
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), values[i]);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size() ||
        !std::isfinite(values[i])) {
      return Status::error(quoted + ": '" + std::string(text) +
                           "' is not a number of milliseconds (" + std::string(form->usage) + ")");
    }
  }
  LatencyModel model;
  model.dist = form->dist;
  model.a_ms = values[0];
  model.b_ms = values[1];
  return model;
}

#undef RUMOR_SCENARIO_TRY

}  // namespace rumor::sim
