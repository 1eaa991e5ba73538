#include "agent/snapshot.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <tuple>
#include <vector>

namespace rumor::agent {
namespace {

namespace fs = std::filesystem;

#define ASSERT_OK(expr)                                \
  do {                                                 \
    const ::rumor::Status status_ = (expr);            \
    ASSERT_TRUE(status_.is_ok()) << status_.message(); \
  } while (0)

// A fresh directory per test, removed with everything in it when the test ends.
class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/rumor_snapshot_test_XXXXXX";
    const char* made = ::mkdtemp(pattern);
    RUMOR_ASSERT(made != nullptr, "mkdtemp failed");
    path_ = made;
  }
  ~TempDir() {
    std::error_code ignored;
    fs::permissions(path_, fs::perms::owner_all, fs::perm_options::add, ignored);
    fs::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void write_file(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
}

std::string crc_hex(std::string_view text) {
  const uLong crc =
      crc32(0, reinterpret_cast<const Bytef*>(text.data()), static_cast<uInt>(text.size()));
  char hex[9];
  std::snprintf(hex, sizeof hex, "%08lx", crc);
  return hex;
}

// A well-formed snapshot line for JSON, computed independently of the code under test.
std::string line(std::string_view json) {
  return crc_hex(json) + " " + std::string(json) + "\n";
}

std::unique_ptr<Snapshot> open_ok(const std::string& path, SnapshotLimits limits = {}) {
  Result<std::unique_ptr<Snapshot>> opened = Snapshot::open(path, limits);
  EXPECT_TRUE(opened.is_ok()) << opened.message();
  if (!opened) return nullptr;
  return std::move(*opened);
}

// What a restarted agent acts on; the replay counters are checked separately.
using Membership = std::tuple<uint32_t, bool, std::map<std::string, std::string>>;
Membership membership(const SnapshotState& s) {
  return {s.incarnation, s.left, s.alive};
}

std::string addr_for(int i) {
  return "10.0." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1) + ":7946";
}

// Churn over a few members, so the log is far longer than the state it describes.
void churn(Snapshot& snap, int ops, int members) {
  for (int i = 0; i < ops; ++i) {
    const std::string name = "member-" + std::to_string(i % members);
    const Status s = i % 3 == 2 ? snap.not_alive(name) : snap.alive(name, addr_for(i));
    ASSERT_TRUE(s.is_ok()) << s.message();
  }
}

TEST(Snapshot, OpenCreatesAMissingFileWithEmptyState) {
  TempDir dir;
  const std::string path = dir.file("snapshot");
  auto snap = open_ok(path);
  ASSERT_NE(snap, nullptr);
  EXPECT_TRUE(fs::is_regular_file(path));
  EXPECT_EQ(fs::file_size(path), 0u);
  EXPECT_EQ(membership(snap->state()), Membership(0, false, {}));
  EXPECT_EQ(snap->state().records, 0u);
  EXPECT_EQ(snap->state().skipped, 0u);
  EXPECT_FALSE(snap->state().torn_tail);
}

TEST(Snapshot, WritesOneChecksummedJsonLinePerRecord) {
  TempDir dir;
  const std::string path = dir.file("snapshot");
  auto snap = open_ok(path);
  ASSERT_NE(snap, nullptr);
  ASSERT_OK(snap->alive("web-1", "10.0.0.7:7946"));
  ASSERT_OK(snap->incarnation(12));
  ASSERT_OK(snap->not_alive("web-1"));
  ASSERT_OK(snap->leave());
  ASSERT_OK(snap->start());
  EXPECT_EQ(read_file(path), line(R"({"t":"alive","name":"web-1","addr":"10.0.0.7:7946"})") +
                                 line(R"({"t":"incarnation","n":12})") +
                                 line(R"({"t":"not-alive","name":"web-1"})") +
                                 line(R"({"t":"leave"})") + line(R"({"t":"start"})"));
  // The CRC is zlib's crc32 (the one `python3 -c 'import zlib'` gives), lowercase hex.
  EXPECT_EQ(line(R"({"t":"leave"})"), "9a6f4696 {\"t\":\"leave\"}\n");
  EXPECT_EQ(snap->file_bytes(), fs::file_size(path));
}

TEST(Snapshot, ReplayRestoresTheStateTheAppendsBuilt) {
  TempDir dir;
  const std::string path = dir.file("snapshot");
  Membership built;
  {
    auto snap = open_ok(path);
    ASSERT_NE(snap, nullptr);
    ASSERT_OK(snap->start());
    ASSERT_OK(snap->alive("a", "10.0.0.1:7946"));
    ASSERT_OK(snap->alive("b", "[::1]:7946"));
    ASSERT_OK(snap->alive("c", "10.0.0.3:7946"));
    ASSERT_OK(snap->alive("a", "10.0.0.9:8000"));
    ASSERT_OK(snap->not_alive("c"));
    ASSERT_OK(snap->incarnation(7));
    ASSERT_OK(snap->sync());
    built = membership(snap->state());
    EXPECT_EQ(built, Membership(7, false, {{"a", "10.0.0.9:8000"}, {"b", "[::1]:7946"}}));
  }
  auto again = open_ok(path);
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(membership(again->state()), built);
  EXPECT_EQ(again->state().records, 7u);
  EXPECT_EQ(again->state().skipped, 0u);
  EXPECT_FALSE(again->state().torn_tail);
}

TEST(Snapshot, NamesWithNewlinesQuotesAndNonAsciiRoundTrip) {
  TempDir dir;
  const std::string path = dir.file("snapshot");
  const std::vector<std::string> names = {"two\nlines", "a \"quoted\" \\ name",
                                          "n\u0153ud-\u00e9t\u00e9", std::string("nul\0byte", 8),
                                          "tab\there"};
  {
    auto snap = open_ok(path);
    ASSERT_NE(snap, nullptr);
    for (const std::string& name : names)
      ASSERT_OK(snap->alive(name, "10.0.0.1:7946"));
  }
  // JSON escapes every control character, so each record stays on its own line.
  const std::string bytes = read_file(path);
  EXPECT_EQ(static_cast<size_t>(std::count(bytes.begin(), bytes.end(), '\n')), names.size());
  auto snap = open_ok(path);
  ASSERT_NE(snap, nullptr);
  EXPECT_EQ(snap->state().skipped, 0u);
  ASSERT_EQ(snap->state().alive.size(), names.size());
  for (const std::string& name : names)
    EXPECT_EQ(snap->state().alive.count(name), 1u) << name;
}

TEST(Snapshot, TornLastRecordIsSkippedAndCutOffAtEveryByteOffset) {
  struct LastRecord {
    std::string what;
    std::function<Status(Snapshot&)> append;
  };
  const std::vector<LastRecord> lasts = {
      {"alive", [](Snapshot& s) { return s.alive("d", "[2001:db8::4]:7946"); }},
      {"not-alive", [](Snapshot& s) { return s.not_alive("a"); }},
      {"incarnation", [](Snapshot& s) { return s.incarnation(9); }},
      {"leave", [](Snapshot& s) { return s.leave(); }},
  };
  TempDir dir;
  const std::string path = dir.file("snapshot");
  for (const LastRecord& last : lasts) {
    fs::remove(path);
    std::string before_bytes;
    Membership before;
    Membership after;
    {
      auto snap = open_ok(path);
      ASSERT_NE(snap, nullptr);
      ASSERT_OK(snap->alive("a", "10.0.0.1:7946"));
      ASSERT_OK(snap->alive("b", "10.0.0.2:7946"));
      ASSERT_OK(snap->incarnation(2));
      before = membership(snap->state());
      before_bytes = read_file(path);
      ASSERT_OK(last.append(*snap));
      after = membership(snap->state());
    }
    const std::string full = read_file(path);
    ASSERT_GT(full.size(), before_bytes.size());
    for (size_t cut = before_bytes.size(); cut <= full.size(); ++cut) {
      SCOPED_TRACE(last.what + " record cut after " + std::to_string(cut) + " bytes");
      const bool whole = cut == full.size();
      const std::string kept = whole ? full : before_bytes;
      write_file(path, full.substr(0, cut));
      {
        auto snap = open_ok(path);
        ASSERT_NE(snap, nullptr);
        EXPECT_EQ(membership(snap->state()), whole ? after : before);
        EXPECT_EQ(snap->state().torn_tail, cut != before_bytes.size() && !whole);
        EXPECT_EQ(snap->state().skipped, 0u);
        EXPECT_EQ(snap->file_bytes(), kept.size());
        EXPECT_EQ(read_file(path), kept);
        ASSERT_OK(snap->alive("z", "10.0.0.26:7946"));
      }
      auto reopened = open_ok(path);
      ASSERT_NE(reopened, nullptr);
      Membership expected = whole ? after : before;
      std::get<2>(expected)["z"] = "10.0.0.26:7946";
      EXPECT_EQ(membership(reopened->state()), expected);
      EXPECT_FALSE(reopened->state().torn_tail);
      EXPECT_EQ(reopened->state().skipped, 0u);
      EXPECT_EQ(read_file(path),
                kept + line(R"({"t":"alive","name":"z","addr":"10.0.0.26:7946"})"));
    }
  }
}

TEST(Snapshot, CorruptMiddleRecordIsSkippedAndCountedAndTheRestRead) {
  TempDir dir;
  const std::string path = dir.file("snapshot");
  {
    auto snap = open_ok(path);
    ASSERT_NE(snap, nullptr);
    for (const char* name : {"a", "b", "c", "d"})
      ASSERT_OK(snap->alive(name, "10.0.0.1:7946"));
  }
  std::string bytes = read_file(path);
  const size_t b = bytes.find("\"name\":\"b\"");
  ASSERT_NE(b, std::string::npos);
  bytes[b + 8] = 'x';  // the name b becomes x, and the checksum no longer matches
  const size_t c = bytes.find("\"name\":\"c\"");
  ASSERT_NE(c, std::string::npos);
  const size_t c_start = bytes.rfind('\n', c) + 1;
  bytes[c_start] = bytes[c_start] == '0' ? '1' : '0';  // damage the checksum itself
  write_file(path, bytes);

  auto snap = open_ok(path);
  ASSERT_NE(snap, nullptr);
  EXPECT_EQ(snap->state().alive,
            (std::map<std::string, std::string>{{"a", "10.0.0.1:7946"}, {"d", "10.0.0.1:7946"}}));
  EXPECT_EQ(snap->state().records, 2u);
  EXPECT_EQ(snap->state().skipped, 2u);
  EXPECT_FALSE(snap->state().torn_tail);
  EXPECT_EQ(read_file(path), bytes);  // replay never rewrites what it skips
}

TEST(Snapshot, DamagedLinesOfEveryKindAreSkippedAndCounted) {
  const std::string good = R"({"t":"alive","name":"x","addr":"10.0.0.1:7946"})";
  std::string upper = line(good);
  for (size_t i = 0; i < 8; ++i)
    upper[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(upper[i])));
  ASSERT_NE(upper, line(good)) << "pick a record whose checksum has a hex letter";
  const std::vector<std::string> bad = {
      "\n",
      "not a record\n",
      upper,
      crc_hex(good) + good + "\n",         // no space
      crc_hex(good) + "  " + good + "\n",  // two spaces: the checksum covers the JSON only
      line("not json"),
      line("[1,2]"),
      line(R"({"name":"x"})"),
      line(R"({"t":7})"),
      line(R"({"t":"alive","name":"x"})"),
      line(R"({"t":"alive","name":"","addr":"10.0.0.1:7946"})"),
      line(R"({"t":"alive","name":7,"addr":"10.0.0.1:7946"})"),
      line(R"({"t":"alive","name":"x","addr":"nowhere"})"),
      line(R"({"t":"alive","name":"x","addr":"10.0.0.1:0"})"),
      line(R"({"t":"alive","name":"x","addr":"::1:7946"})"),
      line(R"({"t":"not-alive"})"),
      line(R"({"t":"incarnation","n":-1})"),
      line(R"({"t":"incarnation","n":4294967296})"),
      line(R"({"t":"incarnation","n":1.5})"),
      line(R"({"t":"incarnation","n":"3"})"),
      line("{\"t\":\"alive\",\"name\":\"\xff\",\"addr\":\"10.0.0.1:7946\"}"),  // not UTF-8
  };
  std::string bytes = line(R"({"t":"alive","name":"a","addr":"10.0.0.1:7946"})");
  for (const std::string& b : bad)
    bytes += b;
  bytes += line(R"({"t":"incarnation","n":4294967295})");
  bytes += line(R"({"t":"alive","name":"b","addr":"[fe80::1]:65535"})");
  TempDir dir;
  const std::string path = dir.file("snapshot");
  write_file(path, bytes);

