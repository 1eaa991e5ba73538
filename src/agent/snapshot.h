// Snapshot: the agent's append-only record of cluster membership, so that a restarted agent
// rejoins its previous cluster by itself, with an incarnation higher than any it used before
// (the idea of Serf's snapshot.go; our own format and code).
//
// Format: text, one record per line, readable with `cat`. Each line is the 8 lowercase hex digits
// of the zlib CRC-32 of a compact JSON object, one space, that JSON text, and '\n':
//   ab1b6ae6 {"t":"alive","name":"web-1","addr":"10.0.0.7:7946"}   a member is alive at ip:port
//   b0fffe31 {"t":"not-alive","name":"web-1"}                      it failed, left or was reaped
//   73b6310a {"t":"incarnation","n":12}                            this node now uses 12
//   9a6f4696 {"t":"leave"}         this node left gracefully: a restart must not auto-rejoin
//   51f5259f {"t":"start"}         the agent started (clears a previous leave)
// Addresses are "a.b.c.d:port" or "[v6]:port". A record is committed once its '\n' is in the
// file. Replay applies records in order; a line with a bad checksum, bad JSON, a missing or
// mistyped field, an unknown "t" (a newer agent's record), or over a limit is skipped and
// counted, and the lines after it are still read.
//
// Invariants: every record is appended with one write of the whole line, so a crash (kill -9 at
// any moment) leaves at most one torn line, and only at the end; open() cuts it off, so the file
// is clean before appending resumes. A failed append is truncated away before returning. The file
// always replays to state(): state changes only after its record is written. Compaction writes
// PATH.tmp, fsyncs it and renames it over PATH, so a crash leaves either the old file or the new
// one, never a mix; a stale PATH.tmp is garbage and is removed by open().
//
// Ownership: the agent, one Snapshot per process and per file (nothing locks the file against a
// second process). Not thread-safe. The snapshot records what it is told: the agent starts at
// state().incarnation + 1, records an incarnation before announcing it (else a crash in between
// could reuse it), never records itself as a member, and decides what to feed it after leave()
// (Serf stops recording member changes while leaving, so that the shutdown's failures do not
// erase the member list).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"

namespace rumor::agent {

namespace detail {
struct SnapshotRecord;  // one decoded line; defined in snapshot.cc
}  // namespace detail

struct SnapshotLimits {
  // Compact when appends grow the file past this many bytes.
  size_t max_bytes = size_t{4} << 20;
  // At most this many members in the alive set; more are skipped (replay) or dropped (append).
  size_t max_members = 100000;
  // A line longer than this (without its '\n') is skipped on replay and refused on append.
  // Also bounds the memory replay uses for one line. At least kMinLineBytes.
  size_t max_line_bytes = size_t{64} * 1024;

  static constexpr size_t kMinLineBytes = 64;
};

struct SnapshotState {
  uint32_t incarnation = 0;                  // highest incarnation recorded (0 = none)
  bool left = false;                         // the last lifecycle record was "leave"
  std::map<std::string, std::string> alive;  // name -> "ip:port", members last known alive

  // How the replay at open() went (appends do not change these).
  size_t records = 0;      // records read and applied
  size_t skipped = 0;      // lines skipped: bad checksum or JSON, unknown type, over a limit
  bool torn_tail = false;  // the last line was incomplete and was cut off the file

  // Appends refused since open() because the alive set was full (max_members).
  size_t dropped = 0;
};

class Snapshot {
 public:
  // Opens PATH (creating it if missing; its directory must exist), replays it and cuts off a torn
  // last line. Errors name the path and the cause: "snapshot /var/lib/rumor/snap: cannot open:
  // Permission denied", "...: not a regular file", bad limits.
  static Result<std::unique_ptr<Snapshot>> open(const std::string& path,
                                                SnapshotLimits limits = {});
  ~Snapshot();
  Snapshot(const Snapshot&) = delete;
  Snapshot& operator=(const Snapshot&) = delete;

  // The replayed state, kept current as records are appended.
  const SnapshotState& state() const { return state_; }
  const std::string& path() const { return path_; }
  // The file's size as this Snapshot wrote it, and how many compactions it ran (for metrics).
  size_t file_bytes() const { return file_bytes_; }
  size_t compactions() const { return compactions_; }

  // Each append writes one record, then updates state(); on error neither the file nor state()
  // changes. An append may compact the file afterwards (see compact()); if that fails, the record
  // is still written and the error says the compaction failed.

  // Member NAME is alive at ADDR ("ip:port"). No write if already alive at ADDR. A new member
  // while the alive set is full is not written, only counted in state().dropped. Errors: empty
  // name, malformed address, name not UTF-8, record over max_line_bytes, write failure.
  Status alive(std::string_view name, std::string_view addr);
  // Member NAME failed, left or was reaped. No write if it is not in the alive set.
  Status not_alive(std::string_view name);
  // This node now uses incarnation N. No write unless N is higher than state().incarnation.
  Status incarnation(uint32_t n);
  // This node left gracefully: after a restart it must not rejoin on its own.
  Status leave();
  // The agent started: clears a previous leave().
  Status start();

  // Flushes appended records to stable storage (fsync). Appends alone survive a crash of the
  // process, not of the machine.
  Status sync();

  // Rewrites the file from state() alone (a lifecycle record, the incarnation, the alive members)
  // into PATH.tmp, fsyncs it, renames it over PATH and fsyncs the directory. Appends call it when
  // the file passes the threshold, which is max_bytes, or twice the compacted size when that is
  // over half of max_bytes, so that compaction does not repeat on every append.
  Status compact();

 private:
  Snapshot(std::string path, SnapshotLimits limits, int fd);

  Status replay();
  void apply_line(std::string_view line);
  Status append(const detail::SnapshotRecord& record);
  Status compact_after_growth();
  Status error(std::string_view what) const;
  Status os_error(std::string_view what, int err) const;

  std::string path_;
  SnapshotLimits limits_;
  int fd_;
  SnapshotState state_;
  size_t file_bytes_ = 0;
  size_t threshold_bytes_;
  size_t compactions_ = 0;
  // Set when a failed append could not be truncated away: appending more would glue the next
  // record onto the torn one, so every later append first tries compact() (which rewrites the
  // file without it) and fails with this message until that works.
  std::string broken_;
};

}  // namespace rumor::agent
