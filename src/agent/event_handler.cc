#include "agent/event_handler.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <limits>
#include <system_error>
#include <utility>

extern char** environ;  // NOLINT: POSIX declares it nowhere else

namespace rumor::agent {
namespace {

constexpr std::array<std::string_view, 7> kKindNames = {
    "member-join", "member-leave", "member-failed", "member-update", "member-reap", "user", "query",
};
constexpr std::string_view kAllowedFilters =
    "*, member-join, member-leave, member-failed, member-update, member-reap, user, user:NAME, "
    "query, query:NAME";
constexpr int64_t kNever = std::numeric_limits<int64_t>::max();
constexpr int kTickMs = 10;  // how often a running script's deadlines and exit are checked
// After the shell exits, output still buffered in the pipes is read for at most this long: a
// background job the script left holding stdout must not hold the worker.
constexpr int64_t kDrainNs = 100'000'000;
constexpr size_t kReadChunk = 4096;
constexpr int kMaxChunksPerWake = 16;  // a script that never stops writing cannot starve deadlines

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int64_t ms_to_ns(int64_t ms) {
  return ms * 1'000'000;
}

std::string errno_text(std::string_view what, int err) {
  return std::string(what) + ": " + std::error_code(err, std::generic_category()).message();
}

std::string in_quotes(std::string_view s) {
  return "\"" + std::string(s) + "\"";
}

bool known_filter_event(std::string_view event) {
  if (event == "*") return true;
  for (std::string_view name : kKindNames) {
    if (event == name) return true;
  }
  return false;
}

// Serf's eventClean: tabs and newlines in a stdin field become the two characters \t and \n.
std::string event_clean(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\t') {
      out += "\\t";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

// The UTF-8 sequence at the front of s: {length, code point}, or {0, 0} when it is not valid
// (overlong, surrogate, beyond U+10FFFF, or cut short), where Go sees one RuneError per byte.
std::pair<size_t, uint32_t> decode_rune(std::string_view s) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char lead = byte(0);
  const size_t len = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 0;
  if (len == 0 || lead > 0xF4 || s.size() < len) return {0, 0};
  uint32_t rune = lead & (0x7Fu >> len);
  for (size_t k = 1; k < len; ++k) {
    if ((byte(k) & 0xC0) != 0x80) return {0, 0};
    rune = (rune << 6) | (byte(k) & 0x3Fu);
  }
  static constexpr std::array<uint32_t, 5> kMin = {0, 0, 0x80, 0x800, 0x10000};
  if (rune < kMin[len] || rune > 0x10FFFF || (rune >= 0xD800 && rune <= 0xDFFF)) return {0, 0};
  return {len, rune};
}

char env_name_char(unsigned char c) {
  if (c >= 'a' && c <= 'z') return static_cast<char>(c - 'a' + 'A');
  if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_') return static_cast<char>(c);
  return '_';
}

// Serf: strings.ToUpper(name), then every rune outside [A-Z0-9_] becomes one '_'. Only two
// non-ASCII runes upper-case into ASCII: U+0131 (dotless i) and U+017F (long s).
std::string tag_env_name(std::string_view tag) {
  std::string out;
  size_t i = 0;
  while (i < tag.size()) {
    const auto c = static_cast<unsigned char>(tag[i]);
    if (c < 0x80) {
      out += env_name_char(c);
      ++i;
      continue;
    }
    const auto [len, rune] = decode_rune(tag.substr(i));
    out += rune == 0x131 ? 'I' : rune == 0x17F ? 'S' : '_';
    i += len == 0 ? 1 : len;
  }
  return out;
}

std::string role_of(const std::map<std::string, std::string>& tags) {
  auto it = tags.find("role");
  return it == tags.end() ? std::string() : it->second;
}

// One line per member: name, addr, role, tags as k=v joined by ',' (sorted), tab-separated.
std::string member_stdin(const std::vector<HandlerMember>& members) {
  std::string out;
  for (const HandlerMember& m : members) {
    std::string tags;
    for (const auto& [name, value] : m.tags) {
      if (!tags.empty()) tags += ',';
      tags += name + "=" + value;
    }
    out += event_clean(m.name) + "\t" + m.addr + "\t" + event_clean(role_of(m.tags)) + "\t" +
           event_clean(tags) + "\n";
  }
  return out;
}

// Serf's streamPayload: most shells' `read` needs a final newline, so one is added.
std::string payload_stdin(const std::string& payload) {
  if (payload.empty() || payload.back() == '\n') return payload;
  return payload + "\n";
}

bool is_member_event(HandlerEventKind kind) {
  return kind != HandlerEventKind::kUser && kind != HandlerEventKind::kQuery;
}

std::string script_stdin(const HandlerEvent& e) {
  return is_member_event(e.kind) ? member_stdin(e.members) : payload_stdin(e.payload);
}

// The inherited environment plus Serf's variables; a later value wins, as with Go's os/exec.
std::vector<std::string> script_env(const std::vector<std::string>& base, const HandlerSelf& self,
                                    const HandlerEvent& e) {
  std::map<std::string, std::string> ours;
  ours["SERF_EVENT"] = std::string(event_kind_name(e.kind));
  ours["SERF_SELF_NAME"] = self.name;
  ours["SERF_SELF_ROLE"] = role_of(self.tags);
  for (const auto& [name, value] : self.tags)
    ours["SERF_TAG_" + tag_env_name(name)] = value;
  if (e.kind == HandlerEventKind::kUser) {
    ours["SERF_USER_EVENT"] = e.name;
    ours["SERF_USER_LTIME"] = std::to_string(e.ltime);
  } else if (e.kind == HandlerEventKind::kQuery) {
    ours["SERF_QUERY_NAME"] = e.name;
    ours["SERF_QUERY_LTIME"] = std::to_string(e.ltime);
  }
  std::vector<std::string> env;
  for (const std::string& entry : base) {
    if (ours.count(entry.substr(0, entry.find('='))) == 0) env.push_back(entry);
  }
  for (const auto& [name, value] : ours)
    env.push_back(name + "=" + value);
  return env;
}

std::vector<std::string> process_env() {
  std::vector<std::string> env;
  for (char** p = environ; p != nullptr && *p != nullptr; ++p)
    env.emplace_back(*p);
  return env;
}

// The last `limit` bytes written, and how many were written in all (Serf's circbuf).
class TailBuffer {
 public:
  explicit TailBuffer(size_t limit) : limit_(limit) {}
  void append(const char* data, size_t n) {
    total_ += n;
    data_.append(data, n);
    if (data_.size() > 2 * limit_) data_.erase(0, data_.size() - limit_);
  }
  std::string tail() const {
    return data_.size() <= limit_ ? data_ : data_.substr(data_.size() - limit_);
  }
  uint64_t total() const { return total_; }

