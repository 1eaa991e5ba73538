// run_command: starts a program (the real `rumor` binary, in the CLI suites) and captures what
// it printed and how it ended. stdin is /dev/null; stdout and stderr go to files in a directory
// the test owns (so a large report can never fill a pipe and stall the child). A child still
// running after `limit` is killed and the test fails, so a hang is a failure, not a stuck run.
// Header-only: each suite that spawns a command includes it.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace rumor::testing_support {

struct CommandOutput {
  int status = -1;  // the exit status, or 128 + the signal that ended it
  std::string out;
  std::string err;
};

inline std::string read_whole_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Runs `binary args...` with the environment `env` ("NAME=VALUE" strings; empty: this
// process's own).
inline CommandOutput run_command(const std::string& binary, const std::vector<std::string>& args,
                                 const std::filesystem::path& dir,
                                 std::vector<std::string> env = {},
                                 std::chrono::seconds limit = std::chrono::seconds(120)) {
  const std::filesystem::path out_path = dir / "stdout.txt", err_path = dir / "stderr.txt";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  std::vector<std::string> argv_strings = {binary};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : argv_strings)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  if (env.empty()) {
    for (char** e = environ; *e != nullptr; ++e)
      env.emplace_back(*e);
  }
  std::vector<char*> envp;
  for (std::string& e : env)
    envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, binary.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  CommandOutput o;
  if (rc != 0) {
    ADD_FAILURE() << "cannot start " << binary << ": error " << rc;
    return o;
  }
  int wstatus = 0;
  const auto deadline = std::chrono::steady_clock::now() + limit;
  pid_t done = 0;
  while ((done = waitpid(pid, &wstatus, WNOHANG)) == 0 &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  if (done == 0) {
    kill(pid, SIGKILL);
    waitpid(pid, &wstatus, 0);
    ADD_FAILURE() << binary << " still running after " << limit.count() << " s, killed";
  } else if (done != pid) {
    ADD_FAILURE() << "waitpid failed for " << binary;
    return o;
  }
  o.status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
  o.out = read_whole_file(out_path);
  o.err = read_whole_file(err_path);
  return o;
}

}  // namespace rumor::testing_support
