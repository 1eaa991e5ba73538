// `rumor demo` (demo_command.h): child agent processes, a 100 ms polling loop over their HTTP
// APIs, and the phases converge, kill, detect, restart, rejoin.
#include "cli/demo_command.h"

#include <fcntl.h>
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "base/status.h"
#include "cli/client_command.h"

namespace rumor::cli {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr int kAgents = 5;
constexpr int kVictim = 3;  // demo-4
constexpr auto kPollInterval = std::chrono::milliseconds(100);
constexpr int kLogTailLines = 8;

volatile std::sig_atomic_t g_interrupted = 0;

void on_signal(int) {
  g_interrupted = 1;
}

// SIGINT, SIGTERM and SIGHUP end the demo cleanly: the loop sees the flag and stops the agents.
// No SA_RESTART, so a wait in progress returns early.
void install_signal_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGINT, SIGTERM, SIGHUP})
    sigaction(sig, &sa, nullptr);
}

// ---- ports ----

// An open socket bound to 127.0.0.1:port (port 0: any); returns the fd and sets port, or -1.
// TCP sets SO_REUSEADDR as the agent's listener does, so a port in TIME_WAIT from a previous
// run still counts as free.
int bind_loopback(int type, uint16_t& port) {
  const int fd = ::socket(AF_INET, type | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  const int on = 1;
  if (type == SOCK_STREAM) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  socklen_t len = sizeof a;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), len) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    ::close(fd);
    return -1;
  }
  port = ntohs(a.sin_port);
  return fd;
}

// `count` loopback ports free for both TCP and UDP right now: from `base` up, or (base 0) from
// the kernel. The sockets stay open until all are found, so no port is handed out twice.
Result<std::vector<uint16_t>> free_ports(int count, uint32_t base) {
  std::vector<uint16_t> ports;
  std::vector<int> fds;
  for (int tries = 0; static_cast<int>(ports.size()) < count && tries < 100; ++tries) {
    uint16_t port = base == 0 ? 0 : static_cast<uint16_t>(base + ports.size());
    const int tcp = bind_loopback(SOCK_STREAM, port);
    const int udp = tcp < 0 ? -1 : bind_loopback(SOCK_DGRAM, port);
    if (tcp >= 0) fds.push_back(tcp);
    if (udp >= 0) fds.push_back(udp);
    if (tcp >= 0 && udp >= 0) {
      ports.push_back(port);
    } else if (base != 0) {
      ports.clear();
      break;
    }
  }
  for (int fd : fds)
    ::close(fd);
  if (static_cast<int>(ports.size()) == count) return ports;
  if (base == 0) return Status::error("cannot find free loopback ports");
  return Status::error("--base-port: ports " + std::to_string(base) + ".." +
                       std::to_string(base + static_cast<uint32_t>(count) - 1) +
                       " are not all free on 127.0.0.1 (TCP and UDP)");
}

// ---- agents ----

struct Agent {
  std::string name;  // demo-N
  uint16_t gossip_port = 0;
  uint16_t http_port = 0;
  fs::path log;
  fs::path snapshot;
  pid_t pid = -1;  // -1: not running
  std::unique_ptr<httplib::Client> http;

  std::string gossip_addr() const { return "127.0.0.1:" + std::to_string(gossip_port); }
  std::string http_addr() const { return "127.0.0.1:" + std::to_string(http_port); }
};

// The agent's command line; `seed` empty: no --join (a restart, or demo-1 itself).
std::vector<std::string> agent_argv(const Agent& a, const std::string& profile,
                                    const std::string& seed) {
  std::vector<std::string> v = {"rumor",       "agent",         "--node",     a.name,
                                "--bind",      a.gossip_addr(), "--http",     a.http_addr(),
                                "--profile",   profile,         "--snapshot", a.snapshot.string(),
                                "--log-level", "warn",          "--rpc",      ""};
  if (!seed.empty()) v.insert(v.end(), {"--join", seed, "--retry-join"});
  return v;
}

