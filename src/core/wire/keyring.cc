#include "core/wire/keyring.h"

#include <openssl/err.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include "core/wire/memberlist_codec.h"
#include "core/wire/memberlist_message.h"

namespace rumor::core::wire::ml {
namespace {

constexpr uint8_t kEncryptByte = static_cast<uint8_t>(MsgType::kEncrypt);
constexpr size_t kMaxSealedBytes = kMaxStreamBytes;
constexpr size_t kMaxKeyText = 44;  // base64 of 32 bytes

struct CtxFree {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CtxFree>;

bool valid_key_size(size_t n) {
  return n == 16 || n == 24 || n == 32;
}

const EVP_CIPHER* cipher_for(size_t key_bytes) {
  switch (key_bytes) {
    case 16:
      return EVP_aes_128_gcm();
    case 24:
      return EVP_aes_192_gcm();
    case 32:
      return EVP_aes_256_gcm();
  }
  return nullptr;
}

bool same(std::span<const uint8_t> a, std::span<const uint8_t> b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end());
}

// OpenSSL's error queue is per thread and only grows: drop what a failure left there, so one
// failed call cannot make a later, unrelated ERR_get_error() report it.
Status openssl_failure(const char* what) {
  const unsigned long code = ERR_peek_last_error();
  char text[256] = "no OpenSSL error recorded";
  if (code != 0) ERR_error_string_n(code, text, sizeof text);
  ERR_clear_error();
  return Status::error(std::string("AES-GCM ") + what + " failed: " + text);
}

// Feeds the additional data (if any) to an initialised context.
bool feed_aad(EVP_CIPHER_CTX* ctx, bool encrypt, std::span<const uint8_t> aad) {
  if (aad.empty()) return true;
  int len = 0;
  const int n = static_cast<int>(aad.size());
  return encrypt ? EVP_EncryptUpdate(ctx, nullptr, &len, aad.data(), n) == 1
                 : EVP_DecryptUpdate(ctx, nullptr, &len, aad.data(), n) == 1;
}

// Encrypts `text` (len bytes) in place and writes the tag. GCM is a stream mode: the ciphertext
// is as long as the plaintext and EVP_EncryptFinal_ex writes nothing.
bool gcm_encrypt(EVP_CIPHER_CTX* ctx, std::span<const uint8_t> key, const Nonce& nonce,
                 std::span<const uint8_t> aad, uint8_t* text, size_t len, uint8_t* tag) {
  int out_len = 0;
  if (EVP_EncryptInit_ex(ctx, cipher_for(key.size()), nullptr, key.data(), nonce.data()) != 1) {
    return false;
  }
  if (!feed_aad(ctx, true, aad)) return false;
  if (len > 0 && EVP_EncryptUpdate(ctx, text, &out_len, text, static_cast<int>(len)) != 1) {
    return false;
  }
  uint8_t scratch[kPadBlockBytes];  // GCM's final step writes nothing; this is in case it did
  if (EVP_EncryptFinal_ex(ctx, scratch, &out_len) != 1) return false;
  return EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, static_cast<int>(kTagBytes), tag) == 1;
}

// Decrypts `ct` into `plain` (as long as ct) and checks the tag with one key. False for any
// failure, authentication included: the caller tries the next key.
bool gcm_decrypt(EVP_CIPHER_CTX* ctx, std::span<const uint8_t> key, const uint8_t* nonce,
                 std::span<const uint8_t> aad, std::span<const uint8_t> ct, const uint8_t* tag_in,
                 uint8_t* plain) {
  int out_len = 0;
  // EVP_CTRL_GCM_SET_TAG takes a non-const pointer: hand it a copy.
  std::array<uint8_t, kTagBytes> tag;
  std::memcpy(tag.data(), tag_in, kTagBytes);
  if (EVP_DecryptInit_ex(ctx, cipher_for(key.size()), nullptr, key.data(), nonce) != 1) {
    return false;
  }
  if (!feed_aad(ctx, false, aad)) return false;
  if (!ct.empty() &&
      EVP_DecryptUpdate(ctx, plain, &out_len, ct.data(), static_cast<int>(ct.size())) != 1) {
    return false;
  }
  if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, static_cast<int>(kTagBytes), tag.data()) !=
      1) {
    return false;
  }
  uint8_t scratch[kPadBlockBytes];  // GCM's final step writes nothing; this is in case it did
  return EVP_DecryptFinal_ex(ctx, scratch, &out_len) == 1;
}

