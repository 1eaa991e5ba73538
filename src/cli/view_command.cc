#include "cli/view_command.h"

#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <thread>

namespace rumor::cli {
namespace {

// The temporary trace a signal handler removes (TempTraceFile); empty when there is none.
char g_temp_trace[PATH_MAX];
struct sigaction g_old_int, g_old_term;

extern "C" void remove_temp_trace_and_die(int sig) {
  if (g_temp_trace[0] != '\0') unlink(g_temp_trace);
  signal(sig, SIG_DFL);
  raise(sig);
}

}  // namespace

CLI::App* add_view_command(CLI::App& app, ViewFlags& f) {
  CLI::App* v = app.add_subcommand(
      "view", "Serve a simulator trace (rumor sim --trace) to the viewer in a browser");
  v->add_option("TRACE", f.trace, "the trace file (JSON lines)")->required();
  v->add_option("--listen", f.listen,
                std::string("HOST:PORT to serve on; port 0 picks a free one (default ") +
                    kDefaultViewListen + ")");
  return v;
}

int run_view_command(const ViewFlags& f) {
  ViewServer server(f.trace);
  if (Status s = server.add_trace(f.trace); !s.is_ok()) {
    std::fprintf(stderr, "rumor view: %s\n", s.message().c_str());
    return 2;
  }
  if (Status s = server.bind(f.listen); !s.is_ok()) {
    std::fprintf(stderr, "rumor view: %s\n", s.message().c_str());
    return 2;
  }
  serve_until_signal(server, f.trace);
  return 0;
}

void serve_until_signal(ViewServer& server, const std::string& trace) {
  // Blocked before any serving thread starts, so they all inherit the mask and the signals
  // reach only the watcher's sigtimedwait().
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::atomic<bool> served{false};
  std::thread watcher([&server, &signals, &served] {
    while (!served.load()) {
      const timespec slice{0, 100'000'000};
      const int sig = sigtimedwait(&signals, nullptr, &slice);
      if (sig == SIGINT || sig == SIGTERM) {
        server.stop();
        return;
      }
    }
  });
  std::printf("rumor view: %s (%zu runs) at %s\n", trace.c_str(), server.run_count(),
              server.url().c_str());
  std::fflush(stdout);
  server.serve();
  served.store(true);
  watcher.join();
}

TempTraceFile::~TempTraceFile() {
  if (path_.empty()) return;
  sigaction(SIGINT, &g_old_int, nullptr);
  sigaction(SIGTERM, &g_old_term, nullptr);
  g_temp_trace[0] = '\0';
  std::error_code ec;
  std::filesystem::remove(path_, ec);
}

Status TempTraceFile::create() {
  std::error_code ec;
  std::string dir = std::filesystem::temp_directory_path(ec).string();
  if (ec || dir.empty()) dir = "/tmp";
  std::string path = dir + "/rumor-sim-XXXXXX.jsonl";
  if (path.size() >= sizeof g_temp_trace) return Status::error("temporary path too long: " + dir);
  const int fd = mkstemps(path.data(), 6);
  if (fd < 0) {
    return Status::error("cannot create a temporary trace in " + dir + ": " + std::strerror(errno));
  }
  close(fd);
  path_ = path;
  std::memcpy(g_temp_trace, path.c_str(), path.size() + 1);
  struct sigaction action {};
  action.sa_handler = remove_temp_trace_and_die;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, &g_old_int);
  sigaction(SIGTERM, &action, &g_old_term);
  return Status::ok();
}

}  // namespace rumor::cli
