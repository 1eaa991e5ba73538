// The trace index (trace_index.h): runs split at each run line with byte ranges that are exactly
// their lines, events counted, run headers and round points kept, and every limit an error that
// names the file and line.
#include "cli/trace_index.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cli/sim_command.h"
#include "sim/trace.h"

namespace rumor::cli {
namespace {

namespace fs = std::filesystem;

class TraceIndexTest : public testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = testing::TempDir() + "rumor_trace_index_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  std::string write(const std::string& text, const std::string& name = "trace.jsonl") {
    const fs::path p = dir_ / name;
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out << text;
    return p.string();
  }

  fs::path dir_;
};

std::string run_line(int seed) {
  return R"({"t":0.000,"ev":"run","protocol":"gossip","nodes":4,"mode":"push","seed":)" +
         std::to_string(seed) + R"(,"timing":"rounds","fanout":1,"origin":0,"key":"k"})" + "\n";
}

std::string round_line(int round, int informed, int messages) {
  return R"({"t":)" + std::to_string(round * 1000) + R"(.000,"ev":"round","round":)" +
         std::to_string(round) + R"(,"informed":)" + std::to_string(informed) + R"(,"messages":)" +
         std::to_string(messages) + "}\n";
}

const std::string kSend = R"({"t":500.000,"ev":"send","from":0,"to":1,"type":"syn","bytes":20})"
                          "\n";

std::string slice(const std::string& text, const IndexedRun& r) {
  return text.substr(r.begin, r.end - r.begin);
}

TEST_F(TraceIndexTest, SplitsAtEachRunLineIntoAdjacentRangesThatAreExactlyTheRunsLines) {
  const std::string first = run_line(1) + kSend + round_line(1, 2, 1);
  const std::string second = run_line(2) + kSend + kSend + round_line(1, 3, 2);
  const std::string text = first + second;
  auto runs = index_trace(write(text));
  ASSERT_TRUE(runs.is_ok()) << runs.message();
  ASSERT_EQ(runs->size(), 2u);
  EXPECT_EQ((*runs)[0].begin, 0u);
  EXPECT_EQ((*runs)[0].end, (*runs)[1].begin);
  EXPECT_EQ((*runs)[1].end, text.size());
  EXPECT_EQ(slice(text, (*runs)[0]), first);
  EXPECT_EQ(slice(text, (*runs)[1]), second);
}

TEST_F(TraceIndexTest, CountsEveryNonBlankLineOfARunItsRunLineIncluded) {
  const std::string text = run_line(1) + kSend + "\n" + kSend + "  \n" + round_line(1, 2, 2);
  auto runs = index_trace(write(text));
  ASSERT_TRUE(runs.is_ok()) << runs.message();
  ASSERT_EQ(runs->size(), 1u);
  EXPECT_EQ((*runs)[0].events, 4u);
  EXPECT_EQ((*runs)[0].end, text.size());
}

TEST_F(TraceIndexTest, KeepsTheRunLineAsHeaderAndEachRoundLineAsAPoint) {
  const std::string text = run_line(7) + round_line(1, 2, 3) + kSend + round_line(2, 4, 5);
  auto runs = index_trace(write(text));
  ASSERT_TRUE(runs.is_ok()) << runs.message();
  const IndexedRun& r = (*runs)[0];
  EXPECT_EQ(r.header["ev"], "run");
  EXPECT_EQ(r.header["seed"], 7);
  EXPECT_EQ(r.header["mode"], "push");
  ASSERT_EQ(r.rounds.size(), 2u);
  EXPECT_DOUBLE_EQ(r.rounds[0].t_ms, 1000.0);
  EXPECT_EQ(r.rounds[0].round, 1u);
  EXPECT_EQ(r.rounds[0].informed, 2u);
  EXPECT_EQ(r.rounds[0].messages, 3u);
  EXPECT_EQ(r.rounds[1].round, 2u);
  EXPECT_EQ(r.rounds[1].informed, 4u);
  EXPECT_EQ(r.rounds[1].messages, 5u);
  EXPECT_EQ(r.rounds_dropped, 0u);
}