// Strips v0's PKCS#7 padding. memberlist checks only the last byte (pkcs7decode), so this does
// too: the tag has already shown the sender held a key.
bool strip_padding(std::vector<uint8_t>& plain) {
  if (plain.empty()) return false;
  const size_t pad = plain.back();
  if (pad == 0 || pad > kPadBlockBytes || pad > plain.size()) return false;
  plain.resize(plain.size() - pad);
  return true;
}

void put_u32_be(uint32_t v, uint8_t* out) {
  out[0] = static_cast<uint8_t>(v >> 24);
  out[1] = static_cast<uint8_t>(v >> 16);
  out[2] = static_cast<uint8_t>(v >> 8);
  out[3] = static_cast<uint8_t>(v);
}

uint32_t get_u32_be(const uint8_t* in) {
  return (uint32_t{in[0]} << 24) | (uint32_t{in[1]} << 16) | (uint32_t{in[2]} << 8) | in[3];
}

std::vector<uint8_t> stream_aad(std::span<const uint8_t> header, std::string_view label) {
  // Sized once and filled with memcpy: GCC 12 warns (falsely) on the two-insert version.
  std::vector<uint8_t> aad(header.size() + label.size());
  std::memcpy(aad.data(), header.data(), header.size());
  if (!label.empty()) std::memcpy(aad.data() + header.size(), label.data(), label.size());
  return aad;
}

bool is_base64_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '/';
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && is_space(s.back()))
    s.remove_suffix(1);
  return s;
}

// EVP_DecodeBlock takes '=' anywhere as zero bits and returns padding as zero bytes, so the
// shape is checked here first: groups of 4, the alphabet, then at most two '=' at the very end.
// Returns the number of padding characters, or nullopt when `s` is not base64.
std::optional<size_t> base64_padding(std::string_view s) {
  if (s.empty() || s.size() % 4 != 0) return std::nullopt;
  size_t pad = 0;
  while (pad < 2 && s[s.size() - 1 - pad] == '=')
    ++pad;
  const std::string_view body = s.substr(0, s.size() - pad);
  if (!std::all_of(body.begin(), body.end(), is_base64_char)) return std::nullopt;
  return pad;
}

// decryptPayload's checks, in its order, before any key is tried.
std::optional<OpenError> check_sealed(std::span<const uint8_t> aad,
                                      std::span<const uint8_t> sealed) {
  if (sealed.empty()) return OpenError::kTooShort;
  if (sealed[0] > static_cast<uint8_t>(EncryptionVersion::kV1)) {
    return OpenError::kUnsupportedVersion;
  }
  const auto vsn = static_cast<EncryptionVersion>(sealed[0]);
  if (sealed.size() < sealed_size(vsn, 0)) return OpenError::kTooShort;
  if (sealed.size() > kMaxSealedBytes || aad.size() > kMaxSealedBytes) return OpenError::kTooLarge;
  return std::nullopt;
}

}  // namespace

Status validate_key(std::span<const uint8_t> key) {
  if (valid_key_size(key.size())) return Status::ok();
  return Status::error("key is " + std::to_string(key.size()) +
                       " bytes; AES keys are 16, 24 or 32 bytes (serf keygen makes 32)");
}

// --- Keyring -------------------------------------------------------------------------------------

bool Keyring::contains(std::span<const uint8_t> key) const {
  return std::any_of(keys_.begin(), keys_.end(), [&](const Key& k) { return same(k, key); });
}

std::span<const uint8_t> Keyring::primary() const {
  if (keys_.empty()) return {};
  return keys_.front();
}