// This binary's path, so that `ps` shows the agents as "rumor agent ..."; /proc/self/exe when
// it cannot be named (then `ps` says "exe").
std::string self_exe() {
  char buf[4096];
  const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return "/proc/self/exe";
  const std::string path(buf, static_cast<size_t>(n));
  return access(path.c_str(), X_OK) == 0 ? path : "/proc/self/exe";
}

// In the child, between fork and exec: async-signal-safe calls only.
[[noreturn]] void exec_child(pid_t parent, int log_fd, int null_fd, const char* exe,
                             char* const* argv) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(126);  // the demo died before prctl took effect
  setpgid(0, 0);
  dup2(null_fd, 0);
  dup2(log_fd, 1);
  dup2(log_fd, 2);
  execv(exe, argv);
  const char msg[] = "rumor demo: cannot exec the rumor binary\n";
  const ssize_t ignored = write(2, msg, sizeof msg - 1);
  (void)ignored;
  _exit(127);
}

Status spawn(Agent& a, const std::vector<std::string>& args) {
  std::vector<std::string> strings = args;
  std::vector<char*> argv;
  for (std::string& s : strings)
    argv.push_back(s.data());
  argv.push_back(nullptr);
  const int log_fd = ::open(a.log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (log_fd < 0 || null_fd < 0) {
    if (log_fd >= 0) ::close(log_fd);
    if (null_fd >= 0) ::close(null_fd);
    return Status::error("cannot open " + a.log.string() + ": " + std::strerror(errno));
  }
  const std::string exe = self_exe();
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid == 0) exec_child(parent, log_fd, null_fd, exe.c_str(), argv.data());
  ::close(log_fd);
  ::close(null_fd);
  if (pid < 0) return Status::error(std::string("fork: ") + std::strerror(errno));
  a.pid = pid;
  return Status::ok();
}

std::string exit_text(int wstatus) {
  if (WIFEXITED(wstatus)) return "exited with status " + std::to_string(WEXITSTATUS(wstatus));
  if (WIFSIGNALED(wstatus)) {
    return "was killed by signal " + std::to_string(WTERMSIG(wstatus)) + " (" +
           strsignal(WTERMSIG(wstatus)) + ")";
  }
  return "stopped";
}

std::string log_tail(const fs::path& log) {
  std::ifstream in(log);
  std::deque<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    lines.push_back(line);
    if (lines.size() > kLogTailLines) lines.pop_front();
  }
  std::string s;
  for (const std::string& line : lines)
    s += "\n    " + line;
  return s.empty() ? "\n    (the log is empty)" : s;
}

