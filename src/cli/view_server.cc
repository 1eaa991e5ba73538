#include "cli/view_server.h"

#include <httplib.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string_view>
#include <thread>

#include "cli/sim_command.h"
#include "sim/scenario.h"
#include "sim/trace.h"
#include "webui/serve.h"

namespace rumor::cli {

namespace {

using nlohmann::json;

const char* kJson = "application/json";
constexpr size_t kStreamChunkBytes = 64 * 1024;

void reply(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace) + "\n", kJson);
}

void error(httplib::Response& res, int status, const std::string& message) {
  reply(res, status, json{{"error", message}});
}

// Flags of `rumor sim` that make no sense inside the viewer, and why.
struct RefusedFlag {
  std::string_view flag;
  std::string_view why;
};
constexpr RefusedFlag kRefusedFlags[] = {
    {"--trace", "the viewer keeps the trace itself"},
    {"--ui", "the viewer is already serving"},
    {"--listen", "the viewer is already serving"},
    {"--plot", "the viewer draws the runs itself"},
    {"--format", "the viewer reads the trace, not the report"},
    {"--help", "there is no help page here"},
    {"-h", "there is no help page here"},
};

// The refusal of `arg` ("--trace", "--trace=FILE"), or empty.
std::string refusal(const std::string& arg) {
  const std::string_view name = std::string_view(arg).substr(0, arg.find('='));
  for (const RefusedFlag& r : kRefusedFlags) {
    if (name == r.flag) {
      return std::string(r.flag) + ": not available in the viewer (" + std::string(r.why) + ")";
    }
  }
  return "";
}

// Thrown out of a running simulation by AbortWatch; caught by the worker that started it.
struct SimAborted {
  bool stopping = false;  // false: the trace grew past its limit
};

// Stops a simulation when the server stops or its trace passes `max_bytes`. The worlds call it
// at every round (or simulated second), so an abort comes within one round's work.
class AbortWatch final : public sim::ProgressObserver {
 public:
  AbortWatch(const std::atomic<bool>& stopping, std::ofstream& trace, uint64_t max_bytes)
      : stopping_(stopping), trace_(trace), max_bytes_(max_bytes) {}
  void on_round(uint32_t, uint32_t, uint64_t, uint64_t) override {
    if (stopping_.load()) throw SimAborted{true};
    const auto written = static_cast<std::streamoff>(trace_.tellp());
    if (written > 0 && static_cast<uint64_t>(written) > max_bytes_) throw SimAborted{false};
  }

 private:
  const std::atomic<bool>& stopping_;
  std::ofstream& trace_;
  const uint64_t max_bytes_;
};

bool is_loopback_name(std::string_view host) {
  return host == "localhost" || host.starts_with("127.") || host == "::1" || host == "[::1]";
}

// "[::1]" for an IPv6 literal, else the host as it is.
std::string url_host(const std::string& host) {
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

// The body's fault plan as the run lines' "faults": a scenario's fields, as read (ranges
// expanded, a null "heal" or "restart" left out), so a page can post it again as it is.
json faults_json(const sim::SimConfig& plan) {
  json crashes = json::array();
  for (const sim::Crash& c : plan.crashes) {
    json o = {{"node", c.node}, {"at", c.at}};
    if (c.restart) o["restart"] = *c.restart;
    crashes.push_back(std::move(o));
  }
  json partitions = json::array();
  for (const sim::Partition& p : plan.partitions) {
    json o = {{"groups", p.groups}, {"start", p.start}};
    if (p.heal) o["heal"] = *p.heal;
    if (p.one_way) o["one_way"] = true;
    partitions.push_back(std::move(o));
  }
  return json{{"crashes", std::move(crashes)}, {"partitions", std::move(partitions)}};
}

// One run's events being streamed: the open trace file and the bytes still to send.
struct EventStream {
  std::unique_ptr<std::FILE, FileCloser> file;
  uint64_t left = 0;
  std::vector<char> buf;
};

}  // namespace

struct ViewServer::Run {
  std::shared_ptr<const std::string> path;  // the trace file holding it
  uint64_t begin = 0;
  uint64_t end = 0;
  uint64_t events = 0;
  std::string json;  // its entry in GET /api/runs
};