  auto snap = open_ok(path);
  ASSERT_NE(snap, nullptr);
  EXPECT_EQ(membership(snap->state()),
            Membership(4294967295u, false, {{"a", "10.0.0.1:7946"}, {"b", "[fe80::1]:65535"}}));
  EXPECT_EQ(snap->state().records, 3u);
  EXPECT_EQ(snap->state().skipped, bad.size());
  EXPECT_FALSE(snap->state().torn_tail);
}

TEST(Snapshot, UnknownRecordTypeIsSkippedButUnknownFieldsAreIgnored) {
  TempDir dir;
  const std::string path = dir.file("snapshot");
  const std::string bytes =
      line(R"({"t":"alive","name":"a","addr":"10.0.0.1:7946"})") +
      line(R"({"t":"coordinate","name":"a","vec":[0.1,0.2]})") +
      line(R"({"t":"alive","name":"b","addr":"10.0.0.2:7946","tags":{"role":"db"}})");
  write_file(path, bytes);
  auto snap = open_ok(path);
  ASSERT_NE(snap, nullptr);
  EXPECT_EQ(snap->state().alive,
            (std::map<std::string, std::string>{{"a", "10.0.0.1:7946"}, {"b", "10.0.0.2:7946"}}));
  EXPECT_EQ(snap->state().records, 2u);
  EXPECT_EQ(snap->state().skipped, 1u);
  ASSERT_OK(snap->alive("c", "10.0.0.3:7946"));
  EXPECT_EQ(read_file(path), bytes + line(R"({"t":"alive","name":"c","addr":"10.0.0.3:7946"})"));
}

