// Transport: the layers memberlist puts around a message on the way out and takes off on the
// way in, outside the message codec: compression, encryption and the label. The fact sheet is
// ../shared/specs/memberlist-serf-wire.md §2.3 (the packet order), §3 (streams), §4 and §5.
//
// Out (seal_packet, seal_stream), in this order:
//   packets: LZW-compress the message or compound when that makes it smaller (the hasCrc
//            prefix, if any, stays outermost and is recomputed), seal with the keyring's primary
//            key (AES-GCM, the label as additional data), then the label header;
//   streams: always compress (when on), seal as one 0a | u32 length | sealed frame, the label
//            header first of all.
// In (open_packet, open_stream): check and strip the label, then open with every key in ring
// order. With a keyring, a message that does not open is refused when verify_incoming is set
// (memberlist's GossipVerifyIncoming); with it off, the bytes are taken as plaintext, which
// is how a cluster is moved to encryption without downtime. The rest (CRC, compound,
// decompression) is the codec's (memberlist_codec.h unwrap_packet, unwrap_stream).
//
// The transport owns its keyring; keys change through install/use/remove (Serf's key
// management). Nonces come from the caller's Prng, which the real driver seeds from OS entropy
// (keyring.h says why that matters). Every refusal is counted by kind (TransportStats);
// nothing here throws or asserts on input. Scratch buffers are reused from call to call, so
// the views open_* return live until the next call.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/prng.h"
#include "base/status.h"
#include "core/wire/keyring.h"
#include "core/wire/memberlist_codec.h"

namespace rumor::core::wire::ml {

struct TransportOptions {
  std::string label;            // empty: none (memberlist 0.2.2 has no labels)
  bool compress = false;        // LZW on what we send (reading it is always on)
  bool verify_incoming = true;  // with keys: refuse what does not decrypt
  bool verify_outgoing = true;  // with keys: encrypt what we send
  EncryptionVersion encryption_version = EncryptionVersion::kV1;
};

// What the transport refused, by kind; only grows.
struct TransportStats {
  uint64_t label_refused = 0;      // a missing, unexpected, wrong or malformed label
  uint64_t decrypt_failed = 0;     // no installed key opens it (or it is not encrypted at all)
  uint64_t plaintext_refused = 0;  // a plain stream while keys are set and verify_incoming is on
  uint64_t encrypted_refused = 0;  // an encrypted stream while no key is installed
  uint64_t seal_failed = 0;        // outgoing messages dropped because sealing failed
};

class Transport {
 public:
  explicit Transport(TransportOptions options = {});

  const TransportOptions& options() const { return options_; }
  const Keyring& keyring() const { return keyring_; }
  bool encrypting() const { return !keyring_.empty() && options_.verify_outgoing; }
  // Key management (keyring.h): errors say why.
  Status install_key(std::span<const uint8_t> key) { return keyring_.add(key); }
  Status use_key(std::span<const uint8_t> key) { return keyring_.use(key); }
  Status remove_key(std::span<const uint8_t> key) { return keyring_.remove(key); }

  // Bytes the outer layers may add to a packet (label, encryption): what the piggyback budget
  // leaves room for, as memberlist does.
  size_t packet_overhead() const;

  // Wraps a packet (a message, compound or hasCrc packet) in place. False: it could not be
  // sealed (counted); do not send it.
  bool seal_packet(std::vector<uint8_t>& bytes, Prng& prng);
  // Wraps a stream message (type byte first) in place; false as for packets.
  bool seal_stream(std::vector<uint8_t>& bytes, Prng& prng);

  // The packet inside the outer layers, for unwrap_packet with no label; nullopt: refused
  // (counted).
  std::optional<std::span<const uint8_t>> open_packet(std::span<const uint8_t> bytes);
  // The stream message inside the outer layers (possibly still compressed: unwrap_stream with
  // no label takes it from there); nullopt: refused (counted).
  std::optional<std::span<const uint8_t>> open_stream(std::span<const uint8_t> bytes);

  const TransportStats& stats() const { return stats_; }

 private:
  Nonce nonce(Prng& prng) const;
  void compress_packet(std::vector<uint8_t>& bytes);

  TransportOptions options_;
  Keyring keyring_;
  TransportStats stats_;
  std::vector<uint8_t> scratch_;  // what open_* return points into when it decrypted
  std::vector<uint8_t> out_;      // seal_*'s work buffer
};

}  // namespace rumor::core::wire::ml
