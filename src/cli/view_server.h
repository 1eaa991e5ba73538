// ViewServer: the HTTP side of the simulator's viewer (`rumor view`, `rumor sim --ui`): the
// viewer page (src/webui) and the endpoints of docs/web.md, "The viewer's endpoints":
//
//   GET  /api/runs             {"source", "max_detail_events", "runs": [{id, header, events,
//                              detail, rounds: [{t, round, informed, messages}]}]}
//   GET  /api/runs/ID/events   the run's trace lines (application/x-ndjson, chunked), its run
//                              line first; 404 for an unknown ID, 413 when it is not `detail`
//   POST /api/sim              {"args": [...], "crashes": [...], "partitions": [...]} -> runs
//                              `rumor sim ARGS` plus that fault plan in this process and adds its
//                              runs: {"runs": [ids]}; 400 naming the bad flag or field, 409 while
//                              another simulation runs
//
// The server holds the runs of every trace added to it (the one it was started on, and one per
// POST /api/sim) in one list; a run's id is its place in that list and never changes. Only the
// index (trace_index.h) is kept in memory: events are streamed from the trace files.
//
// Limits, each a 4xx with {"error": ...}: request bodies 64 KiB; POST /api/sim: 200 arguments,
// 2,000 nodes, 64 crashes, 8 partitions, one simulation at a time, and its trace at most
// max_sim_trace_bytes (the simulation is stopped there: the trace bounds its work too). A run's
// events are streamed only up to max_detail_events; beyond that the page draws its rounds.
//
// Threads: httplib's pool answers requests; a simulation runs on a worker thread of its own
// while its request waits. stop() (from any thread) ends serve() and aborts a simulation in
// progress, which then answers 503.
//
// Bound to a loopback address (the default), the server answers only requests whose Host header
// names a loopback host: a page elsewhere on the web cannot reach it by DNS rebinding and read
// traces or start simulations (which may read local scenario files).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/status.h"
#include "cli/trace_index.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace rumor::cli {

inline constexpr const char* kDefaultViewListen = "127.0.0.1:8947";

struct ViewLimits {
  uint64_t max_detail_events = 3'000'000;
  TraceIndexLimits index;
  size_t max_body_bytes = 64 * 1024;
  size_t max_args = 200;
  uint32_t max_nodes = 2000;
  size_t max_crashes = 64;
  size_t max_partitions = 8;
  uint64_t max_sim_trace_bytes = uint64_t{1} << 30;
};

// "HOST:PORT" ("[::1]:PORT" for IPv6), port 0..65535 (0: any free port).
struct ListenAddress {
  std::string host;
  int port = 0;
};
Result<ListenAddress> parse_listen(const std::string& text);

class ViewServer {
 public:
  // `source`: the trace as the user named it (GET /api/runs "source"). `temp_dir`: where POST
  // /api/sim writes its traces (empty: the system's temporary directory); they are removed with
  // the server.
  explicit ViewServer(std::string source, ViewLimits limits = {}, std::string temp_dir = "");
  ~ViewServer();
  ViewServer(const ViewServer&) = delete;
  ViewServer& operator=(const ViewServer&) = delete;

  // Indexes the trace at `path` and appends its runs. Error: it cannot be read, is not a trace,
  // or the runs would pass the index's max_runs.
  Status add_trace(const std::string& path);
  size_t run_count() const;

  // Binds `listen` ("HOST:PORT"). Error, naming --listen: malformed, or cannot listen there.
  Status bind(const std::string& listen);
  int port() const { return port_; }
  // "http://HOST:PORT/".
  std::string url() const;

  // Answers requests until stop(). Call once, after bind().
  void serve();
  // Ends serve() (or makes a serve() not yet started return at once) and aborts a simulation in
  // progress. Any thread; more than once is fine.
  void stop();
  // True while a POST /api/sim simulation runs (tests wait on it).
  bool simulating() const { return simulating_.load(); }

 private:
  struct Run;
  struct SimJob;
  struct SimOutcome;

  void routes();
  void get_runs(httplib::Response& res) const;
  void get_events(const httplib::Request& req, httplib::Response& res) const;
  void post_sim(const httplib::Request& req, httplib::Response& res);
  SimOutcome run_job(const SimJob& job);
  Result<std::vector<size_t>> append_runs(const std::string& path);
  bool host_allowed(const std::string& host_header) const;

  const std::string source_;
  const ViewLimits limits_;
  std::string temp_dir_;
  std::unique_ptr<httplib::Server> server_;
  std::string host_;
  int port_ = 0;
  bool loopback_ = true;

  mutable std::mutex mu_;  // guards runs_ and temp_files_
  std::vector<Run> runs_;
  std::vector<std::string> temp_files_;

  std::atomic<bool> stopping_{false};
  std::atomic<bool> serving_{false};
  std::atomic<bool> http_stopped_{false};
  std::atomic<bool> simulating_{false};
};

}  // namespace rumor::cli