TEST(Snapshot, IncarnationOnlyGrows) {
  TempDir dir;
  const std::string path = dir.file("snapshot");
  {
    auto snap = open_ok(path);
    ASSERT_NE(snap, nullptr);
    ASSERT_OK(snap->incarnation(0));
    EXPECT_EQ(fs::file_size(path), 0u);
    ASSERT_OK(snap->incarnation(5));
    const auto size = fs::file_size(path);
    ASSERT_OK(snap->incarnation(3));
    ASSERT_OK(snap->incarnation(5));
    EXPECT_EQ(fs::file_size(path), size);
    EXPECT_EQ(snap->state().incarnation, 5u);
    ASSERT_OK(snap->incarnation(6));
    EXPECT_EQ(snap->state().incarnation, 6u);
  }
  // A file that records a lower incarnation after a higher one (written by hand, or by an older
  // agent) still replays to the highest.
  write_file(path, read_file(path) + line(R"({"t":"incarnation","n":2})"));
  auto snap = open_ok(path);
  ASSERT_NE(snap, nullptr);
  EXPECT_EQ(snap->state().incarnation, 6u);
}

TEST(Snapshot, UnchangedMembersAreNotWrittenAgain) {
  TempDir dir;
  const std::string path = dir.file("snapshot");
  auto snap = open_ok(path);
  ASSERT_NE(snap, nullptr);
  ASSERT_OK(snap->not_alive("nobody"));
  EXPECT_EQ(fs::file_size(path), 0u);
  ASSERT_OK(snap->alive("a", "10.0.0.1:7946"));
  const auto size = fs::file_size(path);
  ASSERT_OK(snap->alive("a", "10.0.0.1:7946"));
  EXPECT_EQ(fs::file_size(path), size);
  ASSERT_OK(snap->alive("a", "10.0.0.2:7946"));  // a new address is a change
  EXPECT_GT(fs::file_size(path), size);
  ASSERT_OK(snap->not_alive("a"));
  const auto gone = fs::file_size(path);
  ASSERT_OK(snap->not_alive("a"));
  EXPECT_EQ(fs::file_size(path), gone);
  EXPECT_TRUE(snap->state().alive.empty());
}

