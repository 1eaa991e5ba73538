#include "agent/snapshot.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <nlohmann/json.hpp>
#include <optional>
#include <system_error>
#include <utility>
#include <vector>

namespace rumor::agent {

// One decoded record. Appends and replay both go through apply(Record), so the state an append
// leaves behind is, by construction, the state a replay of the file gives.
struct detail::SnapshotRecord {
  enum class Kind { kAlive, kNotAlive, kIncarnation, kLeave, kStart };
  Kind kind = Kind::kStart;
  std::string name;
  std::string addr;
  uint32_t n = 0;
};

namespace {

using Json = nlohmann::json;

// Replay reads the file in chunks of this size; memory stays bounded by this plus one line.
constexpr size_t kReadChunkBytes = size_t{64} * 1024;
constexpr size_t kCrcHexDigits = 8;

using Kind = detail::SnapshotRecord::Kind;
using Record = detail::SnapshotRecord;

std::string os_message(int err) {
  return std::system_category().message(err);
}

Status path_error(const std::string& path, std::string_view what) {
  return Status::error("snapshot " + path + ": " + std::string(what));
}

// A member name as it appears in error messages: quoted, and cut short so that a hostile or
// mistaken name cannot flood a log line.
std::string shown(std::string_view s) {
  constexpr size_t kMaxShown = 64;
  if (s.size() <= kMaxShown) return "\"" + std::string(s) + "\"";
  return "\"" + std::string(s.substr(0, kMaxShown)) + "...\"";
}

uint32_t crc_of(std::string_view text) {
  const uLong crc =
      crc32_z(crc32_z(0, nullptr, 0), reinterpret_cast<const Bytef*>(text.data()), text.size());
  return static_cast<uint32_t>(crc);
}

std::string crc_hex(uint32_t crc) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(kCrcHexDigits, '0');
  for (size_t i = kCrcHexDigits; i-- > 0; crc >>= 4)
    out[i] = kDigits[crc & 0xfu];
  return out;
}

// Only lowercase digits, exactly as written: anything else is not a line we wrote.
std::optional<uint32_t> parse_crc_hex(std::string_view hex) {
  uint32_t value = 0;
  for (const char c : hex) {
    uint32_t digit = 0;
    if (c >= '0' && c <= '9') {
      digit = static_cast<uint32_t>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      digit = static_cast<uint32_t>(c - 'a' + 10);
    } else {
      return std::nullopt;
    }
    value = (value << 4) | digit;
  }
  return value;
}

// "a.b.c.d:port" or "[v6]:port", port 1..65535 without leading zeros: what the agent can dial.
bool valid_addr(std::string_view addr) {
  const size_t colon = addr.rfind(':');
  if (colon == std::string_view::npos) return false;
  const std::string_view host = addr.substr(0, colon);
  const std::string_view port = addr.substr(colon + 1);
  if (port.empty() || port.size() > 5 || port[0] == '0') return false;
  uint32_t port_value = 0;
  for (const char c : port) {
    if (c < '0' || c > '9') return false;
    port_value = port_value * 10 + static_cast<uint32_t>(c - '0');
  }
  if (port_value > 65535) return false;
  unsigned char ip[16];
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    const std::string v6(host.substr(1, host.size() - 2));
    return inet_pton(AF_INET6, v6.c_str(), ip) == 1;
  }
  const std::string v4(host);
  return inet_pton(AF_INET, v4.c_str(), ip) == 1;
}

const Json* string_field(const Json& obj, const char* key) {
  const auto it = obj.find(key);
  if (it == obj.end() || !it->is_string()) return nullptr;
  return &*it;
}

// A JSON object to a Record, or nothing if it is not one this version understands. Unknown
// fields are ignored so that a newer agent may add some.
std::optional<Record> decode(const Json& obj) {
  const Json* type = string_field(obj, "t");
  if (type == nullptr) return std::nullopt;
  const std::string& t = type->get_ref<const std::string&>();
  Record r;
  if (t == "alive" || t == "not-alive") {
    const Json* name = string_field(obj, "name");
    if (name == nullptr || name->get_ref<const std::string&>().empty()) return std::nullopt;
    r.name = name->get<std::string>();
    if (t == "not-alive") {
      r.kind = Kind::kNotAlive;
      return r;
    }
    const Json* addr = string_field(obj, "addr");
    if (addr == nullptr || !valid_addr(addr->get_ref<const std::string&>())) return std::nullopt;
    r.kind = Kind::kAlive;
    r.addr = addr->get<std::string>();
    return r;
  }
  if (t == "incarnation") {
    const auto n = obj.find("n");
    if (n == obj.end() || !n->is_number_unsigned()) return std::nullopt;
    const uint64_t value = n->get<uint64_t>();
    if (value > UINT32_MAX) return std::nullopt;
    r.kind = Kind::kIncarnation;
    r.n = static_cast<uint32_t>(value);
    return r;
  }
  if (t == "leave" || t == "start") {
    r.kind = t == "leave" ? Kind::kLeave : Kind::kStart;
    return r;
  }
  return std::nullopt;
}