struct ViewServer::SimJob {
  ParsedSim parsed;
  std::vector<std::string> args;
  std::string faults;  // the body's fault plan, for the run lines' "faults"; empty: none
};

struct ViewServer::SimOutcome {
  int status = 500;
  std::string error;
  std::vector<size_t> ids;
};

Result<ListenAddress> parse_listen(const std::string& text) {
  const std::string bad = "--listen: expected HOST:PORT (e.g. " + std::string(kDefaultViewListen) +
                          "), got '" + text + "'";
  const size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) return Status::error(bad);
  std::string host = text.substr(0, colon);
  const std::string port_text = text.substr(colon + 1);
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') return Status::error(bad);
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string::npos) {
    return Status::error(bad + " (an IPv6 address goes in brackets: [::1]:8947)");
  }
  if (port_text.empty() || port_text.size() > 5 ||
      !std::all_of(port_text.begin(), port_text.end(),
                   [](char c) { return c >= '0' && c <= '9'; })) {
    return Status::error(bad);
  }
  const int port = std::stoi(port_text);
  if (port > 65535) return Status::error("--listen: port must be 0..65535, got " + port_text);
  return ListenAddress{host, port};
}

ViewServer::ViewServer(std::string source, ViewLimits limits, std::string temp_dir)
    : source_(std::move(source)),
      limits_(limits),
      temp_dir_(std::move(temp_dir)),
      server_(std::make_unique<httplib::Server>()) {
  if (temp_dir_.empty()) {
    std::error_code ec;
    temp_dir_ = std::filesystem::temp_directory_path(ec).string();
    if (ec || temp_dir_.empty()) temp_dir_ = "/tmp";
  }
  routes();
}

ViewServer::~ViewServer() {
  stop();
  std::lock_guard<std::mutex> lock(mu_);
  for (const std::string& path : temp_files_) {
    std::error_code ec;
    std::filesystem::remove(path, ec);
  }
}

size_t ViewServer::run_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return runs_.size();
}

Status ViewServer::add_trace(const std::string& path) {
  auto ids = append_runs(path);
  if (!ids) return ids.status();
  return Status::ok();
}

Result<std::vector<size_t>> ViewServer::append_runs(const std::string& path) {
  auto indexed = index_trace(path, limits_.index);
  if (!indexed) return indexed.status();
  auto shared_path = std::make_shared<const std::string>(path);
  std::vector<Run> runs;
  runs.reserve(indexed->size());
  for (IndexedRun& r : *indexed) {
    Run& run = runs.emplace_back();
    run.path = shared_path;
    run.begin = r.begin;
    run.end = r.end;
    run.events = r.events;
    // The id is filled in below, under the lock; the rest of the entry is built here.
    std::string rounds = "[";
    for (const RoundPoint& p : r.rounds) {
      if (rounds.size() > 1) rounds += ',';
      rounds += "{\"t\":" + json(p.t_ms).dump() + ",\"round\":" + std::to_string(p.round) +
                ",\"informed\":" + std::to_string(p.informed) +
                ",\"messages\":" + std::to_string(p.messages) + "}";
    }
    rounds += "]";
    run.json = ",\"header\":" + r.header.dump(-1, ' ', false, json::error_handler_t::replace) +
               ",\"events\":" + std::to_string(r.events) +
               ",\"detail\":" + (r.events <= limits_.max_detail_events ? "true" : "false") +
               ",\"rounds\":" + rounds + "}";
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (runs_.size() + runs.size() > limits_.index.max_runs) {
    return Status::error(path + ": its " + std::to_string(runs.size()) +
                         " runs would pass the viewer's limit of " +
                         std::to_string(limits_.index.max_runs) + " runs");
  }
  std::vector<size_t> ids;
  for (Run& run : runs) {
    const size_t id = runs_.size();
    run.json = "{\"id\":" + std::to_string(id) + run.json;
    runs_.push_back(std::move(run));
    ids.push_back(id);
  }
  return ids;
}

bool ViewServer::host_allowed(const std::string& host_header) const {
  if (host_header.empty()) return true;
  std::string_view host = host_header;
  if (host.front() == '[') {
    host = host.substr(0, host.find(']') + 1);
  } else if (const size_t colon = host.rfind(':'); colon != std::string_view::npos) {
    host = host.substr(0, colon);
  }
  std::string lower(host);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  });
  return is_loopback_name(lower) || lower == url_host(host_);
}