TEST(Snapshot, LeaveIsRememberedUntilTheNextStart) {
  TempDir dir;
  const std::string path = dir.file("snapshot");
  {
    auto snap = open_ok(path);
    ASSERT_NE(snap, nullptr);
    ASSERT_OK(snap->start());
    ASSERT_OK(snap->alive("a", "10.0.0.1:7946"));
    ASSERT_OK(snap->leave());
    EXPECT_TRUE(snap->state().left);
  }
  {
    auto snap = open_ok(path);
    ASSERT_NE(snap, nullptr);
    EXPECT_TRUE(snap->state().left);
    EXPECT_EQ(snap->state().alive.size(), 1u);  // kept, for an explicit rejoin
    ASSERT_OK(snap->start());
    EXPECT_FALSE(snap->state().left);
  }
  auto snap = open_ok(path);
  ASSERT_NE(snap, nullptr);
  EXPECT_FALSE(snap->state().left);
}

TEST(Snapshot, CompactionKeepsTheStateIdenticalAndShrinksTheFile) {
  for (const bool left : {false, true}) {
    SCOPED_TRACE(left ? "after leave" : "running");
    TempDir dir;
    const std::string path = dir.file("snapshot");
    Membership built;
    {
      auto snap = open_ok(path);
      ASSERT_NE(snap, nullptr);
      churn(*snap, 600, 10);
      ASSERT_OK(snap->incarnation(41));
      if (left) ASSERT_OK(snap->leave());
      built = membership(snap->state());
      const auto before = fs::file_size(path);
      ASSERT_OK(snap->compact());
      EXPECT_EQ(membership(snap->state()), built);
      EXPECT_LT(fs::file_size(path) * 10, before);
      EXPECT_EQ(snap->file_bytes(), fs::file_size(path));
      EXPECT_EQ(snap->compactions(), 1u);
      ASSERT_OK(snap->alive("after", "10.0.0.99:7946"));  // appends go to the new file
      std::get<2>(built)["after"] = "10.0.0.99:7946";
    }
    EXPECT_FALSE(fs::exists(path + ".tmp"));
    auto snap = open_ok(path);
    ASSERT_NE(snap, nullptr);
    EXPECT_EQ(membership(snap->state()), built);
    EXPECT_EQ(snap->state().skipped, 0u);
    // One lifecycle record, the incarnation, then the members.
    EXPECT_EQ(snap->state().records, 2 + std::get<2>(built).size());
  }
}