Status Keyring::add(std::span<const uint8_t> key) {
  if (Status s = validate_key(key); !s) return s;
  if (contains(key)) return Status::ok();
  if (keys_.size() >= kMaxKeys) {
    return Status::error("keyring is full (" + std::to_string(kMaxKeys) +
                         " keys); remove an old key before installing another");
  }
  keys_.emplace_back(key.begin(), key.end());
  return Status::ok();
}

Status Keyring::use(std::span<const uint8_t> key) {
  const auto it =
      std::find_if(keys_.begin(), keys_.end(), [&](const Key& k) { return same(k, key); });
  if (it == keys_.end()) {
    return Status::error("key is not installed; install it with add before making it primary");
  }
  std::rotate(keys_.begin(), it, it + 1);
  return Status::ok();
}

Status Keyring::remove(std::span<const uint8_t> key) {
  if (!keys_.empty() && same(keys_.front(), key)) {
    return Status::error("key is the primary; make another key primary (use) before removing it");
  }
  const auto it =
      std::find_if(keys_.begin(), keys_.end(), [&](const Key& k) { return same(k, key); });
  if (it != keys_.end()) keys_.erase(it);
  return Status::ok();
}

// --- base64 --------------------------------------------------------------------------------------

std::string encode_key_base64(std::span<const uint8_t> key) {
  std::string out(4 * ((key.size() + 2) / 3) + 1, '\0');  // EVP_EncodeBlock adds a NUL
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), key.data(),
                                static_cast<int>(key.size()));
  out.resize(n > 0 ? static_cast<size_t>(n) : 0);
  return out;
}

Result<Key> decode_key_base64(std::string_view text) {
  const std::string_view s = trim(text);
  if (s.size() > kMaxKeyText) {
    return Status::error("key is " + std::to_string(s.size()) +
                         " characters; a base64 AES key is at most 44 (serf keygen prints one)");
  }
  const std::optional<size_t> pad = base64_padding(s);
  if (!pad) {
    return Status::error(
        "key is not standard base64 (A-Z a-z 0-9 + /, '=' padding only at the end); "
        "serf keygen prints one");
  }
  Key key(3 * (s.size() / 4));
  const int n = EVP_DecodeBlock(key.data(), reinterpret_cast<const unsigned char*>(s.data()),
                                static_cast<int>(s.size()));
  if (n < 0 || static_cast<size_t>(n) != key.size()) {
    ERR_clear_error();
    return Status::error("key is not standard base64; serf keygen prints one");
  }
  key.resize(key.size() - *pad);
  if (Status st = validate_key(key); !st) return st;
  return key;
}

// --- packets -------------------------------------------------------------------------------------

Status seal(std::span<const uint8_t> key, EncryptionVersion vsn, const Nonce& nonce,
            std::span<const uint8_t> aad, std::span<const uint8_t> plaintext,
            std::vector<uint8_t>& out) {
  if (Status s = validate_key(key); !s) return s;
  if (plaintext.size() > kMaxSealedBytes || aad.size() > kMaxSealedBytes) {
    return Status::error("message of " + std::to_string(plaintext.size()) +
                         " bytes is too large to seal; memberlist accepts at most 20 MiB");
  }
  const size_t start = out.size();
  const size_t total = sealed_size(vsn, plaintext.size());
  const size_t text_len = total - kEncryptOverheadV1;  // plaintext and any padding
  out.resize(start + total);
  uint8_t* p = out.data() + start;
  p[0] = static_cast<uint8_t>(vsn);
  std::memcpy(p + kVersionBytes, nonce.data(), kNonceBytes);
  uint8_t* text = p + kVersionBytes + kNonceBytes;
  if (!plaintext.empty()) std::memcpy(text, plaintext.data(), plaintext.size());
  // PKCS#7: every padding byte holds the padding's length (text_len == plaintext for v1).
  std::memset(text + plaintext.size(), static_cast<int>(text_len - plaintext.size()),
              text_len - plaintext.size());
  const CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (!ctx || !gcm_encrypt(ctx.get(), key, nonce, aad, text, text_len, text + text_len)) {
    out.resize(start);
    return openssl_failure("seal");
  }
  return Status::ok();
}

