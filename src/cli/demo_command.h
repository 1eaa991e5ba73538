// `rumor demo`: a real cluster on loopback, start to finish. It starts five `rumor agent`
// processes (this same binary, /proc/self/exe) on free loopback ports, all joining demo-1 with
// --retry-join, each with its own snapshot file and log; polls every agent's GET /v1/members
// every 100 ms and prints what changes; kills demo-4 with SIGKILL and shows every survivor mark it
// suspect, then failed; restarts it with the same flags and snapshot but no --join, so that the
// snapshot alone must bring it back; shows every survivor see it alive again; and prints a
// timeline of the measured times (converge, first and last detection, rejoin).
//
// Every phase has a time limit (--timeout, per phase). Exit status: 0 when every phase passed;
// 1 when one failed (a timeout, or an agent that exited by itself: its log's last lines are
// shown and the files are kept); 2 bad flags; 130 interrupted (Ctrl-C, SIGTERM). Whatever
// happens, no agent outlives the demo: it kills them on the way out, and each child asks the
// kernel for SIGKILL when the demo dies (PR_SET_PDEATHSIG). Children run in their own process
// group, so a Ctrl-C reaches only the demo, which then stops them.
//
// Files: a mkdtemp directory (removed at the end unless --keep, or a failure), or --dir DIR
// (created if missing, never removed; its old demo-N.* files are removed first). Ports: free
// ones found by binding port 0 (TCP and UDP, since an agent uses both), or --base-port P:
// demo-N gossips on P + 2(N-1) and serves HTTP on P + 2(N-1) + 1.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>

namespace rumor::cli {

struct DemoFlags {
  std::string profile = "lan";  // local | lan
  std::string dir;              // empty: a fresh temporary directory
  bool keep = false;
  uint32_t base_port = 0;  // 0: free ports chosen by the kernel
  double timeout_s = 60;   // per phase
};

// Registers the `demo` subcommand on `app`, filling `flags`.
CLI::App* add_demo_command(CLI::App& app, DemoFlags& flags);
// Runs it; returns the exit status.
int run_demo_command(const DemoFlags& flags);

}  // namespace rumor::cli