TEST(Snapshot, FileIsCompactedAutomaticallyWhenItPassesMaxBytes) {
  TempDir dir;
  const std::string path = dir.file("snapshot");
  SnapshotLimits limits;
  limits.max_bytes = 2048;
  Membership built;
  {
    auto snap = open_ok(path, limits);
    ASSERT_NE(snap, nullptr);
    for (int i = 0; i < 2000; ++i) {
      ASSERT_OK(snap->alive("member-" + std::to_string(i % 7), addr_for(i)));
      if (i % 5 == 0) ASSERT_OK(snap->not_alive("member-" + std::to_string((i + 3) % 7)));
      ASSERT_LE(fs::file_size(path), limits.max_bytes + 128) << "after " << i << " rounds";
    }
    EXPECT_GT(snap->compactions(), 10u);
    EXPECT_EQ(snap->file_bytes(), fs::file_size(path));
    built = membership(snap->state());
  }
  auto snap = open_ok(path, limits);
  ASSERT_NE(snap, nullptr);
  EXPECT_EQ(membership(snap->state()), built);
  EXPECT_EQ(snap->state().skipped, 0u);
}

TEST(Snapshot, CompactionThresholdGrowsWhenTheStateItselfIsLarge) {
  TempDir dir;
  const std::string path = dir.file("snapshot");
  SnapshotLimits limits;
  limits.max_bytes = 1024;
  auto snap = open_ok(path, limits);
  ASSERT_NE(snap, nullptr);
  // About 2.4 KB of members: even compacted, the state is over max_bytes.
  for (int i = 0; i < 40; ++i)
    ASSERT_OK(snap->alive("member-" + std::to_string(i), addr_for(i)));
  const size_t after_growth = snap->compactions();
  for (int i = 0; i < 400; ++i)
    ASSERT_OK(snap->alive("member-0", addr_for(1000 + i)));
  // Each compaction leaves ~2.4 KB and waits for twice that: ~10 compactions for 400 appends of
  // ~60 bytes, not one per append.
  EXPECT_LE(snap->compactions() - after_growth, 15u);
  EXPECT_GE(snap->compactions() - after_growth, 5u);
  const Membership built = membership(snap->state());
  snap.reset();
  auto again = open_ok(path, limits);
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(membership(again->state()), built);
}