 private:
  size_t limit_;
  std::string data_;
  uint64_t total_ = 0;
};

class Fd {
 public:
  Fd() = default;
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    reset(std::exchange(other.fd_, -1));
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

Status make_pipe(Fd& read_end, Fd& write_end) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return Status::error(errno_text("pipe", errno));
  read_end.reset(fds[0]);
  write_end.reset(fds[1]);
  return Status::ok();
}

void set_nonblocking(const Fd& fd) {
  ::fcntl(fd.get(), F_SETFL, ::fcntl(fd.get(), F_GETFL) | O_NONBLOCK);
}

// A started shell and our ends of its pipes: we write `in`, read `out` and `err`.
struct Child {
  pid_t pid = -1;
  Fd in, out, err;
};

// Spawn attributes: the child leads its own process group (so a timeout kills the script's
// children too), starts with no signals blocked (the worker blocks SIGPIPE) and with SIGPIPE at
// its default (so `producer | head` ends even if the agent ignores SIGPIPE).
void init_spawn_attr(posix_spawnattr_t* attr) {
  posix_spawnattr_init(attr);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(attr, &none);
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setsigdefault(attr, &defaults);
  posix_spawnattr_setpgroup(attr, 0);
  posix_spawnattr_setflags(attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
}

Result<Child> spawn_shell(const std::string& script, std::vector<std::string> env) {
  Fd in_r, in_w, out_r, out_w, err_r, err_w;
  if (Status s = make_pipe(in_r, in_w); !s) return s;
  if (Status s = make_pipe(out_r, out_w); !s) return s;
  if (Status s = make_pipe(err_r, err_w); !s) return s;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in_r.get(), STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out_w.get(), STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err_w.get(), STDERR_FILENO);
  posix_spawnattr_t attr;
  init_spawn_attr(&attr);

  std::string shell = "/bin/sh", flag = "-c", body = script;
  std::array<char*, 4> argv = {shell.data(), flag.data(), body.data(), nullptr};
  std::vector<char*> envp;
  for (std::string& entry : env)
    envp.push_back(entry.data());
  envp.push_back(nullptr);

  Child child;
  const int rc = ::posix_spawn(&child.pid, "/bin/sh", &actions, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) return Status::error(errno_text("posix_spawn /bin/sh", rc));
  child.in = std::move(in_w);
  child.out = std::move(out_r);
  child.err = std::move(err_r);
  for (const Fd* fd : {&child.in, &child.out, &child.err})
    set_nonblocking(*fd);
  return Result<Child>(std::move(child));
}

// An EPIPE write left a SIGPIPE pending on this thread (it is blocked here); consume it.
void discard_pending_sigpipe() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGPIPE);
  timespec zero{};
  while (::sigtimedwait(&set, nullptr, &zero) > 0) {
  }
}

