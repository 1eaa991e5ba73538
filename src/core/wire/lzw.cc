#include "core/wire/lzw.h"

#include <algorithm>
#include <array>
#include <vector>

namespace rumor::core::wire::lzw {
namespace {

constexpr uint32_t kClear = 256;     // 1 << litWidth
constexpr uint32_t kEnd = 257;       // Clear + 1; also the highest code before any entry
constexpr uint32_t kMaxCode = 4095;  // (1 << 12) - 1: the encoder resets on reaching it
constexpr unsigned kStartWidth = 9;  // litWidth + 1
constexpr unsigned kMaxWidth = 12;
constexpr uint32_t kStartOverflow = 512;  // 1 << kStartWidth
constexpr size_t kCodes = 4096;           // 1 << kMaxWidth

// --- encoding (Go's writer.go) -------------------------------------------------------------------

// Codes packed LSB-first: each code goes above the bits already pending, whole bytes leave from
// the low end. At most 7 + 12 bits are ever pending.
class BitWriter {
 public:
  explicit BitWriter(std::vector<uint8_t>& out) : out_(&out) {}

  void put(uint32_t code, unsigned width) {
    bits_ |= code << pending_;
    pending_ += width;
    while (pending_ >= 8) {
      out_->push_back(static_cast<uint8_t>(bits_));
      bits_ >>= 8;
      pending_ -= 8;
    }
  }
  // The last partial byte, zero-padded above its bits.
  void flush() {
    if (pending_ > 0) out_->push_back(static_cast<uint8_t>(bits_));
    bits_ = 0;
    pending_ = 0;
  }

 private:
  std::vector<uint8_t>* out_;
  uint32_t bits_ = 0;
  unsigned pending_ = 0;
};

// Go's encoder state. The table is Go's open-addressed hash of (prefix code << 8 | byte) keys,
// each slot holding key << 12 | code, 0 meaning empty (no entry has code 0). Any exact map would
// give the same output; this one is flat, cache-friendly and cheap to clear on a reset.
class Encoder {
 public:
  explicit Encoder(std::vector<uint8_t>& out) : bits_(out), table_(kTableSize, 0) {}

  void run(std::span<const uint8_t> in) {
    bits_.put(kClear, width_);
    if (!in.empty()) {
      uint32_t code = in[0];
      for (size_t i = 1; i < in.size(); ++i)
        code = step(code, in[i]);
      bits_.put(code, width_);
      inc_hi();
    }
    bits_.put(kEnd, width_);
    bits_.flush();
  }

 private:
  static constexpr uint32_t kTableSize = 4 << 12;
  static constexpr uint32_t kTableMask = kTableSize - 1;

  // Extends the current string `code` by `byte`, or emits it and starts a new string at `byte`.
  // Returns the new current code.
  uint32_t step(uint32_t code, uint8_t byte) {
    const uint32_t key = code << 8 | byte;
    uint32_t hash = ((key >> 12) ^ key) & kTableMask;
    for (uint32_t h = hash, t = table_[h]; t != 0; h = (h + 1) & kTableMask, t = table_[h]) {
      if (key == t >> 12) return t & kMaxCode;
    }
    bits_.put(code, width_);
    // On a reset Go drops the entry it was about to add: the new table starts empty.
    if (!inc_hi()) return byte;
    while (table_[hash] != 0)
      hash = (hash + 1) & kTableMask;
    table_[hash] = key << 12 | hi_;
    return byte;
  }

  // Go's incHi: the next code, a wider width once it no longer fits, and a Clear (written at the
  // current width) with a fresh table when the codes run out. Returns false after a reset.
  bool inc_hi() {
    ++hi_;
    if (hi_ == overflow_) {
      ++width_;
      overflow_ <<= 1;
    }
    if (hi_ != kMaxCode) return true;
    bits_.put(kClear, width_);
    width_ = kStartWidth;
    hi_ = kEnd;
    overflow_ = kStartOverflow;
    std::fill(table_.begin(), table_.end(), 0);
    return false;
  }

  BitWriter bits_;
  std::vector<uint32_t> table_;
  unsigned width_ = kStartWidth;
  uint32_t hi_ = kEnd;
  uint32_t overflow_ = kStartOverflow;
};

// --- decoding (Go's reader.go) -------------------------------------------------------------------

constexpr uint32_t kNoLast = 0xffff;

// Go's reader state. Entry c >= 258 is the string of entry prefix_[c] followed by suffix_[c];
// length_[c] is its length (1 for literals), so a code's output is sized before it is written.
// Invariant: prefix_[c] < c, so every chain ends at a literal within length_[c] - 1 steps.
class Decoder {
 public:
  Decoder(std::span<const uint8_t> in, size_t max_out, std::vector<uint8_t>& out)
      : in_(in), max_out_(max_out), out_(&out) {
    std::fill(length_.begin(), length_.begin() + kClear, uint16_t{1});
  }