TEST(Snapshot, StaleTempFileFromACrashedCompactionIsIgnoredAndReplaced) {
  TempDir dir;
  const std::string path = dir.file("snapshot");
  const std::string tmp = path + ".tmp";
  write_file(path, line(R"({"t":"alive","name":"a","addr":"10.0.0.1:7946"})"));
  // A compaction that died before its rename: a half-written PATH.tmp next to a whole PATH.
  write_file(tmp, line(R"({"t":"alive","name":"ghost","addr":"10.0.0.66:7946"})") + "4a1b {\"t");
  {
    auto snap = open_ok(path);
    ASSERT_NE(snap, nullptr);
    EXPECT_EQ(snap->state().alive, (std::map<std::string, std::string>{{"a", "10.0.0.1:7946"}}));
    EXPECT_FALSE(fs::exists(tmp));

    // A PATH.tmp appearing later, even a symlink, is replaced and not written through.
    const std::string victim = dir.file("victim");
    write_file(victim, "keep me\n");
    fs::create_symlink(victim, tmp);
    ASSERT_OK(snap->compact());
    EXPECT_EQ(read_file(victim), "keep me\n");
    EXPECT_FALSE(fs::exists(tmp));
    EXPECT_TRUE(fs::is_regular_file(fs::symlink_status(path)));
  }
  auto snap = open_ok(path);
  ASSERT_NE(snap, nullptr);
  EXPECT_EQ(snap->state().alive, (std::map<std::string, std::string>{{"a", "10.0.0.1:7946"}}));
  EXPECT_EQ(snap->state().skipped, 0u);
}

TEST(Snapshot, CompactionKeepsTheFileMode) {
  TempDir dir;
  const std::string path = dir.file("snapshot");
  auto snap = open_ok(path);
  ASSERT_NE(snap, nullptr);
  ASSERT_OK(snap->alive("a", "10.0.0.1:7946"));
  fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write);
  ASSERT_OK(snap->compact());
  EXPECT_EQ(fs::status(path).permissions(), fs::perms::owner_read | fs::perms::owner_write);
}

// "{"t":"alive","name":"<n x's>","addr":"10.0.0.1:7946"}" as a line of exactly BYTES bytes
// (without its '\n').
std::string alive_json_of_line_length(size_t bytes) {
  const std::string empty = R"({"t":"alive","name":"","addr":"10.0.0.1:7946"})";
  const size_t fixed = 9 + empty.size();
  RUMOR_ASSERT(bytes > fixed, "line too short for a name");
  return R"({"t":"alive","name":")" + std::string(bytes - fixed, 'x') +
         R"(","addr":"10.0.0.1:7946"})";
}

TEST(Snapshot, OverlongLineIsSkippedAndCountedWithoutStoppingReplay) {
  TempDir dir;
  const std::string path = dir.file("snapshot");
  SnapshotLimits limits;
  limits.max_line_bytes = 128;
  const std::string at_limit = alive_json_of_line_length(128);
  const std::string over_limit = alive_json_of_line_length(129);
  ASSERT_EQ(line(at_limit).size(), 129u);
  // Longer than one read chunk, so the skipping spans chunk boundaries.
  const std::string huge = alive_json_of_line_length(size_t{200} * 1024);
  write_file(path, line(R"({"t":"alive","name":"a","addr":"10.0.0.1:7946"})") + line(huge) +
                       line(over_limit) + line(at_limit) +
                       line(R"({"t":"alive","name":"b","addr":"10.0.0.2:7946"})"));
  auto snap = open_ok(path, limits);
  ASSERT_NE(snap, nullptr);
  EXPECT_EQ(snap->state().alive.size(), 3u);
  EXPECT_EQ(snap->state().alive.count("a"), 1u);
  EXPECT_EQ(snap->state().alive.count("b"), 1u);
  EXPECT_EQ(snap->state().records, 3u);
  EXPECT_EQ(snap->state().skipped, 2u);
  EXPECT_FALSE(snap->state().torn_tail);
}

TEST(Snapshot, OverlongTornLastLineIsCutOff) {
  TempDir dir;
  const std::string path = dir.file("snapshot");
  SnapshotLimits limits;
  limits.max_line_bytes = 128;
  const std::string good = line(R"({"t":"alive","name":"a","addr":"10.0.0.1:7946"})");
  write_file(path, good + std::string(100000, 'y'));
  auto snap = open_ok(path, limits);
  ASSERT_NE(snap, nullptr);
  EXPECT_TRUE(snap->state().torn_tail);
  EXPECT_EQ(snap->state().skipped, 0u);
  EXPECT_EQ(read_file(path), good);
}