void block_sigpipe_on_this_thread() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGPIPE);
  ::pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

// Feeds one child its stdin, keeps the tails of its stdout and stderr, and reaps it, killing
// its process group at a deadline. Never leaves a zombie behind.
class ChildPump {
 public:
  ChildPump(Child child, std::string input, size_t out_limit, size_t err_limit)
      : pid_(child.pid),
        in_(std::move(child.in)),
        out_(std::move(child.out)),
        err_(std::move(child.err)),
        input_(std::move(input)),
        out_buf_(out_limit),
        err_buf_(err_limit) {}
  ChildPump(const ChildPump&) = delete;
  ChildPump& operator=(const ChildPump&) = delete;
  ~ChildPump() {
    if (!reaped_) kill_and_reap(ScriptEnd::kError);
  }

  void run(int64_t deadline_ns, const std::atomic<int64_t>& stop_deadline_ns) {
    int64_t drain_until = 0;
    for (;;) {
      poll_once(kTickMs);
      const int64_t now = now_ns();
      if (!reaped_ && reap(WNOHANG)) drain_until = now + kDrainNs;
      if (reaped_) {
        if ((!out_.valid() && !err_.valid()) || now >= drain_until) return;
        continue;
      }
      if (now >= deadline_ns) return kill_and_reap(ScriptEnd::kTimedOut);
      if (now >= stop_deadline_ns.load()) return kill_and_reap(ScriptEnd::kStopped);
    }
  }

  void fill(ScriptRun& out) const {
    out.end = end_;
    out.exit_code = exit_code_;
    out.signal = signal_;
    out.error = error_;
    out.stderr_tail = err_buf_.tail();
    out.stdout_bytes = out_buf_.total();
  }
  std::string stdout_tail() const { return out_buf_.tail(); }

 private:
  void poll_once(int timeout_ms) {
    std::array<pollfd, 3> fds{};
    std::array<Fd*, 3> owners{};
    nfds_t n = 0;
    auto add = [&](Fd& fd, short events) {
      if (!fd.valid()) return;
      fds[n] = pollfd{fd.get(), events, 0};
      owners[n++] = &fd;
    };
    add(in_, POLLOUT);
    add(out_, POLLIN);
    add(err_, POLLIN);
    if (::poll(fds.data(), n, timeout_ms) <= 0) return;
    for (nfds_t i = 0; i < n; ++i) {
      if (fds[i].revents == 0) continue;
      if (owners[i] == &in_) {
        write_input();
      } else {
        read_into(*owners[i], owners[i] == &out_ ? out_buf_ : err_buf_);
      }
    }
  }

