// TraceIndex: one pass over a simulator trace (JSON Lines, sim/trace.h, docs/simulator.md) that
// finds its runs, so the viewer's server (view_server.h) can list them and stream any one back
// without reading the file again.
//
// A run starts at each "run" line and ends where the next one starts (or at the end of the
// file). Invariants: the runs are in file order; their byte ranges [begin, end) are disjoint,
// adjacent and together cover the whole file, so the bytes of a run are exactly its lines, its
// run line first; `events` counts the run's lines that are not blank, its run line included.
//
// Files can be hundreds of megabytes, so only run and round lines are parsed as JSON; every other
// line is recognised by a scan for its "ev" value and only counted. Round lines that do not parse
// (a truncated last line) are counted but not kept.
//
// Limits (a Status naming the line, never a crash): a file whose first line is not a run line is
// "not a rumor trace"; a line longer than max_line_bytes, a run line that is not a JSON object,
// and more than max_runs runs are errors. At most max_rounds_per_run round points are kept per
// run; later ones are counted in rounds_dropped.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"

namespace rumor::cli {

struct TraceIndexLimits {
  size_t max_line_bytes = 1 << 20;
  size_t max_rounds_per_run = 1'000'000;
  size_t max_runs = 100'000;
};

// One "round" line: the end of a round, interval or swim probe interval.
struct RoundPoint {
  double t_ms = 0;
  uint64_t round = 0;
  uint64_t informed = 0;
  uint64_t messages = 0;
};

struct IndexedRun {
  uint64_t begin = 0;  // byte offset of the run line
  uint64_t end = 0;    // one past the run's last byte
  uint64_t events = 0;
  nlohmann::json header;  // the run line, parsed
  std::vector<RoundPoint> rounds;
  uint64_t rounds_dropped = 0;
};

// Reads the trace at `path` once. Error: it cannot be read, or breaks a limit above.
Result<std::vector<IndexedRun>> index_trace(const std::string& path,
                                            const TraceIndexLimits& limits = {});

}  // namespace rumor::cli