TEST(Snapshot, AppendOverTheLineLimitIsRefusedWithoutWriting) {
  TempDir dir;
  const std::string path = dir.file("snapshot");
  SnapshotLimits limits;
  limits.max_line_bytes = 128;
  auto snap = open_ok(path, limits);
  ASSERT_NE(snap, nullptr);
  const Status s = snap->alive(std::string(200, 'n'), "10.0.0.1:7946");
  ASSERT_FALSE(s.is_ok());
  EXPECT_NE(s.message().find("over max_line_bytes 128"), std::string::npos) << s.message();
  EXPECT_EQ(s.message().rfind("snapshot " + path + ": member \"nnn", 0), 0u) << s.message();
  EXPECT_EQ(fs::file_size(path), 0u);
  EXPECT_TRUE(snap->state().alive.empty());
}

TEST(Snapshot, InvalidMembersAreRefusedWithoutWriting) {
  TempDir dir;
  const std::string path = dir.file("snapshot");
  auto snap = open_ok(path);
  ASSERT_NE(snap, nullptr);
  for (const char* addr : {"", "10.0.0.1", "10.0.0.1:", "10.0.0.1:0", "10.0.0.1:65536",
                           "10.0.0.1:07946", "10.0.0.1:79x6", "::1:7946", "[::1]",
                           "[10.0.0.1]:7946", "web-1:7946", "10.0.0.256:7946", ":7946"}) {
    const Status s = snap->alive("a", addr);
    EXPECT_FALSE(s.is_ok()) << addr;
    EXPECT_NE(s.message().find("is not ip:port"), std::string::npos) << s.message();
  }
  const Status empty = snap->alive("", "10.0.0.1:7946");
  EXPECT_EQ(empty.message(), "snapshot " + path + ": member name is empty");
  const Status not_utf8 = snap->alive("bad\xff", "10.0.0.1:7946");
  EXPECT_NE(not_utf8.message().find("not valid UTF-8"), std::string::npos) << not_utf8.message();
  EXPECT_EQ(fs::file_size(path), 0u);
  EXPECT_TRUE(snap->state().alive.empty());
}

TEST(Snapshot, OpenOnADirectoryGivesAClearError) {
  TempDir dir;
  auto opened = Snapshot::open(dir.path());
  ASSERT_FALSE(opened.is_ok());
  EXPECT_EQ(opened.message(), "snapshot " + dir.path() + ": cannot open: Is a directory");
}

TEST(Snapshot, OpenInAMissingDirectoryGivesAClearError) {
  TempDir dir;
  const std::string path = dir.file("missing/snapshot");
  auto opened = Snapshot::open(path);
  ASSERT_FALSE(opened.is_ok());
  EXPECT_EQ(opened.message(), "snapshot " + path +
                                  ": cannot open: No such file or directory (its directory must "
                                  "exist)");
}

TEST(Snapshot, OpenBelowARegularFileGivesAClearError) {
  TempDir dir;
  write_file(dir.file("file"), "");
  const std::string path = dir.file("file/snapshot");
  auto opened = Snapshot::open(path);
  ASSERT_FALSE(opened.is_ok());
  EXPECT_EQ(opened.message(), "snapshot " + path + ": cannot open: Not a directory");
}

TEST(Snapshot, OpenOnAFifoSaysNotARegularFile) {
  TempDir dir;
  const std::string path = dir.file("fifo");
  ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
  auto opened = Snapshot::open(path);
  ASSERT_FALSE(opened.is_ok());
  EXPECT_EQ(opened.message(), "snapshot " + path + ": not a regular file");
}

TEST(Snapshot, OpenOnAnUnwritableFileGivesPermissionDenied) {
  if (::geteuid() == 0) GTEST_SKIP() << "root may write any file";
  TempDir dir;
  const std::string path = dir.file("snapshot");
  write_file(path, "");
  fs::permissions(path, fs::perms::owner_read);
  auto opened = Snapshot::open(path);
  ASSERT_FALSE(opened.is_ok());
  EXPECT_EQ(opened.message(), "snapshot " + path + ": cannot open: Permission denied");
}

