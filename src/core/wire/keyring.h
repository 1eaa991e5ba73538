// memberlist's encryption: the keyring, AES-GCM sealing of packets and stream messages, and the
// base64 form `serf keygen` prints keys in. The fact sheet is
// ../shared/specs/memberlist-serf-wire.md §4 (encryption), §2.3 (encryption is the last layer a
// packet gets, before the label) and §3 (the 0x0a stream frame); memberlist's own code is
// security.go, keyring.go and net.go (encryptPayload, decryptPayload, encryptLocalState,
// decryptRemoteState).
//
// Keyring: an ordered list of AES keys (16, 24 or 32 bytes: AES-128/192/256), at most kMaxKeys.
// keys()[0] is the primary: the only key that seals. Opening tries every key in ring order, so a
// cluster can rotate keys without loss: install the new key everywhere, `use` it, then remove
// the old one. Invariants: no key twice, every key a valid size, the primary is never removed.
// Operations on it are configuration (the second error tier) and return a Status.
//
// Sealed form: vsn (1) | nonce (12) | ciphertext | tag (16). Version 1 seals the plaintext as
// is (overhead exactly 29 bytes); version 0, which memberlist speaks at ProtocolVersion 1, first
// PKCS#7-pads it to a multiple of 16 (1..16 bytes of padding, overhead at most 45). Opening
// accepts both and strips the padding. Packets use the label (empty without one) as GCM
// additional data; a stream message is 0a | u32 BE length | sealed, authenticated together with
// those 5 header bytes and then the label.
//
// Why the nonce is a parameter: the core is sans-IO and draws no randomness of its own
// (DESIGN.md), so the caller passes 12 bytes from the node's Prng. GCM is only as safe as its
// nonces are unique under one key: the real driver must seed that Prng from OS entropy at every
// start (a fixed seed that replays after a restart would repeat nonces), and the deterministic
// seeds belong to the simulator alone.
//
// Opening is the first error tier: untrusted bytes never throw, assert or crash; each rejection
// is one OpenError for the caller to count. Nothing here keeps state between calls; the OpenSSL
// context lives for one call and is reused across the keys tried.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace rumor::core::wire::ml {

inline constexpr size_t kMaxKeys = 64;
inline constexpr size_t kVersionBytes = 1;
inline constexpr size_t kNonceBytes = 12;
inline constexpr size_t kTagBytes = 16;
inline constexpr size_t kPadBlockBytes = 16;                          // AES's block size
inline constexpr size_t kEncryptOverheadV1 = 29;                      // vsn + nonce + tag
inline constexpr size_t kEncryptOverheadV0Max = 29 + kPadBlockBytes;  // and at most 16 of padding
inline constexpr size_t kStreamHeaderBytes = 5;                       // 0a + u32 BE length

using Key = std::vector<uint8_t>;
using Nonce = std::array<uint8_t, kNonceBytes>;

enum class EncryptionVersion : uint8_t {
  kV0 = 0,  // PKCS#7 padding (memberlist at ProtocolVersion 1)
  kV1 = 1,  // no padding (every later ProtocolVersion)
};

// The version memberlist seals with at a given ProtocolVersion (net.go encryptionVersion).
constexpr EncryptionVersion encryption_version_for(int protocol_version) {
  return protocol_version == 1 ? EncryptionVersion::kV0 : EncryptionVersion::kV1;
}

// The most a sealed message adds: what a sender budgets (memberlist's encryptOverhead).
constexpr size_t encrypt_overhead(EncryptionVersion vsn) {
  return vsn == EncryptionVersion::kV0 ? kEncryptOverheadV0Max : kEncryptOverheadV1;
}

// The exact sealed size of a plaintext (memberlist's encryptedLength).
constexpr size_t sealed_size(EncryptionVersion vsn, size_t plaintext_bytes) {
  if (vsn == EncryptionVersion::kV1) return kEncryptOverheadV1 + plaintext_bytes;
  const size_t pad = kPadBlockBytes - plaintext_bytes % kPadBlockBytes;
  return kEncryptOverheadV1 + plaintext_bytes + pad;
}

// Why a key cannot be used: ok for 16, 24 or 32 bytes, else an error naming the size.
Status validate_key(std::span<const uint8_t> key);

class Keyring {
 public:
  Keyring() = default;

