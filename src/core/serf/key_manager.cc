#include "core/serf/key_manager.h"

#include "core/serf/serf_messages.h"

namespace rumor::core::serf {

std::string_view key_query_name(KeyOp op) {
  switch (op) {
    case KeyOp::kInstall:
      return "_serf_install-key";
    case KeyOp::kUse:
      return "_serf_use-key";
    case KeyOp::kRemove:
      return "_serf_remove-key";
    case KeyOp::kList:
      return "_serf_list-keys";
  }
  return "_serf_list-keys";
}

std::vector<uint8_t> key_query_payload(std::span<const uint8_t> key) {
  std::vector<uint8_t> out;
  encode(KeyRequest{Bytes(std::vector<uint8_t>(key.begin(), key.end()))}, out);
  return out;
}

void KeyTally::add(const std::string& from, std::span<const uint8_t> payload) {
  ++num_resp;
  KeyResponse resp;
  if (payload.empty() || payload[0] != static_cast<uint8_t>(MessageType::kKeyResponse)) {
    messages[from] = "Invalid key query response type";
    ++num_err;
    return;
  }
  if (decode(payload, resp)) {
    messages[from] = "Failed to decode key query response";
    ++num_err;
    return;
  }
  if (!resp.result) {
    messages[from] = resp.message;
    ++num_err;
  } else if (!resp.message.empty()) {
    messages[from] = resp.message;
  }
  for (const auto& key : resp.keys.value)
    ++keys[key];
  ++primary_keys[resp.primary_key];
}

std::string KeyTally::error() const {
  const std::string of = "/" + std::to_string(num_nodes) + " nodes reported ";
  if (num_err != 0) return std::to_string(num_err) + of + "failure";
  if (num_resp != num_nodes) return std::to_string(num_resp) + of + "success";
  return "";
}

}  // namespace rumor::core::serf