  std::optional<Error> run() {
    for (;;) {
      uint32_t code = 0;
      if (!read(code)) return Error::kTruncated;
      if (code == kClear) {
        clear();
        continue;
      }
      if (code == kEnd) return std::nullopt;
      if (code > hi_) return Error::kBadCode;
      if (auto e = emit(code)) return e;
      advance(code);
    }
  }

 private:
  bool read(uint32_t& code) {
    while (pending_ < width_) {
      if (pos_ == in_.size()) return false;
      bits_ |= uint32_t{in_[pos_++]} << pending_;
      pending_ += 8;
    }
    code = bits_ & ((1u << width_) - 1);
    bits_ >>= width_;
    pending_ -= width_;
    return true;
  }

  void clear() {
    width_ = kStartWidth;
    hi_ = kEnd;
    overflow_ = kStartOverflow;
    last_ = kNoLast;
  }

  // Appends the string of `code` and learns the entry the previous code implied: the previous
  // string plus this one's first byte. code == hi_ is the KwKwK case: the string being defined
  // is the previous one plus its own first byte.
  std::optional<Error> emit(uint32_t code) {
    const bool kwkwk = code == hi_ && last_ != kNoLast;
    const uint32_t head = kwkwk ? last_ : code;
    const size_t n = size_t{length_[head]} + (kwkwk ? 1 : 0);
    // length_ 0 is an entry never defined; unreachable by the invariant, refused all the same.
    if (length_[head] == 0) return Error::kBadCode;
    if (n > max_out_ - out_->size()) return Error::kTooLarge;
    const size_t start = out_->size();
    out_->resize(start + n);
    write_string(head, start, length_[head]);
    const uint8_t first = (*out_)[start];
    if (kwkwk) (*out_)[start + n - 1] = first;
    if (last_ != kNoLast) {
      prefix_[hi_] = static_cast<uint16_t>(last_);
      suffix_[hi_] = first;
      length_[hi_] = static_cast<uint16_t>(length_[last_] + 1);
    }
    return std::nullopt;
  }

  // Writes entry c's n bytes at out_[start..start + n), walking the chain from the end. The
  // bound on i keeps the writes inside even if the invariant were broken.
  void write_string(uint32_t c, size_t start, size_t n) {
    uint8_t* base = out_->data() + start;
    size_t i = n;
    while (c >= kClear && i > 1) {
      base[--i] = suffix_[c];
      c = prefix_[c];
    }
    base[--i] = static_cast<uint8_t>(c);
  }

  // Go's step after every code but Clear and End: the next free code, a wider width once it no
  // longer fits, and at width 12 no new entries (and no KwKwK) until a Clear.
  void advance(uint32_t code) {
    last_ = code;
    ++hi_;
    if (hi_ < overflow_) return;
    if (width_ == kMaxWidth) {
      last_ = kNoLast;
      --hi_;
    } else {
      ++width_;
      overflow_ <<= 1;
    }
  }

  std::span<const uint8_t> in_;
  size_t pos_ = 0;
  uint32_t bits_ = 0;
  unsigned pending_ = 0;
  size_t max_out_;
  std::vector<uint8_t>* out_;
  unsigned width_ = kStartWidth;
  uint32_t hi_ = kEnd;
  uint32_t overflow_ = kStartOverflow;
  uint32_t last_ = kNoLast;
  std::array<uint16_t, kCodes> prefix_{};
  std::array<uint8_t, kCodes> suffix_{};
  std::array<uint16_t, kCodes> length_{};
};

}  // namespace

void compress(std::span<const uint8_t> in, std::vector<uint8_t>& out) {
  Encoder(out).run(in);
}

const char* error_name(Error e) {
  switch (e) {
    case Error::kTruncated:
      return "truncated";
    case Error::kBadCode:
      return "bad_code";
    case Error::kTooLarge:
      return "too_large";
  }
  return "unknown";
}

std::optional<Error> decompress(std::span<const uint8_t> in, size_t max_out,
                                std::vector<uint8_t>& out) {
  out.clear();
  Decoder d(in, max_out, out);
  return d.run();
}

}  // namespace rumor::core::wire::lzw