TEST_F(TraceIndexTest, RecognisesEvWrittenWithSpacesAndIgnoresEvInsideStrings) {
  // As Python's json.dumps writes it, and a value that merely mentions "ev":"run".
  const std::string text = R"({"t": 0.0, "ev": "run", "nodes": 2})"
                           "\n"
                           R"({"t": 1.0, "ev": "note", "text": "\"ev\":\"run\""})"
                           "\n"
                           R"({"t": 2.0, "ev": "round", "round": 1, "informed": 2, "messages": 1})"
                           "\n";
  auto runs = index_trace(write(text));
  ASSERT_TRUE(runs.is_ok()) << runs.message();
  ASSERT_EQ(runs->size(), 1u);
  EXPECT_EQ((*runs)[0].events, 3u);
  ASSERT_EQ((*runs)[0].rounds.size(), 1u);
}

TEST_F(TraceIndexTest, ALastLineWithoutNewlineBelongsToTheLastRun) {
  std::string text = run_line(1) + kSend + run_line(2) + kSend;
  text.pop_back();
  auto runs = index_trace(write(text));
  ASSERT_TRUE(runs.is_ok()) << runs.message();
  ASSERT_EQ(runs->size(), 2u);
  EXPECT_EQ((*runs)[1].events, 2u);
  EXPECT_EQ((*runs)[1].end, text.size());
}

TEST_F(TraceIndexTest, ATruncatedRoundLineIsCountedButNotKept) {
  std::string text = run_line(1) + round_line(1, 2, 3) + round_line(2, 4, 5);
  text.resize(text.size() - 10);  // a simulation killed mid-write
  auto runs = index_trace(write(text));
  ASSERT_TRUE(runs.is_ok()) << runs.message();
  EXPECT_EQ((*runs)[0].events, 3u);
  EXPECT_EQ((*runs)[0].rounds.size(), 1u);
}

TEST_F(TraceIndexTest, RoundsPastTheLimitAreCountedAsDroppedNotKept) {
  std::string text = run_line(1);
  for (int r = 1; r <= 5; ++r)
    text += round_line(r, r, r);
  TraceIndexLimits limits;
  limits.max_rounds_per_run = 3;
  auto runs = index_trace(write(text), limits);
  ASSERT_TRUE(runs.is_ok()) << runs.message();
  ASSERT_EQ((*runs)[0].rounds.size(), 3u);
  EXPECT_EQ((*runs)[0].rounds.back().round, 3u);
  EXPECT_EQ((*runs)[0].rounds_dropped, 2u);
  EXPECT_EQ((*runs)[0].events, 6u);
}

TEST_F(TraceIndexTest, IndexesAFileLargerThanItsReadBufferWithExactRanges) {
  // Over 4 MiB (one read), so lines straddle the reads.
  std::string text;
  std::vector<std::string> parts;
  for (int run = 0; run < 3; ++run) {
    std::string part = run_line(run);
    for (int i = 0; i < 25'000; ++i) {
      part += R"({"t":)" + std::to_string(i) + R"(.000,"ev":"send","from":)" +
              std::to_string(i % 97) + R"(,"to":3,"type":"syn","bytes":)" + std::to_string(i) +
              "}\n";
      if (i % 1000 == 0) part += round_line(i / 1000 + 1, i, i);
    }
    parts.push_back(part);
    text += part;
  }
  ASSERT_GT(text.size(), size_t{5} << 20);
  auto runs = index_trace(write(text));
  ASSERT_TRUE(runs.is_ok()) << runs.message();
  ASSERT_EQ(runs->size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(slice(text, (*runs)[i]), parts[i]) << "run " << i;
    EXPECT_EQ((*runs)[i].events, 1u + 25'000u + 25u);
    EXPECT_EQ((*runs)[i].rounds.size(), 25u);
  }
}

TEST_F(TraceIndexTest, ATraceTheSimulatorWroteHasOneRunPerModeAndItsRounds) {
  auto parsed = parse_sim_args({"--nodes", "30", "--compare", "push,pull", "--seed", "4"});
  ASSERT_TRUE(parsed.is_ok()) << parsed.message();
  ASSERT_TRUE(parsed->config.validate().is_ok());
  const fs::path path = dir_ / "sim.jsonl";
  SimRuns results;
  {
    std::ofstream out(path, std::ios::binary);
    sim::TraceSink sink(out);
    sim::RunOptions options;
    options.trace = &sink;
    results = run_simulations(parsed->config, 1, options, {});
  }
  ASSERT_EQ(results.gossip.size(), 2u);
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  auto runs = index_trace(path.string());
  ASSERT_TRUE(runs.is_ok()) << runs.message();
  ASSERT_EQ(runs->size(), 2u);
  uint64_t lines = 0;
  for (char c : text.str())
    lines += c == '\n';
  EXPECT_EQ((*runs)[0].events + (*runs)[1].events, lines);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ((*runs)[i].header["mode"], i == 0 ? "push" : "pull");
    EXPECT_EQ((*runs)[i].rounds.size(), results.gossip[i].per_round.size());
    EXPECT_EQ((*runs)[i].rounds.back().informed, results.gossip[i].per_round.back().informed);
  }
}

