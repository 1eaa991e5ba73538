#include "core/dissem/gossip_config.h"

#include <string>

namespace rumor::core {
namespace {

template <typename T>
Status check_range(std::string_view field, T value, T lo, T hi) {
  if (value >= lo && value <= hi) return Status::ok();
  return Status::error(std::string(field) + ": must be in " + std::to_string(lo) + ".." +
                       std::to_string(hi) + ", got " + std::to_string(value));
}

}  // namespace

std::string_view gossip_mode_name(GossipMode m) {
  switch (m) {
    case GossipMode::kPush:
      return "push";
    case GossipMode::kPull:
      return "pull";
    case GossipMode::kPushPull:
      return "push-pull";
    case GossipMode::kRumor:
      return "rumor";
    case GossipMode::kDirectMail:
      return "direct-mail";
  }
  return "unknown";
}

std::optional<GossipMode> parse_gossip_mode(std::string_view s) {
  for (auto m : {GossipMode::kPush, GossipMode::kPull, GossipMode::kPushPull, GossipMode::kRumor,
                 GossipMode::kDirectMail}) {
    if (gossip_mode_name(m) == s) return m;
  }
  return std::nullopt;
}

std::string_view reconcile_name(Reconcile r) {
  return r == Reconcile::kDigest ? "digest" : "full";
}

std::optional<Reconcile> parse_reconcile(std::string_view s) {
  if (s == "digest") return Reconcile::kDigest;
  if (s == "full") return Reconcile::kFullState;
  return std::nullopt;
}

Status GossipConfig::validate() const {
  Status s = check_range<uint32_t>("fanout", fanout, 1, 64);
  if (!s.is_ok()) return s;
  if (interval < Duration::millis(1) || interval > Duration::seconds(3600)) {
    return Status::error("interval: must be in 1ms..1h, got " + std::to_string(interval.ns()) +
                         "ns");
  }
  if (!(jitter >= 0.0 && jitter <= 0.5)) {
    return Status::error("jitter: must be in 0..0.5, got " + std::to_string(jitter));
  }
  s = check_range<uint32_t>("max_message_bytes", max_message_bytes, 64, 64u << 20);
  if (!s.is_ok()) return s;
  s = check_range<uint32_t>("max_entries", max_entries, 1, 1u << 31);
  if (!s.is_ok()) return s;
  s = check_range<uint32_t>("rumor_k", rumor_k, 1, 64);
  if (!s.is_ok()) return s;
  s = check_range<uint32_t>("max_hot_rumors", max_hot_rumors, 1, 1'000'000);
  if (!s.is_ok()) return s;
  return check_range<uint32_t>("antientropy_every", antientropy_every, 0, 1'000'000);
}

}  // namespace rumor::core
