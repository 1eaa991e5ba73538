// What every golden test (tests/interop/*_golden_test.cc) needs to talk to the Go program
// (tests/interop/golden/, RUMOR_MEMBERLIST_GOLDEN names the binary): hex both ways, and a run
// of one of its modes with stdin from a string and its JSON output parsed. Test-only.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

namespace rumor::testing::golden {

inline std::string to_hex(std::span<const uint8_t> b) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  s.reserve(2 * b.size());
  for (uint8_t x : b) {
    s.push_back(digits[x >> 4]);
    s.push_back(digits[x & 15]);
  }
  return s;
}

inline std::vector<uint8_t> from_hex(const std::string& s) {
  std::vector<uint8_t> b;
  b.reserve(s.size() / 2);
  for (size_t i = 0; i + 1 < s.size(); i += 2) {
    b.push_back(static_cast<uint8_t>(std::stoi(s.substr(i, 2), nullptr, 16)));
  }
  return b;
}

// Runs `memberlist_golden ARGS` (ARGS as the shell reads them: quote what needs it) with
// `input` on stdin and parses what it prints; a failed run fails the test and gives a
// discarded JSON value.
inline nlohmann::json run_golden(const std::string& args, const std::string& input = "") {
  // ctest runs each test in its own process, possibly in parallel: the pid and a counter keep
  // inputs apart.
  static int calls = 0;
  const std::string in_path = ::testing::TempDir() + "memberlist_golden_" +
                              std::to_string(getpid()) + "_" + std::to_string(calls++);
  {
    std::ofstream in(in_path, std::ios::binary);
    in << input;
  }
  const std::string cmd = std::string(RUMOR_MEMBERLIST_GOLDEN) + " " + args + " < " + in_path;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) {
    ADD_FAILURE() << "cannot run " << cmd;
    return nlohmann::json(nlohmann::json::value_t::discarded);
  }
  std::string out;
  char buf[65536];
  size_t n = 0;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0)
    out.append(buf, n);
  const int status = pclose(p);
  std::remove(in_path.c_str());
  EXPECT_EQ(status, 0) << cmd;
  return nlohmann::json::parse(out, nullptr, false);
}

}  // namespace rumor::testing::golden