// The compact JSON text of a record, "t" first so that `cat` reads well; nothing if a string is
// not valid UTF-8 (JSON cannot carry it, and replacing bytes would change the name on replay).
std::optional<std::string> encode(const Record& r) {
  nlohmann::ordered_json obj;
  switch (r.kind) {
    case Kind::kAlive:
      obj["t"] = "alive";
      obj["name"] = r.name;
      obj["addr"] = r.addr;
      break;
    case Kind::kNotAlive:
      obj["t"] = "not-alive";
      obj["name"] = r.name;
      break;
    case Kind::kIncarnation:
      obj["t"] = "incarnation";
      obj["n"] = r.n;
      break;
    case Kind::kLeave:
      obj["t"] = "leave";
      break;
    case Kind::kStart:
      obj["t"] = "start";
      break;
  }
  try {
    return obj.dump();
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

std::string make_line(const std::string& json) {
  return crc_hex(crc_of(json)) + " " + json;
}

// One line without its '\n' to a Record, or nothing if the line is damaged or not understood.
std::optional<Record> parse_line(std::string_view line) {
  if (line.size() <= kCrcHexDigits + 1 || line[kCrcHexDigits] != ' ') return std::nullopt;
  const std::optional<uint32_t> crc = parse_crc_hex(line.substr(0, kCrcHexDigits));
  const std::string_view json = line.substr(kCrcHexDigits + 1);
  if (!crc || *crc != crc_of(json)) return std::nullopt;
  const Json obj = Json::parse(json.begin(), json.end(), nullptr, /*allow_exceptions=*/false);
  if (obj.is_discarded() || !obj.is_object()) return std::nullopt;
  return decode(obj);
}

// Writes all of DATA, going on after short writes; returns 0 or the errno that stopped it, and
// how much was written in *written.
int write_all(int fd, std::string_view data, size_t* written) {
  *written = 0;
  while (*written < data.size()) {
    const ssize_t n = ::write(fd, data.data() + *written, data.size() - *written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    if (n == 0) return EIO;  // a regular file never does this; do not spin if one does
    *written += static_cast<size_t>(n);
  }
  return 0;
}

std::string parent_dir(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// The state change a record makes; false if it was refused (a new member over max_members).
bool apply(const Record& r, size_t max_members, SnapshotState& state) {
  switch (r.kind) {
    case Kind::kAlive: {
      const auto it = state.alive.find(r.name);
      if (it != state.alive.end()) {
        it->second = r.addr;
      } else {
        if (state.alive.size() >= max_members) return false;
        state.alive.emplace(r.name, r.addr);
      }
      return true;
    }
    case Kind::kNotAlive:
      state.alive.erase(r.name);
      return true;
    case Kind::kIncarnation:
      if (r.n > state.incarnation) state.incarnation = r.n;
      return true;
    case Kind::kLeave:
      state.left = true;
      return true;
    case Kind::kStart:
      state.left = false;
      return true;
  }
  return false;
}

}  // namespace

Result<std::unique_ptr<Snapshot>> Snapshot::open(const std::string& path, SnapshotLimits limits) {
  if (path.empty()) return Status::error("snapshot: the path is empty");
  if (limits.max_line_bytes < SnapshotLimits::kMinLineBytes) {
    return path_error(path, "max_line_bytes must be at least " +
                                std::to_string(SnapshotLimits::kMinLineBytes) + ", got " +
                                std::to_string(limits.max_line_bytes));
  }
  if (limits.max_bytes == 0) return path_error(path, "max_bytes must be positive, got 0");

  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    const int err = errno;
    std::string what = "cannot open: " + os_message(err);
    if (err == ENOENT) what += " (its directory must exist)";
    return path_error(path, what);
  }
  // From here the Snapshot owns fd and closes it on every return.
  std::unique_ptr<Snapshot> snapshot(new Snapshot(path, limits, fd));
  struct stat st {};
  if (::fstat(fd, &st) != 0) return snapshot->os_error("cannot stat", errno);
  if (!S_ISREG(st.st_mode)) return snapshot->error("not a regular file");

  // A PATH.tmp is what a compaction left when it crashed before its rename: PATH is still whole
  // and authoritative, so the temporary file is garbage.
  ::unlink((path + ".tmp").c_str());

  Status replayed = snapshot->replay();
  if (!replayed) return replayed;
  return snapshot;
}

Snapshot::Snapshot(std::string path, SnapshotLimits limits, int fd)
    : path_(std::move(path)), limits_(limits), fd_(fd), threshold_bytes_(limits.max_bytes) {}

Snapshot::~Snapshot() {
  if (fd_ >= 0) ::close(fd_);
}

// Streams the file line by line. A line is only ever held up to max_line_bytes: past that it is
// marked over-long and its remaining bytes are passed over up to the next '\n'. Bytes after the
// last '\n' are a record whose write was cut short by a crash; they are cut off the file.
Status Snapshot::replay() {
  std::vector<char> chunk(kReadChunkBytes);
  std::string line;
  bool overlong = false;
  size_t pos = 0;         // bytes consumed so far
  size_t line_start = 0;  // offset of the first byte after the last '\n'
  for (;;) {
    const ssize_t got = ::read(fd_, chunk.data(), chunk.size());
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return os_error("cannot read", errno);
    if (got == 0) break;
    std::string_view rest(chunk.data(), static_cast<size_t>(got));
    while (!rest.empty()) {
      const size_t newline = rest.find('\n');
      const std::string_view part = rest.substr(0, newline);
      if (!overlong && line.size() + part.size() > limits_.max_line_bytes) {
        overlong = true;
        line.clear();
      }
      if (!overlong) line.append(part);
      if (newline == std::string_view::npos) {
        pos += rest.size();
        break;
      }
      pos += newline + 1;
      rest.remove_prefix(newline + 1);
      if (overlong) {
        ++state_.skipped;
      } else {
        apply_line(line);
      }
      line.clear();
      overlong = false;
      line_start = pos;
    }
  }
  if (pos > line_start) {
    // fsync so the cut is durable before new records land after it; otherwise a power loss
    // could bring the torn bytes back in front of them and glue them to the next record.
    if (::ftruncate(fd_, static_cast<off_t>(line_start)) != 0 || ::fsync(fd_) != 0)
      return os_error("cannot cut off the torn last record", errno);
    state_.torn_tail = true;
  }
  file_bytes_ = line_start;
  return Status::ok();
}

void Snapshot::apply_line(std::string_view line) {
  const std::optional<Record> record = parse_line(line);
  if (record && apply(*record, limits_.max_members, state_)) {
    ++state_.records;
  } else {
    ++state_.skipped;
  }
}

Status Snapshot::alive(std::string_view name, std::string_view addr) {
  if (name.empty()) return error("member name is empty");
  if (!valid_addr(addr)) {
    return error("member " + shown(name) + ": address " + shown(addr) +
                 " is not ip:port (a.b.c.d:port or [v6]:port, port 1..65535)");
  }
  Record r{Kind::kAlive, std::string(name), std::string(addr), 0};
  const auto it = state_.alive.find(r.name);
  if (it != state_.alive.end() && it->second == r.addr) return Status::ok();
  if (it == state_.alive.end() && state_.alive.size() >= limits_.max_members) {
    ++state_.dropped;
    return Status::ok();
  }
  return append(r);
}

Status Snapshot::not_alive(std::string_view name) {
  Record r{Kind::kNotAlive, std::string(name), {}, 0};
  if (state_.alive.count(r.name) == 0) return Status::ok();
  return append(r);
}

Status Snapshot::incarnation(uint32_t n) {
  if (n <= state_.incarnation) return Status::ok();
  return append(Record{Kind::kIncarnation, {}, {}, n});
}

Status Snapshot::leave() {
  return append(Record{Kind::kLeave, {}, {}, 0});
}

Status Snapshot::start() {
  return append(Record{Kind::kStart, {}, {}, 0});
}

Status Snapshot::sync() {
  if (::fsync(fd_) != 0) return os_error("cannot sync", errno);
  return Status::ok();
}

Status Snapshot::append(const Record& r) {
  if (!broken_.empty()) {
    // A partial record is stuck at the end of the file. Rewriting the file from state() drops
    // it; until that works, appending would glue records onto it.
    (void)compact();
    if (!broken_.empty()) return error(broken_);
  }
  const std::optional<std::string> json = encode(r);
  if (!json) return error("member " + shown(r.name) + ": name or address is not valid UTF-8");
  std::string line = make_line(*json);
  if (line.size() > limits_.max_line_bytes) {
    return error("member " + shown(r.name) + ": record is " + std::to_string(line.size()) +
                 " bytes, over max_line_bytes " + std::to_string(limits_.max_line_bytes));
  }
  line += '\n';
  size_t written = 0;
  const int err = write_all(fd_, line, &written);
  if (err != 0) {
    // Cut the partial record off now: the next append would otherwise glue itself onto it, and
    // the torn line would no longer be the last one.
    if (written > 0 && ::ftruncate(fd_, static_cast<off_t>(file_bytes_)) != 0) {
      const int cut_err = errno;
      broken_ = "a failed append left a partial record that could not be cut off (" +
                os_message(cut_err) + "); appends fail until the file can be rewritten";
    }
    return os_error("cannot append", err);
  }
  file_bytes_ += line.size();
  const bool applied = apply(r, limits_.max_members, state_);
  RUMOR_ASSERT(applied, "appends check max_members before writing");
  if (file_bytes_ > threshold_bytes_) return compact_after_growth();
  return Status::ok();
}

Status Snapshot::compact_after_growth() {
  Status compacted = compact();
  if (compacted) return compacted;
  // Retrying on every append would rewrite the whole state each time and fail each time; wait
  // until the file has doubled.
  threshold_bytes_ = file_bytes_ * 2;
  return Status::error(compacted.message() + " (the record was written; compaction will be " +
                       "retried when the file reaches " + std::to_string(threshold_bytes_) +
                       " bytes)");
}

Status Snapshot::compact() {
  std::string data;
  const std::optional<std::string> lifecycle =
      encode(Record{state_.left ? Kind::kLeave : Kind::kStart, {}, {}, 0});
  data += make_line(*lifecycle) + '\n';
  if (state_.incarnation > 0) {
    data += make_line(*encode(Record{Kind::kIncarnation, {}, {}, state_.incarnation})) + '\n';
  }
  for (const auto& [name, addr] : state_.alive) {
    // Every member came through encode() on append or through the JSON parser on replay, so
    // its strings are valid UTF-8 and encode() succeeds.
    const std::optional<std::string> json = encode(Record{Kind::kAlive, name, addr, 0});
    RUMOR_ASSERT(json.has_value(), "members in the state are valid UTF-8");
    data += make_line(*json) + '\n';
  }

  const std::string tmp = path_ + ".tmp";
  // Unlink first and create exclusively, so that a stale PATH.tmp (or a symlink planted there)
  // is replaced rather than written through.
  ::unlink(tmp.c_str());
  const int tmp_fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644);
  if (tmp_fd < 0) {
    const int err = errno;
    return os_error("cannot create " + tmp, err);
  }
  // Called right after a failed call, before anything else can change errno.
  auto abandon = [&](const char* what) {
    const int err = errno;
    ::close(tmp_fd);
    ::unlink(tmp.c_str());
    return os_error(what + tmp, err);
  };
  struct stat st {};
  if (::fstat(fd_, &st) == 0 && ::fchmod(tmp_fd, st.st_mode & 07777) != 0)
    return abandon("cannot set the mode of ");
  size_t written = 0;
  if (const int err = write_all(tmp_fd, data, &written); err != 0) {
    errno = err;
    return abandon("cannot write ");
  }
  if (::fsync(tmp_fd) != 0) return abandon("cannot sync ");
  if (::rename(tmp.c_str(), path_.c_str()) != 0) return abandon("cannot rename ");

  // PATH is now the compacted file, and tmp_fd is open on it (O_APPEND) for further records.
  ::close(fd_);
  fd_ = tmp_fd;
  file_bytes_ = data.size();
  broken_.clear();
  ++compactions_;
  threshold_bytes_ = file_bytes_ > limits_.max_bytes / 2 ? file_bytes_ * 2 : limits_.max_bytes;

  const std::string dir = parent_dir(path_);
  const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) {
    const int err = errno;
    return os_error("compacted, but cannot open directory " + dir, err);
  }
  const int synced = ::fsync(dir_fd);
  const int sync_err = errno;
  ::close(dir_fd);
  if (synced != 0) return os_error("compacted, but cannot sync directory " + dir, sync_err);
  return Status::ok();
}

Status Snapshot::error(std::string_view what) const {
  return path_error(path_, what);
}

Status Snapshot::os_error(std::string_view what, int err) const {
  return error(std::string(what) + ": " + os_message(err));
}

}  // namespace rumor::agent
