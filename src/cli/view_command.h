// `rumor view TRACE [--listen HOST:PORT]`: serves a simulator trace (`rumor sim --trace`) to the
// viewer page in a browser (view_server.h, docs/web.md) until SIGINT or SIGTERM, then exits 0.
//
// It indexes the file once, binds (127.0.0.1:8947 by default; port 0 picks a free one), prints
// exactly one line on stdout, "rumor view: TRACE (N runs) at http://HOST:PORT/", and serves.
// A file that cannot be read or is not a trace, or an address it cannot listen on, is one line
// on stderr and exit status 2. `rumor sim ... --ui` (sim_command.h) serves its trace through
// serve_until_signal() below, so both print the same line and stop the same way.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

#include "base/status.h"
#include "cli/view_server.h"

namespace rumor::cli {

struct ViewFlags {
  std::string trace;
  std::string listen = kDefaultViewListen;
};

CLI::App* add_view_command(CLI::App& app, ViewFlags& flags);
int run_view_command(const ViewFlags& flags);

// Prints the "rumor view: ..." line for `trace` and serves `server` (bound, its runs added) until
// SIGINT or SIGTERM. Those signals stay blocked afterwards: the process is about to exit.
void serve_until_signal(ViewServer& server, const std::string& trace);

// A temporary trace file for `rumor sim --ui` without --trace: created empty in the system's
// temporary directory, removed when this object dies, and also when SIGINT or SIGTERM ends the
// process before serve_until_signal() takes those signals over (a Ctrl-C during the simulation).
// One at a time per process.
class TempTraceFile {
 public:
  TempTraceFile() = default;
  ~TempTraceFile();
  TempTraceFile(const TempTraceFile&) = delete;
  TempTraceFile& operator=(const TempTraceFile&) = delete;

  Status create();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace rumor::cli