const char* open_error_name(OpenError e) {
  switch (e) {
    case OpenError::kTooShort:
      return "too_short";
    case OpenError::kUnsupportedVersion:
      return "unsupported_version";
    case OpenError::kNoKeyDecrypts:
      return "no_key_decrypts";
    case OpenError::kBadPadding:
      return "bad_padding";
    case OpenError::kTooLarge:
      return "too_large";
    case OpenError::kNotStream:
      return "not_stream";
    case OpenError::kStreamTooLarge:
      return "stream_too_large";
    case OpenError::kStreamTruncated:
      return "stream_truncated";
  }
  return "unknown";
}

std::optional<OpenError> open(const Keyring& ring, std::span<const uint8_t> aad,
                              std::span<const uint8_t> sealed, std::vector<uint8_t>& out) {
  out.clear();
  if (auto e = check_sealed(aad, sealed)) return e;
  const bool padded = sealed[0] == static_cast<uint8_t>(EncryptionVersion::kV0);
  const uint8_t* nonce = sealed.data() + kVersionBytes;
  const std::span<const uint8_t> ct =
      sealed.subspan(kVersionBytes + kNonceBytes, sealed.size() - kEncryptOverheadV1);
  const uint8_t* tag = ct.data() + ct.size();
  const CipherCtx ctx(EVP_CIPHER_CTX_new());
  out.resize(ct.size());
  for (const Key& key : ring.keys()) {
    if (!ctx || !gcm_decrypt(ctx.get(), key, nonce, aad, ct, tag, out.data())) continue;
    if (!padded) return std::nullopt;
    if (strip_padding(out)) return std::nullopt;
    out.clear();
    return OpenError::kBadPadding;
  }
  // Wrong keys and bad tags leave nothing in OpenSSL's error queue today; clear it anyway, so
  // that under no OpenSSL version can untrusted input make it grow.
  ERR_clear_error();
  out.clear();
  return OpenError::kNoKeyDecrypts;
}

// --- streams -------------------------------------------------------------------------------------

Status seal_stream(std::span<const uint8_t> key, EncryptionVersion vsn, const Nonce& nonce,
                   std::string_view label, std::span<const uint8_t> plaintext,
                   std::vector<uint8_t>& out) {
  if (plaintext.size() > kMaxSealedBytes || sealed_size(vsn, plaintext.size()) > kMaxSealedBytes) {
    return Status::error("stream message of " + std::to_string(plaintext.size()) +
                         " bytes is too large to seal; memberlist accepts at most 20 MiB");
  }
  const size_t start = out.size();
  uint8_t header[kStreamHeaderBytes] = {kEncryptByte};
  put_u32_be(static_cast<uint32_t>(sealed_size(vsn, plaintext.size())), header + 1);
  out.insert(out.end(), header, header + kStreamHeaderBytes);
  Status s = seal(key, vsn, nonce, stream_aad(header, label), plaintext, out);
  if (!s) out.resize(start);
  return s;
}

std::optional<OpenError> open_stream(const Keyring& ring, std::string_view label,
                                     std::span<const uint8_t> bytes, std::vector<uint8_t>& out,
                                     size_t* consumed) {
  out.clear();
  if (bytes.empty()) return OpenError::kStreamTruncated;
  if (bytes[0] != kEncryptByte) return OpenError::kNotStream;
  if (bytes.size() < kStreamHeaderBytes) return OpenError::kStreamTruncated;
  const uint32_t declared = get_u32_be(bytes.data() + 1);
  if (declared > kMaxStreamBytes) return OpenError::kStreamTooLarge;
  if (bytes.size() - kStreamHeaderBytes < declared) return OpenError::kStreamTruncated;
  const std::span<const uint8_t> header = bytes.first(kStreamHeaderBytes);
  const std::span<const uint8_t> sealed = bytes.subspan(kStreamHeaderBytes, declared);
  if (auto e = open(ring, stream_aad(header, label), sealed, out)) return e;
  if (consumed != nullptr) *consumed = kStreamHeaderBytes + declared;
  return std::nullopt;
}

}  // namespace rumor::core::wire::ml