  void write_input() {
    while (written_ < input_.size()) {
      const ssize_t w = ::write(in_.get(), input_.data() + written_, input_.size() - written_);
      if (w > 0) {
        written_ += static_cast<size_t>(w);
      } else if (w < 0 && errno == EINTR) {
        continue;
      } else if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        return;
      } else {
        if (errno == EPIPE) discard_pending_sigpipe();  // the script ignores its stdin
        break;
      }
    }
    in_.reset();  // EOF tells the script the input is complete
  }

  static void read_into(Fd& fd, TailBuffer& buf) {
    std::array<char, kReadChunk> chunk{};
    for (int i = 0; i < kMaxChunksPerWake; ++i) {
      const ssize_t r = ::read(fd.get(), chunk.data(), chunk.size());
      if (r > 0) {
        buf.append(chunk.data(), static_cast<size_t>(r));
      } else if (r < 0 && errno == EINTR) {
        continue;
      } else if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        return;
      } else {
        fd.reset();  // EOF, or an error we cannot do better with
        return;
      }
    }
  }

  // True once the child has been reaped (its status recorded).
  bool reap(int flags) {
    int status = 0;
    pid_t r = 0;
    do {
      r = ::waitpid(pid_, &status, flags);
    } while (r < 0 && errno == EINTR);
    if (r == 0) return false;
    reaped_ = true;
    if (r < 0) {
      end_ = ScriptEnd::kError;
      error_ = errno_text("waitpid", errno);
    } else if (WIFEXITED(status)) {
      end_ = ScriptEnd::kExited;
      exit_code_ = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
      end_ = ScriptEnd::kSignaled;
      signal_ = WTERMSIG(status);
    }
    return true;
  }

  void kill_and_reap(ScriptEnd why) {
    ::kill(-pid_, SIGKILL);  // the group: sh and whatever it started
    reap(0);
    end_ = why;
    signal_ = 0;
  }

  pid_t pid_;
  Fd in_, out_, err_;
  std::string input_;
  size_t written_ = 0;
  TailBuffer out_buf_, err_buf_;
  bool reaped_ = false;
  ScriptEnd end_ = ScriptEnd::kError;
  int exit_code_ = 0;
  int signal_ = 0;
  std::string error_;
};

}  // namespace

std::string_view event_kind_name(HandlerEventKind kind) {
  return kKindNames.at(static_cast<size_t>(kind));
}

bool HandlerFilter::matches(const HandlerEvent& e) const {
  if (event == "*") return true;
  if (event != event_kind_name(e.kind)) return false;
  if (e.kind == HandlerEventKind::kUser || e.kind == HandlerEventKind::kQuery) {
    return name.empty() || name == e.name;
  }
  return true;
}

namespace {

Result<HandlerFilter> parse_one_filter(std::string_view part, std::string_view all) {
  HandlerFilter f;
  for (std::string_view kind : {std::string_view("user"), std::string_view("query")}) {
    const std::string prefix = std::string(kind) + ":";
    if (part.substr(0, prefix.size()) == prefix) {
      f.event = kind;
      f.name = part.substr(prefix.size());
      return f;
    }
  }
  f.event = part;
  if (known_filter_event(f.event)) return f;
  const std::string allowed = " (allowed: " + std::string(kAllowedFilters) + ")";
  if (part.empty()) return Status::error("empty event filter in " + in_quotes(all) + allowed);
  return Status::error("unknown event filter " + in_quotes(part) +
                       (part == all ? "" : " in " + in_quotes(all)) + allowed);
}

}  // namespace

Result<std::vector<HandlerFilter>> parse_event_filters(std::string_view filters) {
  if (filters.empty()) filters = "*";
  std::vector<HandlerFilter> out;
  size_t start = 0;
  for (;;) {
    const size_t comma = filters.find(',', start);
    const std::string_view part =
        filters.substr(start, comma == std::string_view::npos ? comma : comma - start);
    auto f = parse_one_filter(part, filters);
    if (!f) return f.status();
    out.push_back(std::move(*f));
    if (comma == std::string_view::npos) return out;
    start = comma + 1;
  }
}