TEST_F(TraceIndexTest, AFileWhoseFirstLineIsNotARunLineIsNotATrace) {
  const std::string path = write(kSend + run_line(1));
  auto runs = index_trace(path);
  ASSERT_FALSE(runs.is_ok());
  EXPECT_EQ(runs.message(), path + ": not a rumor trace (its first line is not a \"run\" line)");
}

TEST_F(TraceIndexTest, AnEmptyFileIsNotATrace) {
  const std::string path = write("");
  auto runs = index_trace(path);
  ASSERT_FALSE(runs.is_ok());
  EXPECT_EQ(runs.message(), path + ": not a rumor trace (the file is empty)");
}

TEST_F(TraceIndexTest, ABinaryFileWithoutNewlinesIsNotATrace) {
  TraceIndexLimits limits;
  limits.max_line_bytes = 100;
  const std::string path = write(std::string(1000, '\x7f'));
  auto runs = index_trace(path, limits);
  ASSERT_FALSE(runs.is_ok());
  EXPECT_NE(runs.message().find("not a rumor trace"), std::string::npos) << runs.message();
}

TEST_F(TraceIndexTest, AMissingFileOrADirectoryIsAnErrorNamingIt) {
  const std::string missing = (dir_ / "nope.jsonl").string();
  auto runs = index_trace(missing);
  ASSERT_FALSE(runs.is_ok());
  EXPECT_EQ(runs.message(), missing + ": cannot read: No such file or directory");
  auto dir = index_trace(dir_.string());
  ASSERT_FALSE(dir.is_ok());
  EXPECT_EQ(dir.message(), dir_.string() + ": cannot read: it is a directory");
}

TEST_F(TraceIndexTest, ALineLongerThanTheLimitIsAnErrorNamingTheLine) {
  TraceIndexLimits limits;
  limits.max_line_bytes = 200;
  const std::string path = write(run_line(1) + kSend + "{\"ev\":\"send\",\"pad\":\"" +
                                 std::string(300, 'x') + "\"}\n" + kSend);
  auto runs = index_trace(path, limits);
  ASSERT_FALSE(runs.is_ok());
  EXPECT_EQ(runs.message(), path + ": line 3: longer than 200 bytes");
}

TEST_F(TraceIndexTest, ALineOfExactlyTheLimitIsAccepted) {
  TraceIndexLimits limits;
  limits.max_line_bytes = 200;
  std::string line = R"({"t":1.0,"ev":"send","pad":")";
  line += std::string(200 - line.size() - 2, 'x') + "\"}";
  ASSERT_EQ(line.size(), 200u);
  auto runs = index_trace(write(run_line(1) + line + "\n"), limits);
  ASSERT_TRUE(runs.is_ok()) << runs.message();
  EXPECT_EQ((*runs)[0].events, 2u);
}

TEST_F(TraceIndexTest, ARunLineThatIsNotAJsonObjectIsAnErrorNamingTheLine) {
  const std::string path = write(run_line(1) + kSend + "{\"ev\":\"run\", oops\n");
  auto runs = index_trace(path);
  ASSERT_FALSE(runs.is_ok());
  EXPECT_EQ(runs.message(), path + ": line 3: a \"run\" line that is not a JSON object");
}

TEST_F(TraceIndexTest, MoreRunsThanTheLimitIsAnError) {
  TraceIndexLimits limits;
  limits.max_runs = 2;
  const std::string path = write(run_line(1) + run_line(2) + run_line(3));
  auto runs = index_trace(path, limits);
  ASSERT_FALSE(runs.is_ok());
  EXPECT_EQ(runs.message(), path + ": line 3: more than 2 runs (the viewer's limit)");
}

}  // namespace
}  // namespace rumor::cli
