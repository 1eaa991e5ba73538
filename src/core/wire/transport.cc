#include "core/wire/transport.h"

#include <cstring>
#include <utility>

#include "core/wire/compress_message.h"

namespace rumor::core::wire::ml {

namespace {

constexpr uint8_t kHasCrcByte = 12;     // MsgType::kHasCrc
constexpr uint8_t kEncryptedByte = 10;  // MsgType::kEncrypt: a sealed stream frame

std::span<const uint8_t> label_bytes(const std::string& label) {
  return {reinterpret_cast<const uint8_t*>(label.data()), label.size()};
}

}  // namespace

Transport::Transport(TransportOptions options) : options_(std::move(options)) {}

size_t Transport::packet_overhead() const {
  size_t n = label_overhead(options_.label);
  if (encrypting()) n += encrypt_overhead(options_.encryption_version);
  return n;
}

Nonce Transport::nonce(Prng& prng) const {
  Nonce n{};
  const uint64_t a = prng.next_u64();
  const uint64_t b = prng.next_u64();
  std::memcpy(n.data(), &a, 8);
  std::memcpy(n.data() + 8, &b, 4);
  return n;
}

// memberlist compresses a packet only when that makes it smaller; a hasCrc prefix is computed
// over what follows it, so it is taken off, and put back over the compressed message.
void Transport::compress_packet(std::vector<uint8_t>& bytes) {
  const bool crc = bytes.size() >= kCrcOverhead && bytes[0] == kHasCrcByte;
  const std::span<const uint8_t> inner =
      crc ? std::span<const uint8_t>(bytes).subspan(kCrcOverhead) : std::span<const uint8_t>(bytes);
  out_.clear();
  encode_compressed(inner, out_);
  if (out_.size() >= inner.size()) return;
  if (crc) {
    std::vector<uint8_t> wrapped;
    wrap_crc(out_, wrapped);
    bytes = std::move(wrapped);
  } else {
    bytes.assign(out_.begin(), out_.end());
  }
}

bool Transport::seal_packet(std::vector<uint8_t>& bytes, Prng& prng) {
  if (options_.compress) compress_packet(bytes);
  if (encrypting()) {
    out_.clear();
    if (!seal(keyring_.primary(), options_.encryption_version, nonce(prng),
              label_bytes(options_.label), bytes, out_)) {
      ++stats_.seal_failed;
      return false;
    }
    bytes.swap(out_);
  }
  if (!options_.label.empty()) {
    out_.clear();
    wrap_label(options_.label, bytes, out_);
    bytes.swap(out_);
  }
  return true;
}

bool Transport::seal_stream(std::vector<uint8_t>& bytes, Prng& prng) {
  if (options_.compress) {
    out_.clear();
    encode_compressed(bytes, out_);
    bytes.swap(out_);
  }
  if (encrypting()) {
    out_.clear();
    append_label_header(options_.label, out_);
    if (!ml::seal_stream(keyring_.primary(), options_.encryption_version, nonce(prng),
                         options_.label, bytes, out_)) {
      ++stats_.seal_failed;
      return false;
    }
    bytes.swap(out_);
    return true;
  }
  if (!options_.label.empty()) {
    out_.clear();
    wrap_label(options_.label, bytes, out_);
    bytes.swap(out_);
  }
  return true;
}

std::optional<std::span<const uint8_t>> Transport::open_packet(std::span<const uint8_t> bytes) {
  std::span<const uint8_t> rest;
  if (strip_label(bytes, options_.label, rest)) {
    ++stats_.label_refused;
    return std::nullopt;
  }
  if (keyring_.empty()) return rest;
  if (!open(keyring_, label_bytes(options_.label), rest, scratch_)) return scratch_;
  if (options_.verify_incoming) {
    ++stats_.decrypt_failed;
    return std::nullopt;
  }
  return rest;  // a plaintext peer during a move to encryption
}

std::optional<std::span<const uint8_t>> Transport::open_stream(std::span<const uint8_t> bytes) {
  std::span<const uint8_t> rest;
  if (strip_label(bytes, options_.label, rest)) {
    ++stats_.label_refused;
    return std::nullopt;
  }
  const bool sealed = !rest.empty() && rest[0] == kEncryptedByte;
  if (!sealed) {
    if (!keyring_.empty() && options_.verify_incoming) {
      ++stats_.plaintext_refused;
      return std::nullopt;
    }
    return rest;
  }
  if (keyring_.empty()) {
    ++stats_.encrypted_refused;
    return std::nullopt;
  }
  if (ml::open_stream(keyring_, options_.label, rest, scratch_)) {
    ++stats_.decrypt_failed;
    return std::nullopt;
  }
  return scratch_;
}

}  // namespace rumor::core::wire::ml
