#include <algorithm>

#include "webui/assets.h"

namespace rumor::webui {

const Asset* find_asset(std::string_view path) {
  const auto assets = all_assets();
  const auto it = std::lower_bound(assets.begin(), assets.end(), path,
                                   [](const Asset& a, std::string_view p) { return a.path < p; });
  return it != assets.end() && it->path == path ? &*it : nullptr;
}

}  // namespace rumor::webui