Status ViewServer::bind(const std::string& listen) {
  auto addr = parse_listen(listen);
  if (!addr) return addr.status();
  // httplib's default also sets SO_REUSEPORT, which would let two viewers share a port
  // silently; SO_REUSEADDR alone still allows a quick restart.
  server_->set_socket_options([](int sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  errno = 0;
  int port = addr->port;
  bool bound = false;
  if (port == 0) {
    port = server_->bind_to_any_port(addr->host);
    bound = port > 0;
  } else {
    bound = server_->bind_to_port(addr->host, port);
  }
  if (!bound) {
    const int err = errno;
    return Status::error("--listen " + listen + ": cannot listen: " +
                         (err != 0 ? std::strerror(err) : "address in use or not on this machine"));
  }
  host_ = addr->host;
  port_ = port;
  loopback_ = is_loopback_name(host_);
  return Status::ok();
}

std::string ViewServer::url() const {
  return "http://" + url_host(host_) + ":" + std::to_string(port_) + "/";
}

void ViewServer::serve() {
  serving_.store(true);
  if (!stopping_.load()) server_->listen_after_bind();
  serving_.store(false);
}

void ViewServer::stop() {
  stopping_.store(true);
  // serve() may be between its check of stopping_ and httplib marking itself running: then
  // wait for the one or the other, so a stop is never lost.
  while (serving_.load() && !server_->is_running())
    std::this_thread::yield();
  // httplib's stop() must run once: a second call while it shuts down trips its assertion.
  if (server_->is_running() && !http_stopped_.exchange(true)) server_->stop();
}

void ViewServer::routes() {
  httplib::Server& s = *server_;
  s.new_task_queue = [] { return new httplib::ThreadPool(8); };
  s.set_payload_max_length(limits_.max_body_bytes);
  s.set_read_timeout(5, 0);
  s.set_write_timeout(5, 0);
  s.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    const std::string host = req.get_header_value("Host");
    if (!loopback_ || host_allowed(host)) return httplib::Server::HandlerResponse::Unhandled;
    error(res, 403,
          "Host '" + host + "': this viewer answers only requests addressed to " + url_host(host_) +
              " or localhost");
    return httplib::Server::HandlerResponse::Handled;
  });
  s.set_error_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    if (res.status == 404) {
      error(res, 404, "no such endpoint: " + req.method + " " + req.path);
    } else if (res.status == 413) {
      error(res, 413, "body: larger than " + std::to_string(limits_.max_body_bytes) + " bytes");
    } else {
      error(res, res.status, "request refused (HTTP " + std::to_string(res.status) + ")");
    }
  });
  s.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
    error(res, 500, "internal error");
  });
  s.Get("/api/runs", [this](const httplib::Request&, httplib::Response& res) { get_runs(res); });
  s.Get(R"(/api/runs/([^/]+)/events)",
        [this](const httplib::Request& req, httplib::Response& res) { get_events(req, res); });
  s.Post("/api/sim",
         [this](const httplib::Request& req, httplib::Response& res) { post_sim(req, res); });
  webui::mount_pages(s, "/viewer.html");
}

void ViewServer::get_runs(httplib::Response& res) const {
  std::string body =
      "{\"source\":" + json(source_).dump(-1, ' ', false, json::error_handler_t::replace) +
      ",\"max_detail_events\":" + std::to_string(limits_.max_detail_events) + ",\"runs\":[";
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (size_t i = 0; i < runs_.size(); ++i) {
      if (i > 0) body += ',';
      body += runs_[i].json;
    }
  }
  body += "]}\n";
  res.status = 200;
  res.set_content(std::move(body), kJson);
}

