// KeyManager's side of Serf's key rotation (serf/keymanager.go): the internal queries that
// install, use, remove and list encryption keys on every member, and the tally of their
// answers that `serf keys` prints.
//
// A key operation is a query named _serf_install-key (use-key, remove-key, list-keys) whose
// payload is a KeyRequest with the raw key (none for list-keys); every member, the asker
// included, answers with a KeyResponse (serf_node_messages.cc does the answering). KeyTally
// counts the answers as keymanager.go's streamKeyResp does: an answer that does not decode or
// reports failure is an error with its message kept; list answers add to the key counts. The
// operation is complete once every member memberlist knows of has answered (num_resp ==
// num_nodes), or the query's deadline passed. Invariants: num_err <= num_resp; the messages
// and key maps hold at most one entry per answering member and per key (bounded by the
// query's answers, which the node bounds).
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace rumor::core::serf {

enum class KeyOp : uint8_t { kInstall, kUse, kRemove, kList };

// The internal query's name: "_serf_install-key", ...
std::string_view key_query_name(KeyOp op);
// The query payload: a KeyRequest with the raw key (type byte first).
std::vector<uint8_t> key_query_payload(std::span<const uint8_t> key);

struct KeyTally {
  int num_nodes = 0;  // live members when the query went out
  int num_resp = 0;
  int num_err = 0;
  std::map<std::string, std::string> messages;  // member -> its message (errors, warnings)
  std::map<std::string, int> keys;              // base64 key -> members holding it (list)
  std::map<std::string, int> primary_keys;      // base64 key -> members using it (list)

  // One member's answer (a query response's payload).
  void add(const std::string& from, std::span<const uint8_t> payload);
  bool complete() const { return num_resp >= num_nodes; }
  // keymanager.go's verdict: "" when every member answered with success, else its error text
  // ("2/5 nodes reported failure", "3/5 nodes reported success").
  std::string error() const;
};

}  // namespace rumor::core::serf
