// Scenario: a simulator run written down as JSON, a fault plan as data (DESIGN.md, "The
// simulator"). This is the user-facing format of `rumor sim --scenario FILE`;
// docs/scenarios/README.md is its user guide and docs/scenarios/*.json are examples.
//
// apply_scenario_json() sets the fields a scenario names on top of what the SimConfig already
// holds (defaults, or whatever the caller set first) and leaves every other field alone. It
// does not validate: the caller combines scenario and flags in its own order (`rumor sim` lets
// flags override the scenario) and calls SimConfig::validate() once at the end. It never throws.
// Every error is one line that starts "scenario: " and names the field path
// ("partitions[0].groups[1][2]") and what was expected.
//
// Schema (every field optional; "//" and "/* */" comments are allowed):
//
//   {
//     "protocol": "gossip" | "heartbeat" | "swim",
//     "nodes": 1000,                             // 2 .. 10,000,000
//     "mode": "push-pull",                       // push, pull, push-pull, rumor, direct-mail;
//     "compare": ["push", "pull", "push-pull"],  // or several modes run on the same seed
//                                                // ("mode" and "compare" together is an error)
//     "reconcile": "digest" | "full",
//     "fanout": 1,
//     "seed": 1,                                 // 0 .. 2^64-1
//     "timing": "rounds" | "async",
//     "max_rounds": 0,                           // 0: automatic
//     "origin": 0,                               // the node that writes the update
//     "loss": 0.0, "duplicate": 0.0,             // per message, 0 .. 0.99
//     "latency": {"dist": "constant", "ms": 10}  // async mode only; every field of the chosen
//              | {"dist": "uniform", "min_ms": 5, "max_ms": 50}        // dist is required and
//              | {"dist": "normal", "mean_ms": 20, "stddev_ms": 5}     // the object replaces
//              | {"dist": "exponential", "mean_ms": 20},               // the whole model
//     "peer_selection": "uniform" | "least-recent",
//     "interval_ms": 1000, "jitter": 0.1,
//     "max_message_bytes": 65536, "max_entries": 1048576,
//     "rumor": {"stop": "feedback-coin" | "feedback-counter" | "blind-coin" | "blind-counter",
//               "k": 2, "max_hot": 1024, "antientropy_every": 0},     // each field optional
//     "partitions": [{"groups": [[0, 1, 2], {"from": 3, "to": 9}], "start": 5, "heal": 20,
//                     "one_way": false}],
//     "crashes": [{"node": 3, "at": 2, "restart": 10}],
//     "slow": [{"node": 7, "delay_ms": 200}],
//     "leaves": [{"node": 4, "at": 30}],          // heartbeat and swim
//     "swim": {"profile": "lan" | "wan" | "local", "lifeguard": true,
//              "indirect_checks": 3,              // null: the profile's
//              "duration_s": 120, "start": "formed" | "join", "join_stagger_ms": 50,
//              "crash_count": 0, "crash_at_s": 30, // members drawn from the seed
//              "slow_count": 0, "slow_delay_ms": 1000,
//              "reconnect_s": 30}                 // each field optional (SwimSettings)
//   }
//
// Times ("start", "heal", "at", "restart") are in rounds, fractions allowed; for the swim
// protocol they are in seconds (SimConfig::fault_time_unit()). "partitions",
// "crashes" and "slow" replace the lists already in the config. A partition's "groups" is a list
// of groups; a group is a list whose items are node indices or {"from": a, "to": b} inclusive
// ranges, expanded into the group (a group may mix both). The nodes that are in no group form one
// more group together, so {"groups": [[0, 1]]} cuts nodes 0 and 1 off from the rest. "groups"
// is required; "start" defaults to 0; without "heal" (or with "heal": null) the cut never heals;
// with "one_way" only messages from the first group to the others are dropped. A crash needs
// "node" and "at"; without "restart" the node stays down. A slow node needs "node" and
// "delay_ms".
//
// Integer fields reject fractions, negative numbers and numbers too large for the field;
// ranges (nodes, fanout, node indices, heal after start, ...) are SimConfig::validate()'s job.
#pragma once

#include <string_view>

#include "base/status.h"
#include "core/dissem/gossip_config.h"
#include "sim/names.h"
#include "sim/sim_config.h"

namespace rumor::sim {

// Parses `json_text` and sets the fields it names in `config`. On error `config` may hold some of
// the scenario's fields; callers discard it.
Status apply_scenario_json(std::string_view json_text, SimConfig& config);

// Rumor-mongering stop rules: "feedback-coin", "feedback-counter", "blind-coin",
// "blind-counter" (Demers et al. 1987, section 1.4; see core::RumorStop). On an unknown name,
// returns "unknown 'NAME' (allowed: ...)" and leaves `out` alone; the caller prefixes the flag
// or field it came from.
Status parse_rumor_stop(std::string_view s, core::RumorStop& out);
std::string_view rumor_stop_name(core::RumorStop stop);

// The CLI's compact latency form, in milliseconds: "const:10", "uniform:5:50" (min, max),
// "normal:20:5" (mean, std dev), "exp:20" (mean); the long names "constant" and "exponential"
// are accepted too. Checks the syntax only (ranges are SimConfig::validate()'s); errors do not
// name the flag, the caller prefixes it.
Result<LatencyModel> parse_latency_flag(std::string_view s);

}  // namespace rumor::sim