  // Installs `key` last; the first key installed becomes the primary. A key already installed is
  // a no-op (memberlist's AddKey). Errors: a bad size, a full ring.
  Status add(std::span<const uint8_t> key);
  // Makes an installed key the primary; the others keep their order. Error: not installed.
  Status use(std::span<const uint8_t> key);
  // Drops a key. Error: it is the primary (`use` another first). A key that is not installed is
  // a no-op, as in memberlist, so every member of a cluster answers a removal the same way.
  Status remove(std::span<const uint8_t> key);

  const std::vector<Key>& keys() const { return keys_; }
  // The sealing key; empty when the ring is.
  std::span<const uint8_t> primary() const;
  // Encryption is on iff the ring holds a key.
  bool empty() const { return keys_.empty(); }
  size_t size() const { return keys_.size(); }
  bool contains(std::span<const uint8_t> key) const;

 private:
  std::vector<Key> keys_;
};

// --- keys as text --------------------------------------------------------------------------------

// Standard base64 with padding, as `serf keygen` prints a key.
std::string encode_key_base64(std::span<const uint8_t> key);
// The key in `text` (standard alphabet, '=' padding only at the end; ASCII whitespace around it
// is ignored, as when the key is read from a file). Errors say what is wrong: not base64, or a
// key of the wrong size.
Result<Key> decode_key_base64(std::string_view text);

// --- packets -------------------------------------------------------------------------------------

// Appends vsn | nonce | ciphertext | tag to `out`: exactly sealed_size(vsn, plaintext.size())
// bytes. `key` is the ring's primary; `aad` is the label for packets (empty for none). Errors: a
// bad key size, a plaintext beyond kMaxStreamBytes, or OpenSSL failing (then `out` is as it was).
Status seal(std::span<const uint8_t> key, EncryptionVersion vsn, const Nonce& nonce,
            std::span<const uint8_t> aad, std::span<const uint8_t> plaintext,
            std::vector<uint8_t>& out);

enum class OpenError : uint8_t {
  kTooShort,            // fewer bytes than the version's minimum (29 for v1, 45 for v0), or none
  kUnsupportedVersion,  // a version byte above 1 (a plaintext packet usually shows up as this)
  kNoKeyDecrypts,       // no installed key authenticates it (wrong key, tampering, empty ring)
  kBadPadding,          // v0 whose authenticated padding is not 1..16 bytes
  kTooLarge,            // beyond kMaxStreamBytes: no memberlist message is that big
  kNotStream,           // a stream frame that does not start with the 0x0a type byte
  kStreamTooLarge,      // a stream frame declaring more than kMaxStreamBytes
  kStreamTruncated,     // a stream frame shorter than its header or its declared length
};
inline constexpr size_t kOpenErrorCount = 8;
const char* open_error_name(OpenError e);

// Opens vsn | nonce | ciphertext | tag with each key of `ring` in order; the first that
// authenticates wins. `aad` must be what the sender used. `out` is cleared first and holds the
// plaintext (padding stripped) on success; on failure it is left empty.
std::optional<OpenError> open(const Keyring& ring, std::span<const uint8_t> aad,
                              std::span<const uint8_t> sealed, std::vector<uint8_t>& out);

// --- streams -------------------------------------------------------------------------------------

// Appends 0a | u32 BE length | sealed to `out` (memberlist's encryptLocalState), the GCM
// additional data being those 5 bytes followed by `label` (empty for none). A label header, when
// a label is used, goes once at the start of the connection, before this frame; it is the
// caller's (append_label_header). Errors as for seal; a frame over kMaxStreamBytes is refused,
// since memberlist would refuse it.
Status seal_stream(std::span<const uint8_t> key, EncryptionVersion vsn, const Nonce& nonce,
                   std::string_view label, std::span<const uint8_t> plaintext,
                   std::vector<uint8_t>& out);

// Opens one stream frame. `bytes` starts at the 0x0a type byte (after any label header) and may
// run past the frame; *consumed (when given) is set to the frame's length on success. Errors: no
// 0x0a, a declared length over kMaxStreamBytes, a frame cut short, then those of open().
std::optional<OpenError> open_stream(const Keyring& ring, std::string_view label,
                                     std::span<const uint8_t> bytes, std::vector<uint8_t>& out,
                                     size_t* consumed = nullptr);

}  // namespace rumor::core::wire::ml