TEST(Snapshot, BadLimitsAreRefused) {
  TempDir dir;
  const std::string path = dir.file("snapshot");
  SnapshotLimits tiny_lines;
  tiny_lines.max_line_bytes = 10;
  auto opened = Snapshot::open(path, tiny_lines);
  ASSERT_FALSE(opened.is_ok());
  EXPECT_EQ(opened.message(), "snapshot " + path + ": max_line_bytes must be at least 64, got 10");
  SnapshotLimits no_bytes;
  no_bytes.max_bytes = 0;
  EXPECT_FALSE(Snapshot::open(path, no_bytes).is_ok());
  EXPECT_EQ(Snapshot::open("").message(), "snapshot: the path is empty");
}

TEST(Snapshot, MaxMembersIsHonoredOnReplayAndAppend) {
  TempDir dir;
  const std::string path = dir.file("snapshot");
  {
    auto snap = open_ok(path);
    ASSERT_NE(snap, nullptr);
    for (const char* name : {"a", "b", "c"})
      ASSERT_OK(snap->alive(name, "10.0.0.1:7946"));
  }
  SnapshotLimits limits;
  limits.max_members = 2;
  {
    auto snap = open_ok(path, limits);
    ASSERT_NE(snap, nullptr);
    EXPECT_EQ(snap->state().alive.size(), 2u);
    EXPECT_EQ(snap->state().alive.count("c"), 0u);
    EXPECT_EQ(snap->state().skipped, 1u);

    // Full: a new member is dropped and counted, an update of a known one still goes through.
    const auto size = fs::file_size(path);
    ASSERT_OK(snap->alive("d", "10.0.0.4:7946"));
    EXPECT_EQ(snap->state().dropped, 1u);
    EXPECT_EQ(fs::file_size(path), size);
    ASSERT_OK(snap->alive("a", "10.0.0.2:7946"));
    EXPECT_EQ(snap->state().alive.at("a"), "10.0.0.2:7946");

    // A member leaving frees a place.
    ASSERT_OK(snap->not_alive("b"));
    ASSERT_OK(snap->alive("d", "10.0.0.4:7946"));
    EXPECT_EQ(snap->state().alive.count("d"), 1u);
    EXPECT_EQ(snap->state().dropped, 1u);
  }
  auto snap = open_ok(path, limits);
  ASSERT_NE(snap, nullptr);
  EXPECT_EQ(snap->state().alive,
            (std::map<std::string, std::string>{{"a", "10.0.0.2:7946"}, {"d", "10.0.0.4:7946"}}));
}

// A write that fails part-way (here: the file size limit, as a full disk would) must not leave a
// partial record for the next append to glue itself onto.
TEST(Snapshot, FailedAppendIsCutOffSoNoTornLineRemains) {
  TempDir dir;
  const std::string path = dir.file("snapshot");
  auto snap = open_ok(path);
  ASSERT_NE(snap, nullptr);
  ASSERT_OK(snap->alive("a", "10.0.0.1:7946"));
  const std::string before = read_file(path);

  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &saved), 0);
  rlimit limited = saved;
  limited.rlim_cur = before.size() + 10;
  const auto old_handler = ::signal(SIGXFSZ, SIG_IGN);
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &limited), 0);
  const Status failed = snap->alive("b", "10.0.0.2:7946");
  const auto size_after_failure = fs::file_size(path);
  ::setrlimit(RLIMIT_FSIZE, &saved);
  ::signal(SIGXFSZ, old_handler);

  ASSERT_FALSE(failed.is_ok());
  EXPECT_EQ(failed.message(), "snapshot " + path + ": cannot append: File too large");
  EXPECT_EQ(size_after_failure, before.size());
  EXPECT_EQ(snap->state().alive.count("b"), 0u);
  ASSERT_OK(snap->alive("c", "10.0.0.3:7946"));
  snap.reset();
  auto again = open_ok(path);
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(again->state().alive,
            (std::map<std::string, std::string>{{"a", "10.0.0.1:7946"}, {"c", "10.0.0.3:7946"}}));
  EXPECT_EQ(again->state().skipped, 0u);
  EXPECT_FALSE(again->state().torn_tail);
}

}  // namespace
}  // namespace rumor::agent