Result<std::vector<HandlerSpec>> parse_handler_spec(std::string_view spec) {
  const size_t eq = spec.find('=');
  const bool has_filter = eq != std::string_view::npos;
  const std::string_view filter = has_filter ? spec.substr(0, eq) : std::string_view();
  const std::string_view script = has_filter ? spec.substr(eq + 1) : spec;
  const std::string where = "event handler " + in_quotes(spec) + ": ";
  if (script.empty()) return Status::error(where + "no script to run (expected [FILTER=]SCRIPT)");
  auto filters = parse_event_filters(filter);
  if (!filters) {
    // `FOO=1 ./x.sh` reads as filter "FOO": say how to write such a script.
    const bool one_word = filter.find(',') == std::string_view::npos;
    return Status::error(where + filters.message() +
                         (one_word ? "; a script containing '=' needs a filter, as in "
                                     "\"*=FOO=1 ./handler.sh\""
                                   : ""));
  }
  std::vector<HandlerSpec> out;
  for (HandlerFilter& f : *filters)
    out.push_back(HandlerSpec{std::move(f), std::string(script)});
  return out;
}

Result<std::vector<HandlerSpec>> parse_handler_specs(const std::vector<std::string>& specs) {
  std::vector<HandlerSpec> out;
  for (const std::string& spec : specs) {
    auto parsed = parse_handler_spec(spec);
    if (!parsed) return parsed.status();
    for (HandlerSpec& h : *parsed)
      out.push_back(std::move(h));
  }
  return out;
}

Status EventHandlers::validate(const EventHandlerOptions& o) {
  auto out_of_range = [](std::string_view name, auto lo, auto hi, auto got) {
    return Status::error("event handlers: " + std::string(name) + " must be in " +
                         std::to_string(lo) + ".." + std::to_string(hi) + ", got " +
                         std::to_string(got));
  };
  if (o.queue_limit < 1 || o.queue_limit > 1'000'000) {
    return out_of_range("queue_limit", 1, 1'000'000, o.queue_limit);
  }
  if (o.script_timeout_ms < 1 || o.script_timeout_ms > 86'400'000) {
    return out_of_range("script_timeout_ms", 1, 86'400'000, o.script_timeout_ms);
  }
  if (o.stop_grace_ms < 0 || o.stop_grace_ms > 3'600'000) {
    return out_of_range("stop_grace_ms", 0, 3'600'000, o.stop_grace_ms);
  }
  if (o.stdout_limit_bytes < 1 || o.stdout_limit_bytes > (1u << 20)) {
    return out_of_range("stdout_limit_bytes", 1, 1 << 20, o.stdout_limit_bytes);
  }
  if (o.stderr_limit_bytes < 1 || o.stderr_limit_bytes > (1u << 20)) {
    return out_of_range("stderr_limit_bytes", 1, 1 << 20, o.stderr_limit_bytes);
  }
  return Status::ok();
}

namespace {

Status validate_handlers(const std::vector<HandlerSpec>& handlers) {
  for (const HandlerSpec& h : handlers) {
    if (h.script.empty()) return Status::error("event handlers: a handler has an empty script");
    if (!known_filter_event(h.filter.event)) {
      return Status::error("event handlers: unknown event filter " + in_quotes(h.filter.event) +
                           " (allowed: " + std::string(kAllowedFilters) + ")");
    }
  }
  return Status::ok();
}

}  // namespace

Result<std::unique_ptr<EventHandlers>> EventHandlers::create(std::vector<HandlerSpec> handlers,
                                                             HandlerSelf self,
                                                             EventHandlerOptions options,
                                                             EventHandlerCallbacks callbacks) {
  if (Status s = validate(options); !s) return s;
  if (Status s = validate_handlers(handlers); !s) return s;
  std::unique_ptr<EventHandlers> h(new EventHandlers(std::move(handlers), std::move(self),
                                                     std::move(options), std::move(callbacks)));
  try {
    h->worker_ = std::thread(&EventHandlers::worker_main, h.get());
  } catch (const std::system_error& e) {
    return Status::error(std::string("event handlers: cannot start the worker thread: ") +
                         e.what());
  }
  return Result<std::unique_ptr<EventHandlers>>(std::move(h));
}

EventHandlers::EventHandlers(std::vector<HandlerSpec> handlers, HandlerSelf self,
                             EventHandlerOptions options, EventHandlerCallbacks callbacks)
    : options_(std::move(options)),
      callbacks_(std::move(callbacks)),
      base_env_(process_env()),
      handlers_(std::move(handlers)),
      self_(std::move(self)),
      stop_deadline_ns_(kNever) {}

