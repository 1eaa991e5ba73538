#include "cli/trace_index.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string_view>

namespace rumor::cli {
namespace {

using nlohmann::json;

// Bytes asked of the file per read.
constexpr size_t kReadBytes = size_t{4} << 20;

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r';
}

bool is_blank(std::string_view line) {
  return std::all_of(line.begin(), line.end(), is_space);
}

// The string value of the line's first "ev" key, without parsing the line: the trace writer puts
// it second, after "t", so the scan ends a few bytes in. A quote inside a JSON string is always
// escaped, so `"ev"` followed by a colon is a key, never part of a value. Empty if there is none.
std::string_view event_kind(std::string_view line) {
  for (size_t at = line.find("\"ev\""); at != std::string_view::npos;
       at = line.find("\"ev\"", at + 4)) {
    size_t i = at + 4;
    while (i < line.size() && is_space(line[i]))
      ++i;
    if (i >= line.size() || line[i] != ':') continue;
    ++i;
    while (i < line.size() && is_space(line[i]))
      ++i;
    if (i >= line.size() || line[i] != '"') return {};
    const size_t close = line.find('"', i + 1);
    if (close == std::string_view::npos) return {};
    return line.substr(i + 1, close - i - 1);
  }
  return {};
}

// A round line's point, or false if the line is not a complete round object (a truncated line).
bool parse_round(std::string_view line, RoundPoint& p) {
  const json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return false;
  const auto t = j.find("t");
  const auto round = j.find("round");
  const auto informed = j.find("informed");
  const auto messages = j.find("messages");
  if (t == j.end() || !t->is_number() || round == j.end() || !round->is_number_unsigned() ||
      informed == j.end() || !informed->is_number_unsigned() || messages == j.end() ||
      !messages->is_number_unsigned()) {
    return false;
  }
  p.t_ms = t->get<double>();
  p.round = round->get<uint64_t>();
  p.informed = informed->get<uint64_t>();
  p.messages = messages->get<uint64_t>();
  return true;
}

// The state of one pass: the runs found so far and the checks each line goes through.
class Indexer {
 public:
  Indexer(const std::string& path, const TraceIndexLimits& limits) : path_(path), limits_(limits) {}

  // Line `line_no` (from 1), at byte `begin`, without its newline.
  Status line(uint64_t line_no, uint64_t begin, std::string_view text) {
    const std::string_view kind = event_kind(text);
    if (kind == "run") return run_line(line_no, begin, text);
    if (runs_.empty()) return not_a_trace();
    if (is_blank(text)) return Status::ok();
    IndexedRun& run = runs_.back();
    ++run.events;
    if (kind == "round") {
      RoundPoint p;
      if (!parse_round(text, p)) return Status::ok();
      if (run.rounds.size() < limits_.max_rounds_per_run) {
        run.rounds.push_back(p);
      } else {
        ++run.rounds_dropped;
      }
    }
    return Status::ok();
  }

  Status not_a_trace() const {
    return Status::error(path_ + ": not a rumor trace (its first line is not a \"run\" line)");
  }

  Result<std::vector<IndexedRun>> finish(uint64_t file_bytes) {
    if (runs_.empty()) return Status::error(path_ + ": not a rumor trace (the file is empty)");
    runs_.back().end = file_bytes;
    return std::move(runs_);
  }

 private:
  Status run_line(uint64_t line_no, uint64_t begin, std::string_view text) {
    if (runs_.empty() && line_no != 1) return not_a_trace();
    if (runs_.size() >= limits_.max_runs) {
      return Status::error(path_ + ": line " + std::to_string(line_no) + ": more than " +
                           std::to_string(limits_.max_runs) + " runs (the viewer's limit)");
    }
    json header = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!header.is_object()) {
      return Status::error(path_ + ": line " + std::to_string(line_no) +
                           ": a \"run\" line that is not a JSON object");
    }
    if (!runs_.empty()) runs_.back().end = begin;
    IndexedRun& run = runs_.emplace_back();
    run.begin = begin;
    run.events = 1;
    run.header = std::move(header);
    return Status::ok();
  }

  const std::string& path_;
  const TraceIndexLimits& limits_;
  std::vector<IndexedRun> runs_;
};

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

}  // namespace

Result<std::vector<IndexedRun>> index_trace(const std::string& path,
                                            const TraceIndexLimits& limits) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return Status::error(path + ": cannot read: " + std::strerror(errno));
  }
  if (S_ISDIR(st.st_mode)) return Status::error(path + ": cannot read: it is a directory");
  std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
  if (!file) return Status::error(path + ": cannot read: " + std::strerror(errno));

  Indexer indexer(path, limits);
  // A line is at most max_line_bytes, so after moving a partial line to the front there is
  // always room for a whole read behind it.
  std::vector<char> buf(kReadBytes + limits.max_line_bytes + 1);
  size_t head = 0;      // the first byte of the current line
  size_t tail = 0;      // one past the last byte read
  uint64_t offset = 0;  // the file offset of buf[head]
  uint64_t line_no = 0;
  bool eof = false;
  const auto too_long = [&](uint64_t n) {
    if (n == 1) return indexer.not_a_trace();
    return Status::error(path + ": line " + std::to_string(n) + ": longer than " +
                         std::to_string(limits.max_line_bytes) + " bytes");
  };
  for (;;) {
    const auto* nl = static_cast<const char*>(std::memchr(buf.data() + head, '\n', tail - head));
    if (nl == nullptr) {
      if (tail - head > limits.max_line_bytes) return too_long(line_no + 1);
      if (eof) {
        if (tail > head) {
          if (Status s = indexer.line(++line_no, offset, {buf.data() + head, tail - head});
              !s.is_ok()) {
            return s;
          }
          offset += tail - head;
        }
        break;
      }
      std::memmove(buf.data(), buf.data() + head, tail - head);
      tail -= head;
      head = 0;
      const size_t n = std::fread(buf.data() + tail, 1, buf.size() - tail, file.get());
      if (n == 0) {
        if (std::ferror(file.get())) {
          return Status::error(path + ": cannot read: " + std::strerror(errno));
        }
        eof = true;
      }
      tail += n;
      continue;
    }
    const size_t length = static_cast<size_t>(nl - (buf.data() + head));
    if (length > limits.max_line_bytes) return too_long(line_no + 1);
    if (Status s = indexer.line(++line_no, offset, {buf.data() + head, length}); !s.is_ok()) {
      return s;
    }
    offset += length + 1;
    head += length + 1;
  }
  return indexer.finish(offset);
}

}  // namespace rumor::cli