void ViewServer::get_events(const httplib::Request& req, httplib::Response& res) const {
  const std::string id_text = req.matches[1];
  Run run;
  size_t count = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    count = runs_.size();
    const bool digits =
        !id_text.empty() && id_text.size() <= 18 &&
        std::all_of(id_text.begin(), id_text.end(), [](char c) { return c >= '0' && c <= '9'; });
    const size_t id = digits ? std::stoull(id_text) : count;
    if (id < count) run = runs_[id];
  }
  if (!run.path) {
    return error(res, 404,
                 "no run '" + id_text + "': " +
                     (count == 0 ? std::string("the viewer holds no runs")
                                 : "the ids go from 0 to " + std::to_string(count - 1)));
  }
  if (run.events > limits_.max_detail_events) {
    return error(res, 413,
                 "run " + id_text + " has " + std::to_string(run.events) +
                     " events, more than max_detail_events (" +
                     std::to_string(limits_.max_detail_events) +
                     "): the page shows it from its rounds only");
  }
  auto stream = std::make_shared<EventStream>();
  stream->file.reset(std::fopen(run.path->c_str(), "rb"));
  if (!stream->file || fseeko(stream->file.get(), static_cast<off_t>(run.begin), SEEK_SET) != 0) {
    return error(res, 500, "cannot read " + *run.path + ": " + std::strerror(errno));
  }
  stream->left = run.end - run.begin;
  stream->buf.resize(kStreamChunkBytes);
  res.status = 200;
  res.set_chunked_content_provider("application/x-ndjson", [this, stream](size_t,
                                                                          httplib::DataSink& sink) {
    if (stream->left == 0) {
      sink.done();
      return true;
    }
    if (stopping_.load()) return false;
    const size_t want = static_cast<size_t>(std::min<uint64_t>(stream->left, stream->buf.size()));
    const size_t got = std::fread(stream->buf.data(), 1, want, stream->file.get());
    // The file shrank under us: end the stream broken rather than short but "complete".
    if (got == 0) return false;
    stream->left -= got;
    return sink.write(stream->buf.data(), got);
  });
}

void ViewServer::post_sim(const httplib::Request& req, httplib::Response& res) {
  const json body = json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) return error(res, 400, "body: not valid JSON");
  if (!body.is_object()) return error(res, 400, "body: must be a JSON object");
  for (const auto& item : body.items()) {
    if (item.key() != "args" && item.key() != "crashes" && item.key() != "partitions") {
      return error(res, 400,
                   "body: unknown field '" + item.key() + "' (allowed: args, crashes, partitions)");
    }
  }
  SimJob job;
  if (const auto it = body.find("args"); it != body.end()) {
    if (!it->is_array()) return error(res, 400, "args: must be an array of strings");
    if (it->size() > limits_.max_args) {
      return error(res, 400,
                   "args: at most " + std::to_string(limits_.max_args) + " arguments, got " +
                       std::to_string(it->size()));
    }
    for (size_t i = 0; i < it->size(); ++i) {
      if (!(*it)[i].is_string()) {
        return error(res, 400, "args[" + std::to_string(i) + "]: must be a string");
      }
      job.args.push_back((*it)[i].get<std::string>());
      if (std::string why = refusal(job.args.back()); !why.empty()) return error(res, 400, why);
    }
  }
  // The fault plan is read by the scenario reader (sim/scenario.h), so its fields, types and
  // error messages ("crashes[0].node: ...") are a scenario file's.
  json plan = json::object();
  for (const auto& [key, limit] : {std::pair{"crashes", limits_.max_crashes},
                                   std::pair{"partitions", limits_.max_partitions}}) {
    const auto it = body.find(key);
    if (it == body.end()) continue;
    if (!it->is_array()) return error(res, 400, std::string(key) + ": must be an array");
    if (it->size() > limit) {
      return error(res, 400,
                   std::string(key) + ": at most " + std::to_string(limit) + ", got " +
                       std::to_string(it->size()));
    }
    plan[key] = *it;
  }
  sim::SimConfig fault_plan;
  if (Status s = sim::apply_scenario_json(plan.dump(), fault_plan); !s.is_ok()) {
    // The reader says "scenario: " first; here the fields are the body's.
    const std::string_view prefix = "scenario: ";
    std::string message = s.message();
    if (message.starts_with(prefix)) message.erase(0, prefix.size());
    return error(res, 400, message);
  }
  if (!fault_plan.crashes.empty() || !fault_plan.partitions.empty()) {
    job.faults = faults_json(fault_plan).dump(-1, ' ', false, json::error_handler_t::replace);
  }
  auto parsed = parse_sim_args(job.args);
  if (!parsed) return error(res, 400, parsed.message());
  job.parsed = std::move(*parsed);
  sim::SimConfig& config = job.parsed.config;
  if (config.nodes > limits_.max_nodes) {
    return error(res, 400,
                 "--nodes: the viewer runs at most " + std::to_string(limits_.max_nodes) +
                     " nodes, got " + std::to_string(config.nodes));
  }
  // The body's fault plan goes first, so the errors of validate() name its entries by the
  // body's own indices.
  config.crashes.insert(config.crashes.begin(), fault_plan.crashes.begin(),
                        fault_plan.crashes.end());
  config.partitions.insert(config.partitions.begin(), fault_plan.partitions.begin(),
                           fault_plan.partitions.end());
  if (Status s = config.validate(); !s.is_ok()) return error(res, 400, s.message());

  bool idle = false;
  if (!simulating_.compare_exchange_strong(idle, true)) {
    return error(res, 409, "another simulation is running; try again when it has finished");
  }
  SimOutcome outcome;
  std::thread worker([this, &job, &outcome] {
    try {
      outcome = run_job(job);
    } catch (const std::exception& e) {
      outcome = SimOutcome{500, std::string("the simulation failed: ") + e.what(), {}};
    }
  });
  worker.join();
  simulating_.store(false);
  if (outcome.status != 200) return error(res, outcome.status, outcome.error);
  reply(res, 200, json{{"runs", outcome.ids}});
}