EventHandlers::~EventHandlers() {
  stop();
}

DispatchResult EventHandlers::dispatch(const HandlerEvent& event) {
  std::lock_guard lock(mu_);
  if (stopping_) return DispatchResult::kStopped;
  std::vector<std::string> scripts;
  for (const HandlerSpec& h : handlers_) {
    if (h.filter.matches(event)) scripts.push_back(h.script);
  }
  if (scripts.empty()) return DispatchResult::kNoHandler;
  if (queue_.size() >= options_.queue_limit) {
    ++events_dropped_;
    return DispatchResult::kDropped;
  }
  queue_.push_back(Job{event, std::move(scripts)});
  ++events_dispatched_;
  cv_.notify_one();
  return DispatchResult::kQueued;
}

void EventHandlers::set_self_tags(std::map<std::string, std::string> tags) {
  std::lock_guard lock(mu_);
  self_.tags = std::move(tags);
}

void EventHandlers::set_handlers(std::vector<HandlerSpec> handlers) {
  std::lock_guard lock(mu_);
  handlers_ = std::move(handlers);
}

void EventHandlers::stop() {
  {
    std::lock_guard lock(mu_);
    if (!stopping_) {
      stopping_ = true;
      queue_.clear();
      stop_deadline_ns_.store(now_ns() + ms_to_ns(options_.stop_grace_ms));
    }
  }
  cv_.notify_all();
  std::lock_guard join_lock(join_mu_);
  if (worker_.joinable() && worker_.get_id() != std::this_thread::get_id()) worker_.join();
}

EventHandlerCounters EventHandlers::counters() const {
  EventHandlerCounters c;
  c.events_dispatched = events_dispatched_.load();
  c.events_dropped = events_dropped_.load();
  c.scripts_run = scripts_run_.load();
  c.scripts_failed = scripts_failed_.load();
  c.scripts_timed_out = scripts_timed_out_.load();
  c.scripts_stopped = scripts_stopped_.load();
  return c;
}

void EventHandlers::worker_main() {
  block_sigpipe_on_this_thread();
  for (;;) {
    Job job;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    run_job(job);
  }
}

void EventHandlers::run_job(const Job& job) {
  for (const std::string& script : job.scripts) {
    if (stop_deadline_ns_.load() != kNever) return;  // stop(): start nothing new
    run_script(script, job.event);
  }
}

void EventHandlers::run_script(const std::string& script, const HandlerEvent& event) {
  HandlerSelf self;
  {
    std::lock_guard lock(mu_);
    self = self_;
  }
  ScriptRun run;
  run.script = script;
  run.event = std::string(event_kind_name(event.kind));
  const int64_t start = now_ns();
  ++scripts_run_;
  std::string output;
  auto child = spawn_shell(script, script_env(base_env_, self, event));
  if (!child) {
    run.end = ScriptEnd::kError;
    run.error = child.message();
  } else {
    ChildPump pump(std::move(*child), script_stdin(event), options_.stdout_limit_bytes,
                   options_.stderr_limit_bytes);
    pump.run(start + ms_to_ns(options_.script_timeout_ms), stop_deadline_ns_);
    pump.fill(run);
    output = pump.stdout_tail();
  }
  run.duration_ms = (now_ns() - start) / 1'000'000;
  // Serf answers a query only when the script succeeded and printed something.
  if (event.kind == HandlerEventKind::kQuery && run.ok() && run.stdout_bytes > 0 &&
      callbacks_.on_query_output) {
    callbacks_.on_query_output(event.query_id, std::move(output));
  }
  count(run);
  if (callbacks_.on_script_done) callbacks_.on_script_done(run);
}

void EventHandlers::count(const ScriptRun& run) {
  switch (run.end) {
    case ScriptEnd::kExited:
      if (run.exit_code != 0) ++scripts_failed_;
      break;
    case ScriptEnd::kSignaled:
    case ScriptEnd::kError:
      ++scripts_failed_;
      break;
    case ScriptEnd::kTimedOut:
      ++scripts_timed_out_;
      break;
    case ScriptEnd::kStopped:
      ++scripts_stopped_;
      break;
  }
}

}  // namespace rumor::agent