// SIGTERM, up to `grace` for them to exit, then SIGKILL; reaps every child.
void stop_all(std::vector<Agent>& agents, std::chrono::milliseconds grace) {
  for (Agent& a : agents)
    if (a.pid > 0) kill(a.pid, grace.count() > 0 ? SIGTERM : SIGKILL);
  const auto deadline = Clock::now() + grace;
  for (Agent& a : agents) {
    while (a.pid > 0 && Clock::now() < deadline && waitpid(a.pid, nullptr, WNOHANG) == 0)
      usleep(20'000);
    if (a.pid > 0 && waitpid(a.pid, nullptr, WNOHANG) == 0) {
      kill(a.pid, SIGKILL);
      waitpid(a.pid, nullptr, 0);
    }
    a.pid = -1;
  }
}

// The agent's member list, or nothing when it does not answer (yet) or answers nonsense.
std::optional<std::vector<AgentMember>> poll_members(Agent& a) {
  if (!a.http) {
    a.http = std::make_unique<httplib::Client>("127.0.0.1", a.http_port);
    a.http->set_connection_timeout(0, 500'000);
    a.http->set_read_timeout(2, 0);
  }
  httplib::Result r = a.http->Get("/v1/members");
  if (!r || r->status != 200) return std::nullopt;
  Result<std::vector<AgentMember>> members = parse_members(r->body);
  if (!members.is_ok()) return std::nullopt;
  return std::move(*members);
}

const AgentMember* find_member(const std::vector<AgentMember>& members, const std::string& name) {
  for (const AgentMember& m : members)
    if (m.name == name) return &m;
  return nullptr;
}

// ---- the demo ----

struct Timeline {
  double converge = -1;  // from the first start
  double first_suspect = -1;
  std::string first_suspect_by;
  double first_failed = -1;  // from the kill
  std::string first_failed_by;
  double last_failed = -1;
  std::string last_failed_by;
  double rejoin = -1;  // from the restart
};

class Demo {
 public:
  explicit Demo(const DemoFlags& flags) : flags_(flags) {}

  int run() {
    if (Status s = prepare(); !s.is_ok()) return fail(s.message(), 1, !dir_.empty());
    install_signal_handlers();
    Status s = start_all();
    if (s.is_ok()) s = converge();
    if (s.is_ok()) s = kill_victim();
    if (s.is_ok()) s = detect();
    if (s.is_ok()) s = restart_victim();
    if (s.is_ok()) s = rejoin();
    if (!s.is_ok() && g_interrupted) return fail(s.message(), 130, flags_.keep || !temp_dir_);
    if (!s.is_ok()) return fail(s.message(), 1, !dir_.empty());
    print_timeline();
    stop_all(agents_, std::chrono::milliseconds(2000));
    finish(flags_.keep || !temp_dir_, stdout);
    return 0;
  }

 private:
  double now_s() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }

  void say(const std::string& line) const {
    std::printf("[%6.2fs] %s\n", now_s(), line.c_str());
    std::fflush(stdout);
  }

  // Kills every agent; a failure keeps the files (the logs say why), an interrupt does not.
  int fail(const std::string& message, int status, bool keep) {
    stop_all(agents_, std::chrono::milliseconds(0));
    std::fflush(stdout);
    std::fprintf(stderr, "rumor demo: %s\n", message.c_str());
    finish(keep, stderr);
    return status;
  }

  void finish(bool keep, FILE* out) {
    if (dir_.empty()) return;
    if (keep) {
      std::fprintf(out, "rumor demo: logs and snapshots kept in %s\n", dir_.c_str());
      return;
    }
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  Status make_dir() {
    if (flags_.dir.empty()) {
      const char* tmp = std::getenv("TMPDIR");
      std::string tmpl =
          std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/rumor-demo-XXXXXX";
      if (mkdtemp(tmpl.data()) == nullptr) {
        return Status::error("cannot create a directory " + tmpl + ": " + std::strerror(errno));
      }
      dir_ = tmpl;
      temp_dir_ = true;
      return Status::ok();
    }
    std::error_code ec;
    fs::create_directories(flags_.dir, ec);
    if (ec) return Status::error("--dir: cannot create " + flags_.dir + ": " + ec.message());
    dir_ = flags_.dir;
    return Status::ok();
  }

  Status prepare() {
    Result<std::vector<uint16_t>> ports = free_ports(2 * kAgents, flags_.base_port);
    if (!ports.is_ok()) return ports.status();
    if (Status s = make_dir(); !s.is_ok()) return s;
    for (int i = 0; i < kAgents; ++i) {
      Agent a;
      a.name = "demo-" + std::to_string(i + 1);
      a.gossip_port = (*ports)[static_cast<size_t>(2 * i)];
      a.http_port = (*ports)[static_cast<size_t>(2 * i + 1)];
      a.log = dir_ / (a.name + ".log");
      a.snapshot = dir_ / (a.name + ".snapshot");
      std::error_code ec;
      for (const fs::path& p : {a.log, a.snapshot, fs::path(a.snapshot.string() + ".tmp")})
        fs::remove(p, ec);
      agents_.push_back(std::move(a));
    }
    return Status::ok();
  }

  Status start(Agent& a, const std::string& seed, const std::string& verb) {
    if (Status s = spawn(a, agent_argv(a, flags_.profile, seed)); !s.is_ok()) return s;
    say(verb + " " + a.name + " (pid " + std::to_string(a.pid) + "): gossip " + a.gossip_addr() +
        ", http " + a.http_addr() + (seed.empty() ? "" : ", --join " + seed));
    return Status::ok();
  }

  Status start_all() {
    std::printf("rumor demo: %d agents on loopback, profile %s, files in %s\n", kAgents,
                flags_.profile.c_str(), dir_.c_str());
    start_ = Clock::now();
    for (size_t i = 0; i < agents_.size(); ++i) {
      const std::string seed = i == 0 ? "" : agents_[0].gossip_addr();
      if (Status s = start(agents_[i], seed, "started"); !s.is_ok()) return s;
    }
    return Status::ok();
  }

  // An agent that exited by itself ends the demo, with the last lines of its log.
  Status check_children() {
    for (Agent& a : agents_) {
      int wstatus = 0;
      if (a.pid <= 0 || waitpid(a.pid, &wstatus, WNOHANG) != a.pid) continue;
      a.pid = -1;
      return Status::error(a.name + " " + exit_text(wstatus) + "; the end of " + a.log.string() +
                           ":" + log_tail(a.log));
    }
    return Status::ok();
  }

  // Calls step() every 100 ms until it returns true; fails on the time limit (with summary()),
  // an interrupt, or an agent's exit.
  Status phase(const std::string& name, const std::function<bool()>& step,
               const std::function<std::string()>& summary) {
    const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                             std::chrono::duration<double>(flags_.timeout_s));
    for (;;) {
      if (g_interrupted) return Status::error("interrupted; stopped every agent");
      if (Status s = check_children(); !s.is_ok()) return Status::error(name + ": " + s.message());
      const auto next = Clock::now() + kPollInterval;
      if (step()) return Status::ok();
      if (Clock::now() >= deadline) {
        return Status::error(name + ": not done after " + format_s(flags_.timeout_s) + " (" +
                             summary() + ")");
      }
      sleep_until(next);
    }
  }

  static void sleep_until(Clock::time_point t) {
    const auto left = std::chrono::duration_cast<std::chrono::nanoseconds>(t - Clock::now());
    if (left.count() <= 0) return;
    timespec ts{};
    ts.tv_sec = static_cast<time_t>(left.count() / 1'000'000'000);
    ts.tv_nsec = static_cast<long>(left.count() % 1'000'000'000);
    nanosleep(&ts, nullptr);  // a signal cuts it short, and the loop looks at the flag
  }

  static std::string format_s(double s) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2fs", s);
    return buf;
  }

  size_t alive_count(const std::vector<AgentMember>& members) const {
    return static_cast<size_t>(std::count_if(agents_.begin(), agents_.end(), [&](const Agent& a) {
      const AgentMember* m = find_member(members, a.name);
      return m != nullptr && m->status == "alive";
    }));
  }

  std::string counts_summary(const std::vector<int>& seen) const {
    std::string s;
    for (size_t i = 0; i < agents_.size(); ++i) {
      if (agents_[i].pid <= 0) continue;
      s += (s.empty() ? "" : ", ") + agents_[i].name + " " +
           (seen[i] < 0 ? "no answer" : "sees " + std::to_string(seen[i]) + "/5 alive");
    }
    return s;
  }

  // Phase 1: every agent sees all five alive.
  Status converge() {
    std::vector<int> seen(agents_.size(), -1);
    auto step = [&] {
      bool all = true;
      for (size_t i = 0; i < agents_.size(); ++i) {
        const auto members = poll_members(agents_[i]);
        const int n = members ? static_cast<int>(alive_count(*members)) : -1;
        if (n >= 0 && n != seen[i])
          say(agents_[i].name + " sees " + std::to_string(n) + "/" + std::to_string(kAgents) +
              " alive");
        if (n >= 0) seen[i] = n;
        all = all && n == kAgents;
      }
      return all;
    };
    if (Status s = phase("converge", step, [&] { return counts_summary(seen); }); !s.is_ok())
      return s;
    timeline_.converge = now_s();
    say("converged: every agent sees " + std::to_string(kAgents) + "/" + std::to_string(kAgents) +
        " alive");
    return Status::ok();
  }

  // Phase 2: SIGKILL demo-4, no goodbye.
  Status kill_victim() {
    Agent& v = agents_[kVictim];
    if (kill(v.pid, SIGKILL) != 0)
      return Status::error("kill " + v.name + ": " + std::strerror(errno));
    killed_at_ = now_s();
    waitpid(v.pid, nullptr, 0);
    say("SIGKILL " + v.name + " (pid " + std::to_string(v.pid) + ")");
    v.pid = -1;
    v.http.reset();
    return Status::ok();
  }

  // What a survivor sees of the victim: its status, or "gone" once it is out of the list.
  std::string victim_status(Agent& observer) {
    const auto members = poll_members(observer);
    if (!members) return "";
    const AgentMember* m = find_member(*members, agents_[kVictim].name);
    return m == nullptr ? "gone" : m->status;
  }

  void record_detection(const std::string& by, const std::string& status, double t) {
    if (status == "suspect" && timeline_.first_suspect < 0) {
      timeline_.first_suspect = t;
      timeline_.first_suspect_by = by;
    }
    if (status != "failed" && status != "gone") return;
    if (timeline_.first_failed < 0) {
      timeline_.first_failed = t;
      timeline_.first_failed_by = by;
    }
    timeline_.last_failed = t;
    timeline_.last_failed_by = by;
  }

  // Phase 3: every survivor marks the victim failed (or has already dropped it).
  Status detect() {
    const std::string victim = agents_[kVictim].name;
    std::vector<std::string> last(agents_.size(), "alive");  // as converge() left it
    std::vector<bool> failed(agents_.size(), false);
    auto step = [&] {
      bool all = true;
      for (size_t i = 0; i < agents_.size(); ++i) {
        if (i == kVictim || failed[i]) continue;
        const std::string st = victim_status(agents_[i]);
        if (!st.empty() && st != last[i]) {
          say(agents_[i].name + " sees " + victim + " " + st);
          record_detection(agents_[i].name, st, now_s() - killed_at_);
          failed[i] = st == "failed" || st == "gone";
          last[i] = st;
        }
        all = all && failed[i];
      }
      return all;
    };
    auto summary = [&] {
      std::string s;
      for (size_t i = 0; i < agents_.size(); ++i)
        if (i != kVictim)
          s += (s.empty() ? "" : ", ") + agents_[i].name + " sees " + victim + " " +
               (last[i].empty() ? "?" : last[i]);
      return s;
    };
    if (Status s = phase("detect", step, summary); !s.is_ok()) return s;
    say("every survivor sees " + victim + " failed");
    return Status::ok();
  }

  // Phase 4: the same command line without --join; only its snapshot knows the cluster.
  Status restart_victim() {
    Agent& v = agents_[kVictim];
    std::ofstream(v.log, std::ios::app) << "---- rumor demo: restarted after SIGKILL ----\n";
    if (Status s = start(v, "", "restarted"); !s.is_ok()) return s;
    say(v.name + " has no --join: only its snapshot (" + v.snapshot.filename().string() +
        ") knows the cluster");
    restarted_at_ = now_s();
    return Status::ok();
  }

  // Phase 5: every survivor sees the victim alive again, and it sees all five alive.
  Status rejoin() {
    const std::string victim = agents_[kVictim].name;
    std::vector<bool> alive(agents_.size(), false);
    int victim_sees = -1;
    auto step = [&] {
      bool all = true;
      for (size_t i = 0; i < agents_.size(); ++i) {
        if (alive[i]) continue;
        if (i == kVictim) {
          const auto members = poll_members(agents_[i]);
          const int n = members ? static_cast<int>(alive_count(*members)) : -1;
          if (n >= 0 && n != victim_sees)
            say(victim + " sees " + std::to_string(n) + "/" + std::to_string(kAgents) + " alive");
          if (n >= 0) victim_sees = n;
          alive[i] = n == kAgents;
        } else if (victim_status(agents_[i]) == "alive") {
          say(agents_[i].name + " sees " + victim + " alive again");
          alive[i] = true;
        }
        all = all && alive[i];
      }
      return all;
    };
    auto summary = [&] {
      std::string waiting;
      for (size_t i = 0; i < agents_.size(); ++i)
        if (!alive[i]) waiting += (waiting.empty() ? "" : ", ") + agents_[i].name;
      return "still waiting for " + waiting + "; " + victim + " sees " +
             (victim_sees < 0 ? "?" : std::to_string(victim_sees)) + "/5 alive";
    };
    if (Status s = phase("rejoin", step, summary); !s.is_ok()) return s;
    timeline_.rejoin = now_s() - restarted_at_;
    say(victim + " rejoined from its snapshot: every agent sees " + std::to_string(kAgents) + "/" +
        std::to_string(kAgents) + " alive");
    return Status::ok();
  }

  static std::string cell(double s) { return s < 0 ? "-" : format_s(s); }

  void print_timeline() const {
    const std::string v = agents_[kVictim].name;
    const Timeline& t = timeline_;
    const std::string suspect_note =
        t.first_suspect < 0 ? "no survivor was seen suspecting " + v + " (polls every 100 ms)"
                            : "first survivor suspects " + v + " (" + t.first_suspect_by + ")";
    std::printf("\ntimeline (%d agents, profile %s, each polled every 100 ms)\n", kAgents,
                flags_.profile.c_str());
    std::printf("  %-14s %8s  %s\n", "phase", "time", "measured");
    std::printf("  %-14s %8s  %s\n", "converge", cell(t.converge).c_str(),
                "from the first start until every agent sees 5/5 alive");
    std::printf("  %-14s %8s  %s, from the SIGKILL\n", "suspect", cell(t.first_suspect).c_str(),
                suspect_note.c_str());
    std::printf("  %-14s %8s  first survivor marks %s failed (%s), from the SIGKILL\n",
                "detect first", cell(t.first_failed).c_str(), v.c_str(), t.first_failed_by.c_str());
    std::printf("  %-14s %8s  last survivor marks %s failed (%s), from the SIGKILL\n",
                "detect last", cell(t.last_failed).c_str(), v.c_str(), t.last_failed_by.c_str());
    std::printf("  %-14s %8s  from the restart (no --join) until all see 5/5 alive\n", "rejoin",
                cell(t.rejoin).c_str());
    std::fflush(stdout);
  }

  const DemoFlags& flags_;
  fs::path dir_;
  bool temp_dir_ = false;
  std::vector<Agent> agents_;
  Clock::time_point start_ = Clock::now();
  double killed_at_ = 0;
  double restarted_at_ = 0;
  Timeline timeline_;
};

}  // namespace

CLI::App* add_demo_command(CLI::App& app, DemoFlags& flags) {
  CLI::App* sub = app.add_subcommand(
      "demo",
      "Run 5 agents on loopback: converge, SIGKILL one, detect it, restart it, time it all");
  sub->add_option("--profile", flags.profile,
                  "the agents' timing profile: local | lan (default lan)")
      ->check(CLI::IsMember({"local", "lan"}));
  sub->add_option("--dir", flags.dir,
                  "put logs and snapshots here (kept) instead of a temporary directory");
  sub->add_flag("--keep", flags.keep, "keep the temporary directory (logs, snapshots)");
  sub->add_option("--base-port", flags.base_port,
                  "use ports P..P+9 on 127.0.0.1 (TCP and UDP) instead of free ones")
      ->check(CLI::Range(1024, 65535 - 2 * kAgents + 1));
  sub->add_option("--timeout", flags.timeout_s, "time limit of each phase, in seconds (default 60)")
      ->check(CLI::Range(1.0, 3600.0));
  return sub;
}

int run_demo_command(const DemoFlags& flags) {
  Demo demo(flags);
  return demo.run();
}

}  // namespace rumor::cli
