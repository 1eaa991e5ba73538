#include "agent/keyring_file.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace rumor::agent {

namespace {
constexpr size_t kMaxFileBytes = 64 * 1024;
}  // namespace

Result<std::vector<core::wire::ml::Key>> load_keyring_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    if (errno == ENOENT) return std::vector<core::wire::ml::Key>{};
    return Status::error("keyring file " + path + ": cannot read it: " + std::strerror(errno));
  }
  std::stringstream text;
  text << in.rdbuf();
  if (text.str().size() > kMaxFileBytes) {
    return Status::error("keyring file " + path + ": larger than 64 KiB");
  }
  const nlohmann::json doc = nlohmann::json::parse(text.str(), nullptr, false);
  if (!doc.is_array()) {
    return Status::error("keyring file " + path + ": must be a JSON array of base64 keys");
  }
  std::vector<core::wire::ml::Key> keys;
  for (const auto& k : doc) {
    if (!k.is_string()) {
      return Status::error("keyring file " + path + ": must be a JSON array of base64 keys");
    }
    auto key = core::wire::ml::decode_key_base64(k.get<std::string>());
    if (!key) return Status::error("keyring file " + path + ": " + key.message());
    keys.push_back(std::move(*key));
  }
  return keys;
}

Status save_keyring_file(const std::string& path, const core::wire::ml::Keyring& ring) {
  nlohmann::json doc = nlohmann::json::array();
  for (const auto& k : ring.keys())
    doc.push_back(core::wire::ml::encode_key_base64(k));
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) return Status::error("keyring file " + tmp + ": cannot write it");
    out << doc.dump() << "\n";
    out.flush();
    if (!out) return Status::error("keyring file " + tmp + ": write failed");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    return Status::error("keyring file " + path + ": " + std::strerror(errno));
  }
  return Status::ok();
}

}  // namespace rumor::agent