ViewServer::SimOutcome ViewServer::run_job(const SimJob& job) {
  if (stopping_.load()) return {503, "the viewer is stopping", {}};
  std::string path = temp_dir_ + "/rumor-view-XXXXXX.jsonl";
  const int fd = mkstemps(path.data(), 6);
  if (fd < 0) {
    return {500, "cannot create a trace file in " + temp_dir_ + ": " + std::strerror(errno), {}};
  }
  ::close(fd);
  {
    std::lock_guard<std::mutex> lock(mu_);
    temp_files_.push_back(path);
  }
  const auto discard = [&](SimOutcome o) {
    std::error_code ec;
    std::filesystem::remove(path, ec);
    std::lock_guard<std::mutex> lock(mu_);
    temp_files_.erase(std::remove(temp_files_.begin(), temp_files_.end(), path), temp_files_.end());
    return o;
  };
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return discard({500, "cannot write " + path, {}});
  sim::TraceSink sink(out);
  sink.set_args(job.args);
  if (!job.faults.empty()) sink.set_faults(job.faults);
  AbortWatch watch(stopping_, out, limits_.max_sim_trace_bytes);
  sim::RunOptions options;
  options.trace = &sink;
  options.progress = &watch;
  options.wire = job.parsed.flags.wire;
  SimRuns runs;
  try {
    runs = run_simulations(job.parsed.config, job.parsed.flags.seeds, options, {});
  } catch (const SimAborted& a) {
    if (a.stopping)
      return discard({503, "the viewer is stopping; the simulation was abandoned", {}});
    return discard({400,
                    "the simulation's trace passed " + std::to_string(limits_.max_sim_trace_bytes) +
                        " bytes, the viewer's limit: use fewer nodes, seeds or rounds, or a "
                        "shorter --duration",
                    {}});
  }
  if (!runs.error.empty()) return discard({400, runs.error, {}});
  out.close();
  if (!out) return discard({500, "cannot write " + path, {}});
  auto ids = append_runs(path);
  if (!ids) return discard({400, ids.message(), {}});
  return {200, "", std::move(*ids)};
}

}  // namespace rumor::cli
