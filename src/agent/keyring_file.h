// The keyring file (Serf's -keyring-file): the encryption keys an agent uses, kept across
// restarts and rewritten whenever a key query changes them, so a rotation survives a restart.
//
// Format, as Serf writes it: a JSON array of base64 keys, the primary first, e.g.
//   ["QHOYjmYlxSCBhdfiolhtDUBgZkuKN5R4P3oN5/7wPU0=", "..."]
// A missing file is an empty keyring (not an error: the agent then writes it from --encrypt).
// Errors name the file and what is wrong with it (not JSON, not an array of strings, a key that
// is not base64 or not 16, 24 or 32 bytes). save() writes a temporary file beside it and
// renames it over the old one, so a crash leaves either the old keys or the new, never half.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "core/wire/keyring.h"

namespace rumor::agent {

Result<std::vector<core::wire::ml::Key>> load_keyring_file(const std::string& path);
Status save_keyring_file(const std::string& path, const core::wire::ml::Keyring& ring);

}  // namespace rumor::agent
