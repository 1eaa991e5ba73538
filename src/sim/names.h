// Names: the words that `rumor sim` flags and JSON scenario files use for the simulator's enums.
//
// Each enum has one canonical lowercase name; *_name() returns it and parse_*() accepts exactly
// it (case-sensitive), returning nullopt for anything else so that the caller can name the flag
// or field in its error. The names are part of the user-facing format (docs/scenarios/README.md):
// renaming one breaks saved scenarios. Gossip modes and reconcile styles are named in
// core/dissem/gossip_config.h; rumor stop rules and the CLI latency form in sim/scenario.h.
#pragma once

#include <optional>
#include <string_view>

#include "core/peer_sampler.h"
#include "sim/sim_config.h"

namespace rumor::sim {

// "rounds", "async".
std::string_view timing_name(Timing t);
std::optional<Timing> parse_timing(std::string_view s);

// "gossip", "heartbeat".
std::string_view protocol_name(Protocol p);
std::optional<Protocol> parse_protocol(std::string_view s);

// "constant", "uniform", "normal", "exponential".
std::string_view latency_dist_name(LatencyModel::Dist d);
std::optional<LatencyModel::Dist> parse_latency_dist(std::string_view s);

// "uniform", "least-recent" (the names core::peer_selection_name() gives).
std::optional<core::PeerSelection> parse_peer_selection(std::string_view s);

}  // namespace rumor::sim
